"""Staff accounts, login sessions, the login-attempt limit and the audit log.

Plain functions over a ``Session`` (no Flask), so the CLI, the views and the tests share them.

- Passwords are hashed with werkzeug's ``generate_password_hash`` (scrypt, salted).
- A login creates a ``StaffSession``; the browser keeps a random token (in Flask's signed
  cookie), the database only its SHA-256. A session ends after ``IDLE`` without use, after
  ``LIFETIME`` whatever the use, on logout, or when the account is disabled.
- Failed logins are counted over ``WINDOW`` per account *from each client address* and per
  client address (the client's, through the trusted proxies: webhooks/proxies.py); past either
  limit a login from that address is refused without even checking the password, and the
  refused try is recorded too (it counts towards the limits). An attacker's failures so lock
  out the attacker's address, never the account for the staff's own addresses.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from shebao.clock import utcnow
from webhooks.admin.models import ROLES, AuditLog, LoginAttempt, StaffSession, StaffUser

IDLE = timedelta(minutes=30)
LIFETIME = timedelta(hours=12)
WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_USER = 5
MAX_FAILURES_PER_IP = 20
MIN_PASSWORD = 10
#: Touch ``last_seen_at`` at most this often, so each page view is not a write.
TOUCH_EVERY = timedelta(minutes=1)


class AccountError(ValueError):
    """A request about accounts that cannot be done (name taken, password too short …)."""


@dataclass(frozen=True)
class Limits:
    idle: timedelta = IDLE
    lifetime: timedelta = LIFETIME
    window: timedelta = WINDOW
    max_failures_per_user: int = MAX_FAILURES_PER_USER
    max_failures_per_ip: int = MAX_FAILURES_PER_IP

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Limits:
        return cls(
            idle=timedelta(minutes=float(config.get("ADMIN_IDLE_MINUTES", 30))),
            lifetime=timedelta(hours=float(config.get("ADMIN_SESSION_HOURS", 12))),
            window=timedelta(minutes=float(config.get("ADMIN_LOGIN_WINDOW_MINUTES", 15))),
            max_failures_per_user=int(
                config.get("ADMIN_LOGIN_MAX_FAILURES", MAX_FAILURES_PER_USER)
            ),
            max_failures_per_ip=int(config.get("ADMIN_LOGIN_MAX_FAILURES_IP", MAX_FAILURES_PER_IP)),
        )


# ── accounts ─────────────────────────────────────────────────────────────────────────────────


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"password needs at least {MIN_PASSWORD} characters")


def create_user(
    session: Session, username: str, password: str, role: str, display_name: str = ""
) -> StaffUser:
    username = username.strip()
    if not username or len(username) > 80:
        raise AccountError("a user name of 1 to 80 characters is needed")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    check_password_rules(password)
    if find_user(session, username) is not None:
        raise AccountError(f"user {username!r} already exists")
    user = StaffUser(
        username=username,
        display_name=display_name.strip(),
        role=role,
        password_hash=generate_password_hash(password),
        active=True,
        created_at=utcnow(),
    )
    session.add(user)
    session.flush()
    return user


def find_user(session: Session, username: str) -> StaffUser | None:
    return session.scalar(select(StaffUser).where(StaffUser.username == username.strip()))


def set_password(session: Session, user: StaffUser, password: str) -> None:
    """A new password; every session of the account ends."""
    check_password_rules(password)
    user.password_hash = generate_password_hash(password)
    revoke_sessions(session, user.id)


def revoke_sessions(session: Session, user_id: int) -> None:
    session.execute(
        update(StaffSession).where(StaffSession.user_id == user_id).values(revoked=True)
    )


# ── login ────────────────────────────────────────────────────────────────────────────────────


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def locked_out(
    session: Session, username: str, ip: str, limits: Limits, now: datetime | None = None
) -> bool:
    """Too many recent failures for this user name from this address, or from this address."""
    since = (now or utcnow()) - limits.window
    base = (
        select(func.count())
        .select_from(LoginAttempt)
        .where(LoginAttempt.at >= since, LoginAttempt.success.is_(False), LoginAttempt.ip == ip)
    )
    by_user = session.scalar(base.where(LoginAttempt.username == username.strip()[:80])) or 0
    by_ip = session.scalar(base) or 0
    return by_user >= limits.max_failures_per_user or by_ip >= limits.max_failures_per_ip


def authenticate(
    session: Session, username: str, password: str, ip: str, limits: Limits
) -> StaffUser | None:
    """The account if the name and password are right and the account is active.

    Every try is recorded. Raises ``LockedOut`` past the attempt limits (the password is then
    not even checked, so guessing gains nothing); the caller's transaction is then rolled back,
    so the caller records the refused try with ``record_refused`` in a transaction of its own.
    """
    name = username.strip()[:80]
    if locked_out(session, name, ip, limits):
        raise LockedOut(limits.window)
    user = find_user(session, name)
    ok = user is not None and user.active and check_password_hash(user.password_hash, password)
    if user is None:
        # Spend the same time as a real check, so timing does not reveal which names exist.
        check_password_hash(_DUMMY_HASH, password)
    session.add(LoginAttempt(username=name, ip=ip, success=ok, at=utcnow()))
    if not ok:
        return None
    assert user is not None
    user.last_login_at = utcnow()
    return user


def record_refused(session: Session, username: str, ip: str) -> None:
    """A try refused during a lock-out: a failure like any other (it keeps the lock-out on)."""
    session.add(LoginAttempt(username=username.strip()[:80], ip=ip, success=False, at=utcnow()))


class LockedOut(Exception):
    def __init__(self, window: timedelta) -> None:
        super().__init__("too many failed logins")
        self.minutes = max(1, int(window.total_seconds() // 60))


_DUMMY_HASH = generate_password_hash("not-a-real-password")


def start_session(session: Session, user: StaffUser, ip: str, limits: Limits) -> str:
    """A new login session for ``user``; returns the token for the browser."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        StaffSession(
            token_hash=_hash_token(token),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + limits.lifetime,
            ip=ip[:64],
        )
    )
    return token


def resume_session(
    session: Session, token: str | None, limits: Limits
) -> tuple[StaffUser | None, bool]:
    """(the account of a valid session token, whether a session existed but has expired)."""
    if not token:
        return None, False
    row = session.get(StaffSession, _hash_token(token))
    if row is None or row.revoked:
        return None, row is not None
    now = utcnow()
    if now >= row.expires_at or now - row.last_seen_at >= limits.idle:
        row.revoked = True
        return None, True
    user = session.get(StaffUser, row.user_id)
    if user is None or not user.active:
        row.revoked = True
        return None, True
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
    return user, False


def end_session(session: Session, token: str | None) -> None:
    if token:
        session.execute(
            update(StaffSession)
            .where(StaffSession.token_hash == _hash_token(token))
            .values(revoked=True)
        )


# ── audit ────────────────────────────────────────────────────────────────────────────────────


def audit(
    session: Session, actor: str, action: str, target: str = "", ip: str = "", **detail: Any
) -> None:
    """Record one staff action (in the caller's transaction, so it commits with the change)."""
    session.add(
        AuditLog(
            at=utcnow(),
            actor=actor,
            action=action,
            target=str(target)[:200],
            ip=ip[:64],
            detail={k: _plain(v) for k, v in detail.items()},
        )
    )


def _plain(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)
