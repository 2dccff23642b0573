"""Tables of the mini-program API: the bot's own login sessions.

A session is made when ``wx.login``'s code has been exchanged through code2Session. The
mini-program holds only the bot's signed token naming the session; WeChat's ``session_key``
stays here, sealed (bot.personal.sealed), and never leaves the server.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shebao.clock import utcnow
from shebao.db import Base


class MiniProgramSession(Base):
    __tablename__ = "miniprogram_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    openid: Mapped[str] = mapped_column(String(128), index=True)
    unionid: Mapped[str | None] = mapped_column(String(128), nullable=True)
    sealed_session_key: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
