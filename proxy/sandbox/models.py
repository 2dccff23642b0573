"""The sandbox core's own tables, on its own metadata (never ``shebao.db.Base``).

Tables are prefixed ``sandbox_`` so the sandbox can share a database with the bot without a
clash, though by default it has a file of its own. Being the stand-in for the core system, it
keeps what the core keeps: full ID numbers, phones and account numbers.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, MetaData, Numeric, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from shebao.clock import utcnow
from shebao.db import NAMING

Money = Numeric(12, 2)


class SandboxBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Person(SandboxBase):
    __tablename__ = "sandbox_persons"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True)
    id_number: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(40))
    phone: Mapped[str] = mapped_column(String(11))
    region: Mapped[str] = mapped_column(String(40))
    card_account: Mapped[str] = mapped_column(String(19))  # 社保卡 financial account
    retired: Mapped[bool] = mapped_column(default=False)
    pension_monthly: Mapped[Decimal | None] = mapped_column(Money)
    left_on: Mapped[date | None]  # the employer's last report of a separation
    leaving_reason: Mapped[str | None] = mapped_column(String(32))

    contributions: Mapped[list[Contribution]] = relationship(order_by="Contribution.month")
    pension_payments: Mapped[list[PensionPaymentRow]] = relationship(
        order_by="PensionPaymentRow.month"
    )


class Contribution(SandboxBase):
    __tablename__ = "sandbox_contributions"
    __table_args__ = (UniqueConstraint("person_id", "insurance_type", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("sandbox_persons.id"), index=True)
    insurance_type: Mapped[str] = mapped_column(String(16))
    month: Mapped[str] = mapped_column(String(7))
    base: Mapped[Decimal] = mapped_column(Money)
    personal: Mapped[Decimal] = mapped_column(Money)
    unit: Mapped[Decimal] = mapped_column(Money)


class PensionPaymentRow(SandboxBase):
    __tablename__ = "sandbox_pension_payments"
    __table_args__ = (UniqueConstraint("person_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("sandbox_persons.id"), index=True)
    month: Mapped[str] = mapped_column(String(7))
    paid_on: Mapped[date]
    amount: Mapped[Decimal] = mapped_column(Money)


class VerificationRow(SandboxBase):
    __tablename__ = "sandbox_verifications"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("sandbox_persons.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    wrong_attempts: Mapped[int] = mapped_column(default=0)
    confirmed_at: Mapped[datetime | None]

    person: Mapped[Person] = relationship()


class Application(SandboxBase):
    __tablename__ = "sandbox_applications"

    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("sandbox_persons.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    submitted_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    leaving_date: Mapped[date]
    leaving_reason: Mapped[str] = mapped_column(String(32))
    account_kind: Mapped[str] = mapped_column(String(24))
    account_number: Mapped[str] = mapped_column(String(19))
    bank_name: Mapped[str | None] = mapped_column(String(60))
    phone: Mapped[str] = mapped_column(String(11))
    seeking_work: Mapped[bool]
    rejection_reason: Mapped[str | None] = mapped_column(String(200))
    benefit_months: Mapped[int | None]
    monthly_amount: Mapped[Decimal | None] = mapped_column(Money)
    first_payment_on: Mapped[date | None]

    person: Mapped[Person] = relationship()
    events: Mapped[list[ApplicationEvent]] = relationship(
        order_by="ApplicationEvent.id", cascade="all, delete-orphan"
    )


class ApplicationEvent(SandboxBase):
    __tablename__ = "sandbox_application_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("sandbox_applications.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime]
    note: Mapped[str | None] = mapped_column(String(200))


class CardLossRow(SandboxBase):
    __tablename__ = "sandbox_card_loss_reports"

    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("sandbox_persons.id"), index=True)
    reported_at: Mapped[datetime]
    expires_on: Mapped[date]

    person: Mapped[Person] = relationship()


class IdempotencyKey(SandboxBase):
    """One row per create: the key, what was asked (a hash), and what was made."""

    __tablename__ = "sandbox_idempotency_keys"
    __table_args__ = (UniqueConstraint("operation", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    operation: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    resource_id: Mapped[str] = mapped_column(String(24))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
