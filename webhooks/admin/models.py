"""Tables of the staff console: accounts, their login sessions, login attempts, the audit log,
and who has a hand-off in hand (认领).

Everything the console needs to remember lives here, in the database every worker shares:
a login made on one worker is valid on all of them, a session revoked on one is revoked on
all, and the login-attempt limit counts attempts made against any of them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from shebao.clock import utcnow
from shebao.db import Base

#: The roles, weakest first: each may do what the ones before it may.
ROLES = ("editor", "reviewer", "admin")


class StaffUser(Base):
    """One member of staff. ``password_hash`` is werkzeug's salted hash, never the password."""

    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(80), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default="editor")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    def can(self, role: str) -> bool:
        """Whether this account has ``role`` or a stronger one."""
        return self.active and ROLES.index(self.role) >= ROLES.index(role)

    @property
    def label(self) -> str:
        return self.display_name or self.username


class StaffSession(Base):
    """A login. The browser holds a random token; only its SHA-256 is stored here."""

    __tablename__ = "staff_session"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)  # absolute end, whatever the use
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    ip: Mapped[str] = mapped_column(String(64), default="")


class LoginAttempt(Base):
    """One try at the login form, counted to slow down password guessing."""

    __tablename__ = "staff_login_attempt"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    username: Mapped[str] = mapped_column(String(80), index=True)
    ip: Mapped[str] = mapped_column(String(64), index=True, default="")
    success: Mapped[bool] = mapped_column(Boolean, default=False)


class AuditLog(Base):
    """One staff action: who did what to which thing, when and from where."""

    __tablename__ = "staff_audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(80), index=True)
    action: Mapped[str] = mapped_column(String(60), index=True)
    target: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ip: Mapped[str] = mapped_column(String(64), default="")


class HandoffClaim(Base):
    """认领: which member of staff has a hand-off (``bot_handoff``) in hand, so that two people
    do not answer the same citizen. One row per claimed hand-off; releasing deletes it."""

    __tablename__ = "staff_handoff_claim"

    handoff_id: Mapped[int] = mapped_column(ForeignKey("bot_handoff.id"), primary_key=True)
    claimed_by: Mapped[str] = mapped_column(String(80), index=True)
    claimed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
