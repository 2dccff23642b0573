"""The outbox table: background work that must survive the process that asked for it.

A row is written (often in the same transaction as the change that needs it) and worked by
``shebao worker`` processes, or by a thread of the web process in the embedded default. See
shebao/outbox.py for the life of a job.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shebao.clock import utcnow
from shebao.db import Base


class OutboxJob(Base):
    """One job. ``status``: ``pending`` → ``running`` → ``done``, or back to ``pending`` with a
    later ``run_after`` after a failure, or ``dead`` after ``max_attempts`` (staff console)."""

    __tablename__ = "outbox_job"
    __table_args__ = (Index("ix_outbox_job_due", "status", "run_after"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(60), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # At most one job per key, ever ("late:msg:…", "applications.follow@29110417", …).
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True, nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=8)
    run_after: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # The lease: who runs it, and until when; a lease that ran out is taken again.
    locked_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True, index=True)
