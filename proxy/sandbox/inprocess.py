"""``InProcessCoreServices``: the ``CoreServices`` of the embedded sandbox, called directly.

The embedded default when ``CORE_BASE_URL`` is unset. It behaves like ``HttpCoreServices`` talking
to the sandbox over HTTP, minus the network: the same results, the same exceptions, the sandbox's
planned faults (a failure becomes ``CoreUnavailable``), and any unexpected error of the sandbox
becomes ``CoreUnavailable`` too rather than leaking into the bot.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from proxy.errors import CoreError, CoreUnavailable
from proxy.sandbox.service import SandboxCore
from proxy.types import (
    CardLossReport,
    Contributions,
    Identity,
    InsuranceType,
    PensionPayments,
    UnemploymentApplication,
    UnemploymentApplicationRequest,
    UnemploymentEligibility,
    Verification,
)

log = logging.getLogger(__name__)

T = TypeVar("T")


class InProcessCoreServices:
    def __init__(self, core: SandboxCore) -> None:
        self.core = core

    @classmethod
    def from_url(cls, database_url: str = "sqlite://") -> InProcessCoreServices:
        return cls(SandboxCore(database_url))

    def _run(self, operation: Callable[[], T]) -> T:
        failure = self.core.faults.apply()
        if failure is not None:
            raise CoreUnavailable()
        try:
            return operation()
        except CoreError:
            raise
        except Exception as exc:
            log.exception("sandbox core failed: %s", type(exc).__name__)
            raise CoreUnavailable(code="internal") from exc

    def start_verification(self, id_number: str, name: str, phone: str) -> Verification:
        return self._run(lambda: self.core.start_verification(id_number, name, phone))

    def confirm_verification(self, verification_id: str, code: str) -> Identity:
        return self._run(lambda: self.core.confirm_verification(verification_id, code))

    def contributions(
        self,
        person_ref: str,
        *,
        insurance_type: InsuranceType | None = None,
        from_month: str | None = None,
        to_month: str | None = None,
    ) -> Contributions:
        return self._run(
            lambda: self.core.contributions(
                person_ref, insurance_type=insurance_type, from_month=from_month, to_month=to_month
            )
        )

    def pension_payments(
        self, person_ref: str, *, from_month: str | None = None, to_month: str | None = None
    ) -> PensionPayments:
        return self._run(
            lambda: self.core.pension_payments(person_ref, from_month=from_month, to_month=to_month)
        )

    def unemployment_eligibility(self, person_ref: str) -> UnemploymentEligibility:
        return self._run(lambda: self.core.unemployment_eligibility(person_ref))

    def create_unemployment_application(
        self, request: UnemploymentApplicationRequest, *, idempotency_key: str
    ) -> UnemploymentApplication:
        return self._run(lambda: self.core.submit_application(request, idempotency_key)[0])

    def unemployment_application(self, application_id: str) -> UnemploymentApplication:
        return self._run(lambda: self.core.unemployment_application(application_id))

    def unemployment_applications(self, person_ref: str) -> list[UnemploymentApplication]:
        return self._run(lambda: self.core.unemployment_applications(person_ref))

    def report_card_loss(self, person_ref: str, *, idempotency_key: str) -> CardLossReport:
        return self._run(lambda: self.core.submit_card_loss(person_ref, idempotency_key)[0])
