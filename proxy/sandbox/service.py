"""``SandboxCore``: the sandbox core service's logic over its own database, with no HTTP.

Both the sandbox's Flask app and ``InProcessCoreServices`` call it. It creates its tables and
seeds the demo citizens on first start. Operations in one process are serialised (a lock): the
sandbox favours simple and correct over fast, and SQLite likes it that way.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from proxy.sandbox import applications, cards, idempotency, identity, records
from proxy.sandbox.clock import china_date, now_utc
from proxy.sandbox.faults import Faults
from proxy.sandbox.models import SandboxBase
from proxy.sandbox.seed import seed
from proxy.types import (
    ApplicationStatus,
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
from shebao.db import make_engine

log = logging.getLogger(__name__)


class SandboxCore:
    def __init__(self, database_url: str, *, clock: Callable[[], datetime] = now_utc) -> None:
        self.database_url = database_url
        self.engine = make_engine(database_url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._lock = threading.RLock()
        self.clock = clock
        self.faults = Faults()
        SandboxBase.metadata.create_all(self.engine)
        try:
            with self._session() as session:
                if seed(session):
                    log.info("sandbox core: demo citizens seeded")
        except IntegrityError:  # another process seeded it first
            pass

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with self._lock, self._sessions() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def close(self) -> None:
        self.engine.dispose()

    def start_verification(self, id_number: str, name: str, phone: str) -> Verification:
        with self._session() as s:
            return identity.start(s, self.clock(), id_number, name, phone)

    def confirm_verification(self, verification_id: str, code: str) -> Identity:
        with self._session() as s:
            return identity.confirm(s, self.clock(), verification_id, code)

    def contributions(
        self,
        person_ref: str,
        *,
        insurance_type: InsuranceType | None = None,
        from_month: str | None = None,
        to_month: str | None = None,
    ) -> Contributions:
        with self._session() as s:
            person = records.person_by_ref(s, person_ref)
            return records.contributions(s, person, insurance_type, from_month, to_month)

    def pension_payments(
        self, person_ref: str, *, from_month: str | None = None, to_month: str | None = None
    ) -> PensionPayments:
        with self._session() as s:
            person = records.person_by_ref(s, person_ref)
            return records.pension_payments(
                s, person, from_month, to_month, china_date(self.clock())
            )

    def unemployment_eligibility(self, person_ref: str) -> UnemploymentEligibility:
        with self._session() as s:
            return records.eligibility(s, records.person_by_ref(s, person_ref))

    def submit_application(
        self, request: UnemploymentApplicationRequest, key: str
    ) -> tuple[UnemploymentApplication, bool]:
        """The application for this idempotency key, and whether this call created it."""
        key = idempotency.check_key(key)
        try:
            with self._session() as s:
                return applications.create(s, self.clock(), request, key)
        except IntegrityError:  # a racing request with the same key won; answer with its result
            with self._session() as s:
                return applications.create(s, self.clock(), request, key)

    def unemployment_application(self, application_id: str) -> UnemploymentApplication:
        with self._session() as s:
            return applications.get(s, application_id)

    def unemployment_applications(self, person_ref: str) -> list[UnemploymentApplication]:
        with self._session() as s:
            return applications.for_person(s, person_ref)

    def advance_application(
        self, application_id: str, to: ApplicationStatus | None = None, reason: str | None = None
    ) -> UnemploymentApplication:
        with self._session() as s:
            return applications.advance(s, self.clock(), application_id, to, reason)

    def submit_card_loss(self, person_ref: str, key: str) -> tuple[CardLossReport, bool]:
        key = idempotency.check_key(key)
        try:
            with self._session() as s:
                return cards.report_loss(s, self.clock(), person_ref, key)
        except IntegrityError:
            with self._session() as s:
                return cards.report_loss(s, self.clock(), person_ref, key)
