"""Sandbox 失业保险金 applications: create (idempotent), read, list, and move along.

Statuses go submitted → accepted → approved → first_payment, or to rejected (with a reason) from
any status before first_payment. ``advance`` is the sandbox's stand-in for the bureau's staff.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from proxy.errors import AlreadyExists, InvalidRequest, NotEligible, NotFound
from proxy.messages import SANDBOX as TEXT
from proxy.sandbox import demo, idempotency
from proxy.sandbox.clock import aware, china_date, naive
from proxy.sandbox.models import Application, ApplicationEvent, Person
from proxy.sandbox.records import MIN_MONTHS, eligibility, person_by_ref, unemployment_months
from proxy.types import (
    ApplicationStatus,
    LeavingReason,
    MaskedPaymentAccount,
    PaymentAccountKind,
    StatusChange,
    UnemploymentApplication,
    UnemploymentApplicationRequest,
)
from shebao.masking import mask_id, mask_phone

OPERATION = "unemployment_application"
_NEXT = {
    ApplicationStatus.SUBMITTED: ApplicationStatus.ACCEPTED,
    ApplicationStatus.ACCEPTED: ApplicationStatus.APPROVED,
    ApplicationStatus.APPROVED: ApplicationStatus.FIRST_PAYMENT,
}
_PHONE = re.compile(r"^1[3-9]\d{9}$")
_CARD = re.compile(r"^\d{12,19}$")


def create(
    session: Session, now: datetime, request: UnemploymentApplicationRequest, key: str
) -> tuple[UnemploymentApplication, bool]:
    """The application for this key, made now (True) or earlier (False)."""
    digest = idempotency.request_hash(request)
    made = idempotency.earlier(session, OPERATION, key, digest)
    if made is not None:
        return view(_get(session, made)), False
    person = person_by_ref(session, request.person_ref)
    account_number = _validate(session, now, person, request)
    app_id = _new_id(session, now)
    app = Application(
        id=app_id,
        person_id=person.id,
        status=ApplicationStatus.SUBMITTED.value,
        submitted_at=naive(now),
        updated_at=naive(now),
        leaving_date=request.leaving_date,
        leaving_reason=request.leaving_reason.value,
        account_kind=request.payment_account.kind.value,
        account_number=account_number,
        bank_name=request.payment_account.bank_name,
        phone=request.phone,
        seeking_work=request.seeking_work,
        person=person,
    )
    app.events.append(_event(ApplicationStatus.SUBMITTED, now, TEXT["event_submitted"]))
    session.add(app)
    idempotency.remember(session, OPERATION, key, digest, app_id)
    session.flush()
    return view(app), True


def _validate(
    session: Session, now: datetime, person: Person, request: UnemploymentApplicationRequest
) -> str:
    """Refuse what the core would refuse; the account number to pay into."""
    if request.leaving_date > china_date(now):
        raise InvalidRequest(TEXT["leaving_date_future"])
    if request.leaving_date.year < 2000:
        raise InvalidRequest(TEXT["leaving_date_early"])
    if not _PHONE.match(request.phone):
        raise InvalidRequest(TEXT["phone_invalid"])
    account = request.payment_account
    if account.kind is PaymentAccountKind.BANK_CARD:
        if not account.number or not _CARD.match(account.number):
            raise InvalidRequest(TEXT["bank_card_invalid"])
        number = account.number
    else:
        number = person.card_account
    if not request.leaving_reason.involuntary:
        raise NotEligible(TEXT["voluntary"].format(reason=request.leaving_reason.label))
    check = eligibility(session, person)  # the citizen's own word on the separation stands
    if person.retired or check.contribution_months < MIN_MONTHS:
        raise NotEligible(check.reason)
    open_app = session.scalar(
        select(Application).where(
            Application.person_id == person.id,
            Application.status != ApplicationStatus.REJECTED.value,
        )
    )
    if open_app is not None:
        raise AlreadyExists(
            TEXT["application_exists"].format(id=open_app.id), resource_id=open_app.id
        )
    return number


def get(session: Session, application_id: str) -> UnemploymentApplication:
    return view(_get(session, application_id))


def for_person(session: Session, person_ref: str) -> list[UnemploymentApplication]:
    person = person_by_ref(session, person_ref)
    apps = session.scalars(
        select(Application)
        .where(Application.person_id == person.id)
        .order_by(Application.submitted_at.desc(), Application.id.desc())
    )
    return [view(a) for a in apps]


def advance(
    session: Session,
    now: datetime,
    application_id: str,
    to: ApplicationStatus | None = None,
    reason: str | None = None,
) -> UnemploymentApplication:
    """Move an application to ``to`` (default: the next status); rejected needs no reason."""
    app = _get(session, application_id)
    current = ApplicationStatus(app.status)
    if current.is_final:
        raise InvalidRequest(TEXT["application_final"])
    target = to or _NEXT[current]
    if target is not ApplicationStatus.REJECTED and target is not _NEXT[current]:
        raise InvalidRequest(TEXT["status_unknown"])
    note: str | None
    if target is ApplicationStatus.REJECTED:
        note = app.rejection_reason = reason or TEXT["rejected_default"]
    elif target is ApplicationStatus.ACCEPTED:
        note = TEXT["event_accepted"]
    elif target is ApplicationStatus.APPROVED:
        app.benefit_months = benefit_months(unemployment_months(session, app.person))
        app.monthly_amount = demo.MONTHLY_BENEFIT.get(
            app.person.region, demo.DEFAULT_MONTHLY_BENEFIT
        )
        note = TEXT["event_approved"].format(months=app.benefit_months, amount=app.monthly_amount)
    else:
        app.first_payment_on = china_date(now)
        note = TEXT["event_first_payment"].format(
            amount=app.monthly_amount, account=mask_id(app.account_number)
        )
    app.status = target.value
    app.updated_at = naive(now)
    app.events.append(_event(target, now, note))
    session.flush()
    return view(app)


def benefit_months(contribution_months: int) -> int:
    """失业保险条例 第十七条: 1 to 5 years up to 12 months, 5 to 10 up to 18, 10 or more 24."""
    years = contribution_months // 12
    if years >= 10:
        return 24
    if years >= 5:
        return 18
    return 12 if years >= 1 else 0


def view(app: Application) -> UnemploymentApplication:
    return UnemploymentApplication(
        application_id=app.id,
        person_ref=app.person.ref,
        status=ApplicationStatus(app.status),
        submitted_at=aware(app.submitted_at),
        updated_at=aware(app.updated_at),
        leaving_date=app.leaving_date,
        leaving_reason=LeavingReason(app.leaving_reason),
        payment_account=MaskedPaymentAccount(
            PaymentAccountKind(app.account_kind), mask_id(app.account_number), app.bank_name
        ),
        phone_masked=mask_phone(app.phone),
        seeking_work=app.seeking_work,
        rejection_reason=app.rejection_reason,
        benefit_months=app.benefit_months,
        monthly_amount=app.monthly_amount,
        first_payment_on=app.first_payment_on,
        history=tuple(
            StatusChange(ApplicationStatus(e.status), aware(e.at), e.note) for e in app.events
        ),
    )


def _get(session: Session, application_id: str) -> Application:
    app = session.get(Application, application_id)
    if app is None:
        raise NotFound(TEXT["application_not_found"])
    return app


def _event(status: ApplicationStatus, now: datetime, note: str | None) -> ApplicationEvent:
    return ApplicationEvent(status=status.value, at=naive(now), note=note)


def _new_id(session: Session, now: datetime) -> str:
    """SY + the date + six random digits: short enough to read out on the phone."""
    while True:
        candidate = f"SY{china_date(now):%Y%m%d}{secrets.randbelow(10**6):06d}"
        if session.get(Application, candidate) is None:
            return candidate
