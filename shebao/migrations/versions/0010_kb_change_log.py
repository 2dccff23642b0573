"""The knowledge base's change log (knowledge/models.py: KbChange): which entries changed at
which generation, so every worker re-indexes only those instead of rebuilding its whole index.

Revision ID: 0010_kb_change_log
Revises: 0009_entry_versions
Create Date: 2026-12-01 15:20:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_kb_change_log"
down_revision: str | Sequence[str] | None = "0009_entry_versions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "kb_change",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.String(length=120), nullable=True),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_change")),
    )
    with op.batch_alter_table("kb_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kb_change_generation"), ["generation"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("kb_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kb_change_generation"))
    op.drop_table("kb_change")
