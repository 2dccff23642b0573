"""Replay nonces (webhooks/models.py ReplayNonce): signed WeChat requests seen in the window.

Revision ID: 0004_replay_nonces
Revises: 0003_text_vectors
Create Date: 2026-12-01 12:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_replay_nonces"
down_revision: str | Sequence[str] | None = "0003_text_vectors"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "wechat_replay_nonce",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_wechat_replay_nonce")),
    )
    op.create_index(
        op.f("ix_wechat_replay_nonce_seen_at"), "wechat_replay_nonce", ["seen_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_wechat_replay_nonce_seen_at"), table_name="wechat_replay_nonce")
    op.drop_table("wechat_replay_nonce")
