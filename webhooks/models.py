"""Tables of the WeChat webhook: processed inbound messages (retry de-dup) and outbound sends.

``ProcessedMessage`` is claimed by inserting its key first: the primary key makes the claim
atomic across threads, processes and hosts, so a message WeChat retries is processed once.
``OutboundMessage`` records every customer-service (客服) message, sent or (in development)
only recorded; its unique ``ref`` makes a send with the same reference happen once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shebao.clock import utcnow
from shebao.db import Base


class ProcessedMessage(Base):
    """One inbound WeChat message or event, keyed as WeChat de-duplicates them.

    ``status`` moves ``working`` → ``replied`` (the reply left passively; ``reply_text`` is
    what a retry gets again) or ``working`` → ``deferred`` → ``delivered`` | ``failed`` (the
    budget ran out; the answer went, or failed to go, as a customer-service message).
    """

    __tablename__ = "wechat_processed_message"

    # "msg:<FromUserName>:<MsgId>" for messages, "evt:<FromUserName>:<CreateTime>" for events.
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    openid: Mapped[str] = mapped_column(String(128), index=True)
    msg_type: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(20), index=True, default="working")
    reply_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Unix time written into the passive reply's CreateTime, so retries get the same bytes.
    reply_time: Mapped[int | None] = mapped_column(Integer, nullable=True)
    latency_ms: Mapped[float | None] = mapped_column(Float, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class OutboundMessage(Base):
    """A customer-service message: sent through WeChat, or recorded in development."""

    __tablename__ = "wechat_outbound_message"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    # Idempotency key chosen by the caller ("late:<message key>", "handoff:<id>", …).
    ref: Mapped[str | None] = mapped_column(String(200), unique=True, nullable=True)
    openid: Mapped[str] = mapped_column(String(128), index=True)
    msg_type: Mapped[str] = mapped_column(String(20), default="text")
    content: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(40), default="")
    transport: Mapped[str] = mapped_column(String(20))  # "wechat" | "recorded"
    # sending | sent | recorded | failed
    status: Mapped[str] = mapped_column(String(20), index=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class ReplayNonce(Base):
    """A signed WeChat request's ``timestamp`` and ``nonce``, remembered for the replay window.

    The URL signature covers only token, timestamp and nonce, not the body: a signed query
    string used a second time is a replay, whatever body comes with it. Redis remembers these
    first (``SET NX EX``); this table is the fallback when Redis is not configured or down.
    """

    __tablename__ = "wechat_replay_nonce"

    # "<timestamp>:<nonce>"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
