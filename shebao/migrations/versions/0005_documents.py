"""Policy documents and their passages (knowledge/document_models.py).

Revision ID: 0005_documents
Revises: 0004_replay_nonces
Create Date: 2026-12-01 12:20:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_documents"
down_revision: str | Sequence[str] | None = "0004_replay_nonces"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "kb_document",
        sa.Column("id", sa.String(length=120), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("number", sa.String(length=120), nullable=True),
        sa.Column("issuer", sa.String(length=200), nullable=True),
        sa.Column("issued", sa.Date(), nullable=False),
        sa.Column("date_precision", sa.String(length=5), nullable=False),
        sa.Column("region", sa.String(length=40), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=True),
        sa.Column("effective_to", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("imported_by", sa.String(length=80), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_document")),
    )
    op.create_index(op.f("ix_kb_document_region"), "kb_document", ["region"], unique=False)
    op.create_table(
        "kb_passage",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("document_id", sa.String(length=120), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["kb_document.id"],
            name=op.f("fk_kb_passage_document_id_kb_document"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_passage")),
        sa.UniqueConstraint("document_id", "position", name=op.f("uq_kb_passage_document_id")),
    )
    op.create_index(op.f("ix_kb_passage_document_id"), "kb_passage", ["document_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_kb_passage_document_id"), table_name="kb_passage")
    op.drop_table("kb_passage")
    op.drop_index(op.f("ix_kb_document_region"), table_name="kb_document")
    op.drop_table("kb_document")
