"""Tables of the policy documents: a document record and the passages its text is split into."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shebao.clock import utcnow
from shebao.db import Base

#: ``in_force`` documents are served within their effective dates; ``withdrawn`` ones never.
DOCUMENT_STATUSES = ("in_force", "withdrawn")


class Document(Base):
    """One policy document (notice, 实施意见, newsletter) as imported, with its source text."""

    __tablename__ = "kb_document"

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    number: Mapped[str | None] = mapped_column(String(120), nullable=True)  # 文号
    issuer: Mapped[str | None] = mapped_column(String(200), nullable=True)
    issued: Mapped[date] = mapped_column(Date)
    # "day", or "month" / "year" when only that much of the date is known (a news feature)
    date_precision: Mapped[str] = mapped_column(String(5), default="day")
    region: Mapped[str] = mapped_column(String(40), index=True)
    effective_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    effective_to: Mapped[date | None] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="in_force")
    text: Mapped[str] = mapped_column(Text)
    filename: Mapped[str | None] = mapped_column(String(200), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    imported_by: Mapped[str] = mapped_column(String(80), default="system")
    imported_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    passages: Mapped[list[Passage]] = relationship(
        back_populates="document",
        order_by="Passage.position",
        cascade="all, delete-orphan",
    )

    def in_force(self, today: date) -> bool:
        if self.status != "in_force":
            return False
        if self.effective_from and self.effective_from > today:
            return False
        return not (self.effective_to and self.effective_to < today)

    def citation(self) -> str:
        """《title》文号 date: how a quotation names its source."""
        parts = [self.title if self.title.startswith("《") else f"《{self.title}》"]
        if self.number:
            parts.append(self.number)
        parts.append(self.date_label())
        return " ".join(parts)

    def date_label(self) -> str:
        if self.date_precision == "year":
            return f"{self.issued.year}年"
        if self.date_precision == "month":
            return f"{self.issued.year}年{self.issued.month}月"
        return self.issued.isoformat()


class Passage(Base):
    """A run of whole sentences of one document, at ``position`` (0, 1, …) in its text."""

    __tablename__ = "kb_passage"
    __table_args__ = (UniqueConstraint("document_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(
        ForeignKey("kb_document.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    answered: Mapped[int] = mapped_column(Integer, default=0)  # times quoted in an answer

    document: Mapped[Document] = relationship(back_populates="passages")
