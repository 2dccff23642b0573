"""Entry versions count what went live (knowledge/curation.py): the drafts, reviews and
退回修改 of one edit are revisions of one version, so ``kb_revision`` no longer has one row per
(entry, version), and the numbers already stored are renumbered.

Before, every revision took the next number and the live row took the number of the revision
it equalled: one edit of a published entry went 1 → 3 → 4 (create, submit, publish; edit,
submit, publish: 6). Upgrading walks each entry's revisions in the order made and gives each
the version it is of: one above the last version that went live (a publish, or an import as
published), for an ``archive`` the version of the live row. ``kb_entry.version``,
``bot_dispute.entry_version`` (the version a disputed answer came from) and the "restore vN"
actions are mapped from the old numbers to the new ones. Downgrading numbers the revisions
1, 2, 3 … again.

Revision ID: 0009_entry_versions
Revises: 0008_handoff_claims
Create Date: 2026-12-01 15:20:00.000000
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0009_entry_versions"
down_revision: str | Sequence[str] | None = "0008_handoff_claims"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_RESTORE = re.compile(r"^restore v(\d+)$")


def _data(value: Any) -> dict[str, Any]:
    return json.loads(value) if isinstance(value, str) else dict(value or {})


def _revisions(conn: sa.Connection) -> dict[str, list[tuple[int, int, str, str]]]:
    """(id, version, action, status) of every revision, by entry, in the order made."""
    out: dict[str, list[tuple[int, int, str, str]]] = {}
    rows = conn.execute(
        sa.text("SELECT id, entry_id, version, action, data FROM kb_revision ORDER BY id")
    )
    for rev_id, entry_id, version, action, data in rows:
        out.setdefault(entry_id, []).append(
            (rev_id, version, action, str(_data(data).get("status") or ""))
        )
    return out


def _renumber(conn: sa.Connection, numbers: dict[str, dict[int, int]], new: dict[int, int]) -> None:
    """Write the new numbers: revisions (``new``: id → version), entries, disputes, actions
    (``numbers``: entry → old number → new number)."""
    for rev_id, version in new.items():
        conn.execute(
            sa.text("UPDATE kb_revision SET version = :v WHERE id = :id"),
            {"v": version, "id": rev_id},
        )
    for entry_id, mapping in numbers.items():
        live = conn.scalar(sa.text("SELECT version FROM kb_entry WHERE id = :id"), {"id": entry_id})
        if live in mapping:
            conn.execute(
                sa.text("UPDATE kb_entry SET version = :v WHERE id = :id"),
                {"v": mapping[live], "id": entry_id},
            )
        disputes = conn.execute(
            sa.text("SELECT id, entry_version FROM bot_dispute WHERE entry_id = :id"),
            {"id": entry_id},
        ).all()
        for dispute_id, version in disputes:
            if version in mapping:
                conn.execute(
                    sa.text("UPDATE bot_dispute SET entry_version = :v WHERE id = :id"),
                    {"v": mapping[version], "id": dispute_id},
                )
        actions = conn.execute(
            sa.text(
                "SELECT id, action FROM kb_revision"
                " WHERE entry_id = :id AND action LIKE 'restore v%'"
            ),
            {"id": entry_id},
        ).all()
        for rev_id, action in actions:
            found = _RESTORE.match(action)
            if found and int(found.group(1)) in mapping:
                conn.execute(
                    sa.text("UPDATE kb_revision SET action = :a WHERE id = :id"),
                    {"a": f"restore v{mapping[int(found.group(1))]}", "id": rev_id},
                )


def upgrade() -> None:
    with op.batch_alter_table("kb_revision", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_kb_revision_entry_id"), type_="unique")
    conn = op.get_bind()
    numbers: dict[str, dict[int, int]] = {}
    new: dict[int, int] = {}
    for entry_id, revisions in _revisions(conn).items():
        released, live, live_status = 0, 0, ""
        mapping = numbers.setdefault(entry_id, {})
        for rev_id, old, action, status in revisions:
            if action == "archive":
                version = live or released + 1
                live, live_status = version, "archived"
            elif action in ("publish", "import"):
                version = released + 1
                live, live_status = version, status
                if status == "published":
                    released = version
            else:  # create, edit, submit, return, restore: the version being written
                version = released + 1
                if live_status != "published":  # not a pending edit: the live row changed
                    live, live_status = version, status
            mapping[old] = version
            new[rev_id] = version
    _renumber(conn, numbers, new)


def downgrade() -> None:
    conn = op.get_bind()
    numbers: dict[str, dict[int, int]] = {}
    new: dict[int, int] = {}
    for entry_id, revisions in _revisions(conn).items():
        mapping = numbers.setdefault(entry_id, {})
        live_status = ""
        for n, (rev_id, version, action, status) in enumerate(revisions, start=1):
            new[rev_id] = n
            changes_live = action in ("publish", "import", "archive") or live_status != "published"
            if changes_live:  # the live row's (and a dispute's) version: its last such revision
                mapping[version] = n
                live_status = status
    _renumber(conn, numbers, new)
    with op.batch_alter_table("kb_revision", schema=None) as batch_op:
        batch_op.create_unique_constraint(
            batch_op.f("uq_kb_revision_entry_id"), ["entry_id", "version"]
        )
