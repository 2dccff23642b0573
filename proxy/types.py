"""The values exchanged with the core services: enums of the contract codes and frozen dataclasses.

Field names are the JSON names of proxy/openapi.yaml, so ``proxy.codec`` maps them one to one.
Months are ``"YYYY-MM"`` strings, money is ``Decimal`` (a JSON string on the wire), instants are
timezone-aware UTC datetimes. Reprs never show a full card or phone number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from proxy import messages


class InsuranceType(StrEnum):
    PENSION = "pension"  # 养老
    UNEMPLOYMENT = "unemployment"  # 失业
    WORK_INJURY = "work_injury"  # 工伤
    MEDICAL = "medical"  # 医疗

    @property
    def label(self) -> str:
        return messages.INSURANCE_TYPE_LABELS[self.value]


class LeavingReason(StrEnum):
    LAYOFF = "layoff"
    CONTRACT_EXPIRED = "contract_expired"
    DISMISSED = "dismissed"
    MUTUAL_BY_EMPLOYER = "mutual_by_employer"
    EMPLOYER_FAULT = "employer_fault"
    RESIGNED = "resigned"
    OTHER = "other"

    @property
    def label(self) -> str:
        return messages.LEAVING_REASON_LABELS[self.value]

    @property
    def involuntary(self) -> bool:
        """非本人意愿中断就业: the only kind of leaving that qualifies for 失业保险金."""
        return self not in (LeavingReason.RESIGNED, LeavingReason.OTHER)


class ApplicationStatus(StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    APPROVED = "approved"
    FIRST_PAYMENT = "first_payment"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return messages.APPLICATION_STATUS_LABELS[self.value]

    @property
    def is_final(self) -> bool:
        return self in (ApplicationStatus.FIRST_PAYMENT, ApplicationStatus.REJECTED)


class PaymentAccountKind(StrEnum):
    BANK_CARD = "bank_card"
    SOCIAL_SECURITY_CARD = "social_security_card"

    @property
    def label(self) -> str:
        return messages.PAYMENT_ACCOUNT_LABELS[self.value]


@dataclass(frozen=True)
class Verification:
    """A started identity verification: the core has sent a one-time code to the phone."""

    verification_id: str
    phone_masked: str
    expires_at: datetime


@dataclass(frozen=True)
class Identity:
    """A confirmed identity: ``person_ref`` is the core's own reference, safe to store."""

    person_ref: str
    name_masked: str
    region: str


@dataclass(frozen=True)
class ContributionMonth:
    month: str
    base: Decimal  # 缴费基数
    personal: Decimal  # 个人缴纳
    unit: Decimal  # 单位缴纳


@dataclass(frozen=True)
class MonthGap:
    """Months without contribution between two paid months (断缴), ends included."""

    first: str
    last: str
    months: int


@dataclass(frozen=True)
class InsuranceContributions:
    type: InsuranceType
    total_months: int
    first_month: str | None
    last_month: str | None
    gaps: tuple[MonthGap, ...]
    months: tuple[ContributionMonth, ...]  # oldest first


@dataclass(frozen=True)
class Contributions:
    person_ref: str
    insurances: tuple[InsuranceContributions, ...]

    def of(self, insurance_type: InsuranceType) -> InsuranceContributions | None:
        return next((i for i in self.insurances if i.type == insurance_type), None)


@dataclass(frozen=True)
class PensionPayment:
    month: str
    paid_on: date
    amount: Decimal
    account_masked: str


@dataclass(frozen=True)
class PensionPayments:
    person_ref: str
    receiving: bool  # false: this person draws no monthly pension
    monthly_amount: Decimal | None
    payments: tuple[PensionPayment, ...]  # oldest first

    @property
    def latest(self) -> PensionPayment | None:
        return self.payments[-1] if self.payments else None


@dataclass(frozen=True)
class Separation:
    """The end of employment as the employer reported it to the core (单位减员/停保)."""

    leaving_date: date
    leaving_reason: LeavingReason


@dataclass(frozen=True)
class UnemploymentEligibility:
    person_ref: str
    contribution_months: int  # 失业保险 months, in total (累计)
    eligible: bool
    reason: str  # plain Chinese, for the citizen, whichever way it goes
    separation: Separation | None


@dataclass(frozen=True)
class PaymentAccount:
    """Where 失业保险金 is paid: a bank card (number required) or the citizen's 社保卡."""

    kind: PaymentAccountKind
    number: str | None = field(default=None, repr=False)
    bank_name: str | None = None


@dataclass(frozen=True)
class MaskedPaymentAccount:
    kind: PaymentAccountKind
    number_masked: str
    bank_name: str | None = None


@dataclass(frozen=True)
class UnemploymentApplicationRequest:
    person_ref: str
    leaving_date: date
    leaving_reason: LeavingReason
    payment_account: PaymentAccount
    phone: str = field(repr=False)
    seeking_work: bool


@dataclass(frozen=True)
class StatusChange:
    status: ApplicationStatus
    at: datetime
    note: str | None = None


@dataclass(frozen=True)
class UnemploymentApplication:
    application_id: str
    person_ref: str
    status: ApplicationStatus
    submitted_at: datetime
    updated_at: datetime
    leaving_date: date
    leaving_reason: LeavingReason
    payment_account: MaskedPaymentAccount
    phone_masked: str
    seeking_work: bool
    rejection_reason: str | None
    benefit_months: int | None  # set once approved
    monthly_amount: Decimal | None  # set once approved
    first_payment_on: date | None  # set at first payment
    history: tuple[StatusChange, ...]  # oldest first


@dataclass(frozen=True)
class CardLossReport:
    """A 社保卡 temporary loss report (临时挂失); it lapses on ``expires_on`` unless made formal."""

    report_id: str
    person_ref: str
    card_number_masked: str
    reported_at: datetime
    expires_on: date
