"""Sandbox reads: contribution records, pension payments, 失业保险金 eligibility."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from proxy.errors import InvalidRequest, NotFound
from proxy.messages import SANDBOX as TEXT
from proxy.months import add_months, count_months, gaps, is_month
from proxy.sandbox.models import Contribution, PensionPaymentRow, Person
from proxy.types import (
    ContributionMonth,
    Contributions,
    InsuranceContributions,
    InsuranceType,
    LeavingReason,
    MonthGap,
    PensionPayment,
    PensionPayments,
    Separation,
    UnemploymentEligibility,
)
from shebao.masking import mask_id

MIN_MONTHS = 12  # 失业保险条例 第十四条: 缴费满一年


def person_by_ref(session: Session, ref: str) -> Person:
    person = session.scalar(select(Person).where(Person.ref == ref))
    if person is None:
        raise NotFound(TEXT["person_not_found"])
    return person


def check_month(month: str | None) -> None:
    if month is not None and not is_month(month):
        raise InvalidRequest(TEXT["month_invalid"])


def contributions(
    session: Session,
    person: Person,
    insurance_type: InsuranceType | None,
    from_month: str | None,
    to_month: str | None,
) -> Contributions:
    check_month(from_month)
    check_month(to_month)
    query = select(Contribution).where(Contribution.person_id == person.id)
    if from_month:
        query = query.where(Contribution.month >= from_month)
    if to_month:
        query = query.where(Contribution.month <= to_month)
    rows = session.scalars(query.order_by(Contribution.month)).all()
    wanted = [insurance_type] if insurance_type else list(InsuranceType)
    insurances = []
    for kind in wanted:
        mine = [r for r in rows if r.insurance_type == kind.value]
        months = [r.month for r in mine]
        insurances.append(
            InsuranceContributions(
                type=kind,
                total_months=len(months),
                first_month=months[0] if months else None,
                last_month=months[-1] if months else None,
                gaps=tuple(
                    MonthGap(first, last, count_months(first, last)) for first, last in gaps(months)
                ),
                months=tuple(ContributionMonth(r.month, r.base, r.personal, r.unit) for r in mine),
            )
        )
    return Contributions(person.ref, tuple(insurances))


def pension_payments(
    session: Session, person: Person, from_month: str | None, to_month: str | None, today: date
) -> PensionPayments:
    """The payments made by ``today`` (China date): a month's pension exists once it is paid."""
    check_month(from_month)
    check_month(to_month)
    if not person.retired:
        return PensionPayments(person.ref, False, None, ())
    paid = (PensionPaymentRow.person_id == person.id) & (PensionPaymentRow.paid_on <= today)
    if from_month is None and to_month is None:
        latest = session.scalar(select(func.max(PensionPaymentRow.month)).where(paid))
        if latest:
            from_month = add_months(latest, -11)
    query = select(PensionPaymentRow).where(paid)
    if from_month:
        query = query.where(PensionPaymentRow.month >= from_month)
    if to_month:
        query = query.where(PensionPaymentRow.month <= to_month)
    account = mask_id(person.card_account)
    payments = tuple(
        PensionPayment(r.month, r.paid_on, r.amount, account)
        for r in session.scalars(query.order_by(PensionPaymentRow.month))
    )
    return PensionPayments(person.ref, True, person.pension_monthly, payments)


def unemployment_months(session: Session, person: Person) -> int:
    return (
        session.scalar(
            select(func.count(Contribution.id)).where(
                Contribution.person_id == person.id,
                Contribution.insurance_type == InsuranceType.UNEMPLOYMENT.value,
            )
        )
        or 0
    )


def eligibility(session: Session, person: Person) -> UnemploymentEligibility:
    months = unemployment_months(session, person)
    separation = (
        Separation(person.left_on, LeavingReason(person.leaving_reason))
        if person.left_on and person.leaving_reason
        else None
    )
    if person.retired:
        reason, ok = TEXT["retired"], False
    elif months < MIN_MONTHS:
        reason, ok = TEXT["too_few_months"].format(months=months), False
    elif separation is None:
        reason, ok = TEXT["no_separation"], False
    elif not separation.leaving_reason.involuntary:
        reason, ok = TEXT["voluntary"].format(reason=separation.leaving_reason.label), False
    else:
        reason = TEXT["eligible"].format(
            months=months,
            date=_chinese_date(separation),
            reason=separation.leaving_reason.label,
        )
        ok = True
    return UnemploymentEligibility(person.ref, months, ok, reason, separation)


def _chinese_date(separation: Separation) -> str:
    d = separation.leaving_date
    return f"{d.year}年{d.month}月{d.day}日"
