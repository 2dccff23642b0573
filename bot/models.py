"""Tables the conversation engine keeps: dialogue state, the record of exchanges, hand-offs,
and the answers citizens said were wrong (disputes) or rated (feedback)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shebao.clock import utcnow
from shebao.db import Base


class DialogueState(Base):
    """Per-user conversation memory (last list, pending continuation, region, open form)."""

    __tablename__ = "bot_dialogue_state"

    user_key: Mapped[str] = mapped_column(String(160), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    region: Mapped[str | None] = mapped_column(String(40), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)


class Exchange(Base):
    """One question and the bot's reply, personal data masked. Feeds the staff console."""

    __tablename__ = "bot_exchange"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    channel: Mapped[str] = mapped_column(String(20))
    user_key: Mapped[str] = mapped_column(String(160), index=True)
    role: Mapped[str] = mapped_column(String(20), default="citizen")
    region: Mapped[str | None] = mapped_column(String(40), nullable=True)
    message: Mapped[str] = mapped_column(Text)
    normalized: Mapped[str] = mapped_column(Text, default="")
    intent: Mapped[str] = mapped_column(String(60), index=True)
    confidence: Mapped[float] = mapped_column(Float)
    outcome: Mapped[str] = mapped_column(String(20), index=True)
    faq_id: Mapped[str | None] = mapped_column(String(120), nullable=True, index=True)
    reply: Mapped[str] = mapped_column(Text)
    latency_ms: Mapped[float] = mapped_column(Float)
    # Staff triage of abstained / low-confidence questions: None, "dismissed", "resolved".
    triage: Mapped[str | None] = mapped_column(String(20), nullable=True, index=True)


class Handoff(Base):
    """A question handed to a person, and the staff answer when there is one."""

    __tablename__ = "bot_handoff"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    channel: Mapped[str] = mapped_column(String(20))
    user_key: Mapped[str] = mapped_column(String(160), index=True)
    role: Mapped[str] = mapped_column(String(20), default="citizen")
    question: Mapped[str] = mapped_column(Text)
    context: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    answered_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class Dispute(Base):
    """An answer a citizen said was wrong: 「不对」 in the conversation, or 没帮助 in the
    mini-program. Text masked as in the exchange record. Staff close it (webhooks/admin)."""

    __tablename__ = "bot_dispute"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(String(20), default="dispute")  # dispute | not_helpful
    channel: Mapped[str] = mapped_column(String(20))
    user_key: Mapped[str] = mapped_column(String(160), index=True)
    exchange_id: Mapped[int] = mapped_column(Integer, index=True)
    entry_id: Mapped[str | None] = mapped_column(String(120), nullable=True, index=True)
    entry_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    question: Mapped[str] = mapped_column(Text)  # what the citizen asked
    answer: Mapped[str] = mapped_column(Text)  # what the bot answered
    said: Mapped[str] = mapped_column(Text)  # what they said next (不对…, or the comment)
    wording: Mapped[str | None] = mapped_column(Text, nullable=True)  # 「我问的是…」's question
    offered: Mapped[list[str]] = mapped_column(JSON, default=list)  # entries offered next
    # open | edited | reworded (added to another entry) | misunderstanding
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    resolved_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    resolution: Mapped[str | None] = mapped_column(Text, nullable=True)


class AnswerFeedback(Base):
    """helpful / not helpful on one answer, from the user it was given to; one per both."""

    __tablename__ = "bot_answer_feedback"
    __table_args__ = (UniqueConstraint("exchange_id", "user_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    exchange_id: Mapped[int] = mapped_column(Integer, index=True)
    user_key: Mapped[str] = mapped_column(String(160))
    helpful: Mapped[bool] = mapped_column(Boolean)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
