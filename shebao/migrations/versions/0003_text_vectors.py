"""Text vectors (knowledge/semantic_models.py): the e5 embeddings of the base's questions, cached.

Revision ID: 0003_text_vectors
Revises: 0002_outbox
Create Date: 2026-12-01 09:40:28.750048
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_text_vectors"
down_revision: str | Sequence[str] | None = "0002_outbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "kb_text_vector",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("model", sa.String(length=80), nullable=False),
        sa.Column("dim", sa.Integer(), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_kb_text_vector")),
    )
    op.create_index(op.f("ix_kb_text_vector_model"), "kb_text_vector", ["model"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_kb_text_vector_model"), table_name="kb_text_vector")
    op.drop_table("kb_text_vector")
