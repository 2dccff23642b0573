"""Tables of the personal services: bindings, verifications, applications, volunteers, audit.

No table holds a full ID number, phone or bank card number in the clear: identities are the
core's ``person_ref`` with a masked ID and a keyed hash; an application waiting to be (re)sent
keeps its request sealed (``bot.personal.sealed``) and drops it once the core has it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shebao.clock import utcnow
from shebao.db import Base


class Binding(Base):
    """A channel user (WeChat openid, mini-program openid, CLI user) bound to a core person."""

    __tablename__ = "personal_binding"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_key: Mapped[str] = mapped_column(String(160), unique=True)  # "<channel>:<user>"
    channel: Mapped[str] = mapped_column(String(20))
    person_ref: Mapped[str] = mapped_column(String(64), index=True)
    id_masked: Mapped[str] = mapped_column(String(18))
    id_hash: Mapped[str] = mapped_column(String(64), index=True)  # keyed hash (bot.personal.sealed)
    name_masked: Mapped[str] = mapped_column(String(40))
    region: Mapped[str] = mapped_column(String(40))
    bound_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Verification(Base):
    """A user's identity verification under way, and the counters that lock out guessing."""

    __tablename__ = "personal_verification"

    user_key: Mapped[str] = mapped_column(String(160), primary_key=True)
    verification_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    phone_masked: Mapped[str | None] = mapped_column(String(20), nullable=True)
    id_masked: Mapped[str | None] = mapped_column(String(18), nullable=True)
    id_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)  # wrong codes and mismatches
    locked_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class ApplicationSubmission(Base):
    """One 失业保险金 application as the bot sent it (or is still to send it) to the core.

    ``status``: ``pending`` (kept; sent again with the same key by the retry job), ``submitted``
    (the core has it: ``application_id``), ``refused`` (the core said no: ``message``).
    ``notified_status`` is the last core status the citizen was told about.
    """

    __tablename__ = "personal_application_submission"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    request_digest: Mapped[str] = mapped_column(String(64))
    user_key: Mapped[str] = mapped_column(String(160), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    user: Mapped[str] = mapped_column(String(128))
    person_ref: Mapped[str] = mapped_column(String(64), index=True)
    sealed_request: Mapped[str | None] = mapped_column(Text, nullable=True)
    summary: Mapped[str] = mapped_column(Text, default="")  # masked, for staff and the citizen
    status: Mapped[str] = mapped_column(String(20), index=True, default="pending")
    application_id: Mapped[str | None] = mapped_column(String(24), nullable=True, index=True)
    core_status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    notified_status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    message: Mapped[str | None] = mapped_column(Text, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(60), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    checked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class Volunteer(Base):
    """A user staff have made a volunteer (社保志愿者); revoked volunteers keep their row."""

    __tablename__ = "personal_volunteer"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_key: Mapped[str] = mapped_column(String(160), unique=True)
    granted_by: Mapped[str] = mapped_column(String(80))
    granted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    note: Mapped[str] = mapped_column(String(200), default="")


class AuthorisationCode(Base):
    """A short-lived one-time code a citizen gives a volunteer. Only its keyed hash is kept."""

    __tablename__ = "personal_authorisation_code"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code_hash: Mapped[str] = mapped_column(String(64), index=True)
    citizen_key: Mapped[str] = mapped_column(String(160), index=True)
    person_ref: Mapped[str] = mapped_column(String(64))
    name_masked: Mapped[str] = mapped_column(String(40))
    id_masked: Mapped[str] = mapped_column(String(18))
    scope: Mapped[str] = mapped_column(String(120))  # comma-separated SCOPES
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class AuthorisationGrant(Base):
    """A volunteer's permission, from a citizen's code, to see that citizen's records."""

    __tablename__ = "personal_authorisation_grant"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    volunteer_key: Mapped[str] = mapped_column(String(160), index=True)
    citizen_key: Mapped[str] = mapped_column(String(160), index=True)
    code_id: Mapped[int] = mapped_column(Integer)
    person_ref: Mapped[str] = mapped_column(String(64))
    name_masked: Mapped[str] = mapped_column(String(40))
    id_masked: Mapped[str] = mapped_column(String(18))
    scope: Mapped[str] = mapped_column(String(120))
    granted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class AuthorisationAttempts(Base):
    """Wrong authorisation codes entered by a volunteer, to stop guessing."""

    __tablename__ = "personal_authorisation_attempts"

    volunteer_key: Mapped[str] = mapped_column(String(160), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class AccessLog(Base):
    """Every look at a citizen's personal data: who, whose, what, on what authority."""

    __tablename__ = "personal_access_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor_key: Mapped[str] = mapped_column(String(160), index=True)
    actor_role: Mapped[str] = mapped_column(String(20))  # citizen | volunteer
    person_ref: Mapped[str] = mapped_column(String(64), index=True)
    what: Mapped[str] = mapped_column(String(40))  # contributions | pension | … | grant
    via: Mapped[str] = mapped_column(String(40))  # self | grant:<id> | code
    channel: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str] = mapped_column(String(20))  # shown | refused | unavailable
