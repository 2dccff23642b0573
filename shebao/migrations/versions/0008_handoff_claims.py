"""Hand-off claims (webhooks/admin/models.py: HandoffClaim): which member of staff has a
hand-off in hand (认领), so two people do not answer the same citizen.

Revision ID: 0008_handoff_claims
Revises: 0007_revision_comment
Create Date: 2026-12-01 13:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_handoff_claims"
down_revision: str | Sequence[str] | None = "0007_revision_comment"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staff_handoff_claim",
        sa.Column("handoff_id", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(length=80), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["handoff_id"],
            ["bot_handoff.id"],
            name=op.f("fk_staff_handoff_claim_handoff_id_bot_handoff"),
        ),
        sa.PrimaryKeyConstraint("handoff_id", name=op.f("pk_staff_handoff_claim")),
    )
    with op.batch_alter_table("staff_handoff_claim", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_staff_handoff_claim_claimed_by"), ["claimed_by"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("staff_handoff_claim", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_handoff_claim_claimed_by"))
    op.drop_table("staff_handoff_claim")
