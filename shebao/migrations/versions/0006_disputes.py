"""Disputes and answer feedback (bot/models.py: Dispute, AnswerFeedback): the answers citizens said
were wrong, and helpful / not helpful from the mini-program.

Revision ID: 0006_disputes
Revises: 0005_documents
Create Date: 2026-12-01 12:20:49.487266
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_disputes"
down_revision: str | Sequence[str] | None = "0005_documents"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bot_answer_feedback",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("exchange_id", sa.Integer(), nullable=False),
        sa.Column("user_key", sa.String(length=160), nullable=False),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bot_answer_feedback")),
        sa.UniqueConstraint(
            "exchange_id", "user_key", name=op.f("uq_bot_answer_feedback_exchange_id")
        ),
    )
    with op.batch_alter_table("bot_answer_feedback", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_bot_answer_feedback_exchange_id"), ["exchange_id"], unique=False
        )

    op.create_table(
        "bot_dispute",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("user_key", sa.String(length=160), nullable=False),
        sa.Column("exchange_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.String(length=120), nullable=True),
        sa.Column("entry_version", sa.Integer(), nullable=True),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("said", sa.Text(), nullable=False),
        sa.Column("wording", sa.Text(), nullable=True),
        sa.Column("offered", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("resolved_by", sa.String(length=80), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bot_dispute")),
    )
    with op.batch_alter_table("bot_dispute", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bot_dispute_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_bot_dispute_entry_id"), ["entry_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_bot_dispute_exchange_id"), ["exchange_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_bot_dispute_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_bot_dispute_user_key"), ["user_key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("bot_dispute", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bot_dispute_user_key"))
        batch_op.drop_index(batch_op.f("ix_bot_dispute_status"))
        batch_op.drop_index(batch_op.f("ix_bot_dispute_exchange_id"))
        batch_op.drop_index(batch_op.f("ix_bot_dispute_entry_id"))
        batch_op.drop_index(batch_op.f("ix_bot_dispute_created_at"))

    op.drop_table("bot_dispute")
    with op.batch_alter_table("bot_answer_feedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bot_answer_feedback_exchange_id"))

    op.drop_table("bot_answer_feedback")
