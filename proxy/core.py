"""The one interface the bot uses to reach the bureau's core services.

``CoreServices`` is implemented by ``proxy.client.HttpCoreServices`` (the real core over HTTPS,
or the sandbox over HTTP) and ``proxy.sandbox.InProcessCoreServices`` (the embedded sandbox);
``proxy.factory.make_core_services(settings)`` picks one. Every method either returns a frozen
dataclass of ``proxy.types`` or raises a ``proxy.errors.CoreError`` whose ``message`` is a plain
Chinese sentence for the citizen. The contract on the wire is proxy/openapi.yaml.

Creates take an ``idempotency_key`` from the caller: one key per application (or loss report),
kept with the caller's pending state, and re-sent unchanged if the first attempt's outcome is
unknown. The core answers a repeated key with the thing it created the first time.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from proxy.errors import (
    AlreadyExists,
    CoreError,
    CoreRejected,
    CoreUnavailable,
    IdempotencyKeyReused,
    IdentityMismatch,
    InvalidRequest,
    NotEligible,
    NotFound,
    VerificationExpired,
    WrongCode,
)
from proxy.types import (
    ApplicationStatus,
    CardLossReport,
    ContributionMonth,
    Contributions,
    Identity,
    InsuranceContributions,
    InsuranceType,
    LeavingReason,
    MaskedPaymentAccount,
    MonthGap,
    PaymentAccount,
    PaymentAccountKind,
    PensionPayment,
    PensionPayments,
    Separation,
    StatusChange,
    UnemploymentApplication,
    UnemploymentApplicationRequest,
    UnemploymentEligibility,
    Verification,
)

__all__ = [
    "AlreadyExists",
    "ApplicationStatus",
    "CardLossReport",
    "ContributionMonth",
    "Contributions",
    "CoreError",
    "CoreRejected",
    "CoreServices",
    "CoreUnavailable",
    "IdempotencyKeyReused",
    "Identity",
    "IdentityMismatch",
    "InsuranceContributions",
    "InsuranceType",
    "InvalidRequest",
    "LeavingReason",
    "MaskedPaymentAccount",
    "MonthGap",
    "NotEligible",
    "NotFound",
    "PaymentAccount",
    "PaymentAccountKind",
    "PensionPayment",
    "PensionPayments",
    "Separation",
    "StatusChange",
    "UnemploymentApplication",
    "UnemploymentApplicationRequest",
    "UnemploymentEligibility",
    "Verification",
    "VerificationExpired",
    "WrongCode",
]


@runtime_checkable
class CoreServices(Protocol):
    """The bureau's core services, as the bot needs them."""

    def start_verification(self, id_number: str, name: str, phone: str) -> Verification:
        """Check ID number, name and phone against the core's records; the core texts a code.

        Raises ``IdentityMismatch`` (without saying which field), ``InvalidRequest``.
        """
        ...

    def confirm_verification(self, verification_id: str, code: str) -> Identity:
        """Confirm with the one-time code. Raises ``WrongCode`` (with ``attempts_left``),
        ``VerificationExpired`` (too late, or too many wrong codes), ``NotFound``."""
        ...

    def contributions(
        self,
        person_ref: str,
        *,
        insurance_type: InsuranceType | None = None,
        from_month: str | None = None,
        to_month: str | None = None,
    ) -> Contributions:
        """Contribution months per insurance type (all types unless one is given), with gaps.

        Months are ``"YYYY-MM"``, both ends included; no bound means the whole history.
        """
        ...

    def pension_payments(
        self, person_ref: str, *, from_month: str | None = None, to_month: str | None = None
    ) -> PensionPayments:
        """Monthly pension payments; without bounds, the latest 12 months."""
        ...

    def unemployment_eligibility(self, person_ref: str) -> UnemploymentEligibility:
        """Whether 失业保险金 can be claimed now, with the reason in plain Chinese."""
        ...

    def create_unemployment_application(
        self, request: UnemploymentApplicationRequest, *, idempotency_key: str
    ) -> UnemploymentApplication:
        """Submit an application. Never retried automatically; see the module docstring.

        Raises ``NotEligible``, ``AlreadyExists`` (an open application; ``resource_id`` is its
        number), ``InvalidRequest``, ``IdempotencyKeyReused``, ``CoreUnavailable``.
        """
        ...

    def unemployment_application(self, application_id: str) -> UnemploymentApplication:
        """One application and its status history. Raises ``NotFound``."""
        ...

    def unemployment_applications(self, person_ref: str) -> list[UnemploymentApplication]:
        """A person's applications, newest first."""
        ...

    def report_card_loss(self, person_ref: str, *, idempotency_key: str) -> CardLossReport:
        """Report the 社保卡 lost, temporarily (临时挂失). Raises ``AlreadyExists`` with code
        ``card_already_reported`` while an earlier report is still in force."""
        ...
