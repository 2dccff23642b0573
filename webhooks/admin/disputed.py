"""Wrong answers as staff see them: disputes (bot.disputes) grouped by the entry that answered.

Each group carries the entry's current question and version (a dispute of an older version
may already be fixed), how often the entry was disputed against how often it answered in the
last ``WINDOW_DAYS``, and each dispute's words. ``flagged`` lists the entries disputed more
than N times in seven days, for the home page; ``per_day`` feeds the insight page.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.models import Dispute, Exchange
from knowledge.models import Entry
from shebao import clock
from shebao.clock import CHINA

WINDOW_DAYS = 30
FLAG_DAYS = 7
STATUSES = ("edited", "reworded", "misunderstanding")


@dataclass
class Group:
    entry_id: str | None
    question: str | None  # the entry's question today (None: the entry is gone)
    version: int | None
    disputes: list[Dispute] = field(default_factory=list)
    answers: int = 0  # answers the entry gave in the window
    disputed: int = 0  # disputes of it in the window, closed ones too

    @property
    def ids_text(self) -> str:
        return ",".join(str(d.id) for d in self.disputes)

    @property
    def rate(self) -> float | None:
        return self.disputed / self.answers if self.answers else None

    @property
    def changed_since(self) -> bool:
        """The entry has a newer version than some disputed answer came from."""
        return any(d.entry_version != self.version for d in self.disputes)


def _since(days: int) -> datetime:
    return clock.utcnow() - timedelta(days=days)


def rate(s: Session, entry_id: str, days: int = WINDOW_DAYS) -> tuple[int, int]:
    """(disputes, answers) of one entry over the last ``days``."""
    since = _since(days)
    disputes = s.scalar(
        select(func.count())
        .select_from(Dispute)
        .where(Dispute.entry_id == entry_id, Dispute.created_at >= since)
    )
    answers = s.scalar(
        select(func.count())
        .select_from(Exchange)
        .where(
            Exchange.faq_id == entry_id,
            Exchange.outcome == "answered",
            Exchange.created_at >= since,
        )
    )
    return int(disputes or 0), int(answers or 0)


def open_groups(s: Session) -> list[Group]:
    """Open disputes by entry, the most disputed first."""
    rows = list(
        s.scalars(
            select(Dispute).where(Dispute.status == "open").order_by(Dispute.created_at.desc())
        )
    )
    by_entry: dict[str | None, list[Dispute]] = {}
    for d in rows:
        by_entry.setdefault(d.entry_id, []).append(d)
    ids = [i for i in by_entry if i]
    entries = {e.id: e for e in s.scalars(select(Entry).where(Entry.id.in_(ids)))}
    groups = []
    for entry_id, disputes in by_entry.items():
        entry = entries.get(entry_id) if entry_id else None
        disputed, answers = rate(s, entry_id) if entry_id else (len(disputes), 0)
        groups.append(
            Group(
                entry_id,
                entry.question if entry else None,
                entry.version if entry else None,
                disputes,
                answers,
                disputed,
            )
        )
    groups.sort(key=lambda g: (-len(g.disputes), -(g.disputes[0].created_at.timestamp())))
    return groups


def questions(s: Session, entry_ids: set[str]) -> dict[str, str]:
    """Entry questions, for the candidates a dispute offered."""
    if not entry_ids:
        return {}
    return dict(s.execute(select(Entry.id, Entry.question).where(Entry.id.in_(entry_ids))).all())


def wordings(s: Session, ids: list[int]) -> list[str]:
    """What the citizens asked, and the wordings they restated, of these disputes."""
    out: list[str] = []
    for d in s.scalars(select(Dispute).where(Dispute.id.in_(ids)).order_by(Dispute.id)):
        for text in (d.question, d.wording):
            if text and text.strip() and text.strip() not in out:
                out.append(text.strip())
    return out


def resolve(s: Session, ids: list[int], status: str, who: str, note: str = "") -> int:
    """Close open disputes as ``edited``, ``reworded`` or ``misunderstanding``."""
    if status not in STATUSES or not ids:
        return 0
    result = s.execute(
        update(Dispute)
        .where(Dispute.id.in_(ids), Dispute.status == "open")
        .values(status=status, resolved_by=who, resolved_at=clock.utcnow(), resolution=note)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def flagged(s: Session, more_than: int) -> list[tuple[str, str, int]]:
    """(entry id, question, disputes) of entries disputed more than ``more_than`` times in the
    last seven days, the most disputed first."""
    counts = s.execute(
        select(Dispute.entry_id, func.count())
        .where(Dispute.entry_id.is_not(None), Dispute.created_at >= _since(FLAG_DAYS))
        .group_by(Dispute.entry_id)
        .having(func.count() > more_than)
    ).all()
    names = questions(s, {str(i) for i, _ in counts})
    return sorted(
        ((str(i), names.get(str(i), str(i)), int(n)) for i, n in counts), key=lambda r: -r[2]
    )


def per_day(s: Session, since: date, days: int) -> list[tuple[date, int]]:
    """Disputes per day (China time) from ``since``, ``days`` days."""
    start = datetime.combine(since, datetime.min.time(), CHINA).astimezone(UTC)
    rows = s.scalars(
        select(Dispute.created_at).where(Dispute.created_at >= start.replace(tzinfo=None))
    ).all()
    counts = Counter(r.replace(tzinfo=UTC).astimezone(CHINA).date() for r in rows)
    return [(since + timedelta(days=i), counts[since + timedelta(days=i)]) for i in range(days)]
