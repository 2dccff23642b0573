"""Outbox jobs (shebao/outbox_models.py): background work worked by `shebao worker`.

Revision ID: 0002_outbox
Revises: 0001_initial
Create Date: 2026-11-24 22:19:23.061186
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_outbox"
down_revision: str | Sequence[str] | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbox_job",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("run_after", sa.DateTime(), nullable=False),
        sa.Column("locked_by", sa.String(length=120), nullable=True),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_job")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_outbox_job_dedupe_key")),
    )
    op.create_index("ix_outbox_job_due", "outbox_job", ["status", "run_after"], unique=False)
    op.create_index(op.f("ix_outbox_job_finished_at"), "outbox_job", ["finished_at"], unique=False)
    op.create_index(op.f("ix_outbox_job_kind"), "outbox_job", ["kind"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_outbox_job_kind"), table_name="outbox_job")
    op.drop_index(op.f("ix_outbox_job_finished_at"), table_name="outbox_job")
    op.drop_index("ix_outbox_job_due", table_name="outbox_job")
    op.drop_table("outbox_job")
