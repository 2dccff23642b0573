"""Fill an empty sandbox with the demo citizens of ``proxy.sandbox.demo``."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from proxy.months import months_between
from proxy.sandbox import demo
from proxy.sandbox.models import Contribution, PensionPaymentRow, Person

_CENT = Decimal("0.01")


def person_ref(id_number: str) -> str:
    """The sandbox's reference for a person: stable, so bindings outlive a fresh sandbox."""
    return "psn_" + hashlib.sha256(f"sandbox:{id_number}".encode()).hexdigest()[:16]


def seed(session: Session) -> bool:
    """Add the demo citizens unless the sandbox has people already; True if it added them."""
    if session.scalar(select(Person.id).limit(1)) is not None:
        return False
    for citizen in demo.CITIZENS:
        session.add(_person(citizen))
    return True


def _person(citizen: demo.DemoCitizen) -> Person:
    pension = dict(citizen.pension_by_year)
    return Person(
        ref=person_ref(citizen.id_number),
        id_number=citizen.id_number,
        name=citizen.name,
        phone=citizen.phone,
        region=citizen.region,
        card_account=citizen.card_account,
        retired=bool(pension),
        pension_monthly=pension[max(pension)] if pension else None,
        left_on=citizen.left_on,
        leaving_reason=citizen.leaving_reason,
        contributions=_contributions(citizen),
        pension_payments=_pension_payments(citizen),
    )


def _contributions(citizen: demo.DemoCitizen) -> list[Contribution]:
    if not (citizen.insured_from and citizen.insured_to):
        return []
    missing = {month for first, last in citizen.gaps for month in months_between(first, last)}
    rows = []
    for month in months_between(citizen.insured_from, citizen.insured_to):
        if month in missing:
            continue
        base = demo.BASE_BY_YEAR[int(month[:4])]
        for insurance_type, (personal, unit) in demo.RATES.items():
            rows.append(
                Contribution(
                    insurance_type=insurance_type,
                    month=month,
                    base=base,
                    personal=(base * personal).quantize(_CENT),
                    unit=(base * unit).quantize(_CENT),
                )
            )
    return rows


def _pension_payments(citizen: demo.DemoCitizen) -> list[PensionPaymentRow]:
    pension = dict(citizen.pension_by_year)
    if not (pension and citizen.pension_to):
        return []
    return [
        PensionPaymentRow(
            month=month,
            paid_on=date(int(month[:4]), int(month[5:]), 15),
            amount=pension[int(month[:4])],
        )
        for month in months_between(f"{min(pension)}-01", citizen.pension_to)
    ]
