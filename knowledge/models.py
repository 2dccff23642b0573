"""Tables of the knowledge base: entries and their revisions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shebao.clock import utcnow
from shebao.db import Base

STATUSES = ("draft", "review", "published", "archived")


class Entry(Base):
    """One FAQ entry: the current text. Every change is also kept as an ``EntryRevision``."""

    __tablename__ = "kb_entry"

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    topic: Mapped[str] = mapped_column(String(120), index=True)
    question: Mapped[str] = mapped_column(Text)
    similar_questions: Mapped[list[str]] = mapped_column(JSON, default=list)
    answer: Mapped[str] = mapped_column(Text)
    region: Mapped[str] = mapped_column(String(40), index=True)
    category: Mapped[str] = mapped_column(String(40), index=True)
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    source_title: Mapped[str] = mapped_column(Text)
    source_number: Mapped[str | None] = mapped_column(String(120), nullable=True)
    source_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    effective_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    effective_to: Mapped[date | None] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(20), index=True, default="draft")
    #: How many times a new text went live: 1 until the first edit after publishing is
    #: published (knowledge/curation.py).
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_by: Mapped[str] = mapped_column(String(80), default="system")
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    submitted_by: Mapped[str | None] = mapped_column(String(80), nullable=True)

    def in_force(self, today: date) -> bool:
        if self.effective_from and self.effective_from > today:
            return False
        return not (self.effective_to and self.effective_to < today)

    def source_label(self) -> str:
        parts = [
            f"《{self.source_title}》"
            if not self.source_title.startswith("《")
            else self.source_title
        ]
        if self.source_number:
            parts.append(self.source_number)
        if self.source_date:
            parts.append(self.source_date.isoformat())
        return " ".join(parts)

    def snapshot(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "topic": self.topic,
            "question": self.question,
            "similar_questions": list(self.similar_questions or []),
            "answer": self.answer,
            "region": self.region,
            "category": self.category,
            "keywords": list(self.keywords or []),
            "source_title": self.source_title,
            "source_number": self.source_number,
            "source_date": self.source_date.isoformat() if self.source_date else None,
            "effective_from": self.effective_from.isoformat() if self.effective_from else None,
            "effective_to": self.effective_to.isoformat() if self.effective_to else None,
            "status": self.status,
        }


class EntryRevision(Base):
    """A frozen copy of an entry as it was after one change, in the order made (``id``).

    ``version`` is the version of the entry this text is (or will be once published): the
    drafts, reviews and 退回修改 of one edit share it (knowledge/curation.py explains)."""

    __tablename__ = "kb_revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entry_id: Mapped[str] = mapped_column(ForeignKey("kb_entry.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    action: Mapped[str] = mapped_column(String(40))
    changed_by: Mapped[str] = mapped_column(String(80))
    changed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    #: What the person said about this change (a reviewer's reason for 退回修改).
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)


class KbState(Base):
    """A single row counting publishes, so every worker can tell its index is stale."""

    __tablename__ = "kb_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    generation: Mapped[int] = mapped_column(Integer, default=0)
