"""A comment on an entry revision (knowledge/models.py: EntryRevision.comment): the reviewer's
reason when a change in review is sent back to its author (退回修改).

Revision ID: 0007_revision_comment
Revises: 0006_disputes
Create Date: 2026-12-01 13:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_revision_comment"
down_revision: str | Sequence[str] | None = "0006_disputes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("kb_revision", schema=None) as batch_op:
        batch_op.add_column(sa.Column("comment", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("kb_revision", schema=None) as batch_op:
        batch_op.drop_column("comment")
