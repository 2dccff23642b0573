"""The knowledge base's change log: which entries changed at which generation.

Every change to what is served adds one to ``KbState.generation``
(``knowledge.curation.bump_generation``) and, in the same transaction, writes one ``KbChange``
row per entry changed (``record``). A worker whose index is at generation N reads the entries
changed since N (``changed_since``) and re-indexes only those; when the log cannot say (a
generation missing from it, or one recorded as "anything may have changed"), it rebuilds.

Rows older than ``KEEP_GENERATIONS`` generations are deleted as new ones are written: a worker
that far behind finds a gap and rebuilds, which it would have to do anyway.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge.models import KbChange
from shebao.clock import utcnow

KEEP_GENERATIONS = 1000


def record(session: Session, generation: int, entry_ids: Iterable[str] | None) -> None:
    """Log ``entry_ids`` as changed at ``generation`` (None: anything may have changed)."""
    now = utcnow()
    # Nothing named is logged as "anything": the generation must be in the log, or it is a gap.
    ids: list[str | None] = [*sorted(set(entry_ids or ()))] or [None]
    session.add_all(KbChange(generation=generation, entry_id=i, changed_at=now) for i in ids)
    session.execute(sa.delete(KbChange).where(KbChange.generation <= generation - KEEP_GENERATIONS))
    session.flush()


def changed_since(session: Session, after: int, upto: int) -> set[str] | None:
    """The ids of the entries changed at generations ``after`` + 1 … ``upto``, or None when
    the log cannot say which (a generation missing, or one that may have changed anything)."""
    if upto < after:
        return None
    rows = session.execute(
        select(KbChange.generation, KbChange.entry_id).where(
            KbChange.generation > after, KbChange.generation <= upto
        )
    ).all()
    if {g for g, _ in rows} != set(range(after + 1, upto + 1)):
        return None
    ids = {entry_id for _, entry_id in rows}
    if None in ids:
        return None
    return {entry_id for entry_id in ids if entry_id is not None}
