"""Sandbox 社保卡 services: the temporary loss report (临时挂失), idempotent like every create."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from proxy.errors import AlreadyExists, NotFound
from proxy.messages import SANDBOX as TEXT
from proxy.sandbox import demo, idempotency
from proxy.sandbox.clock import aware, china_date, naive
from proxy.sandbox.models import CardLossRow
from proxy.sandbox.records import person_by_ref
from proxy.types import CardLossReport
from shebao.masking import mask_id

OPERATION = "card_loss_report"


def report_loss(
    session: Session, now: datetime, person_ref: str, key: str
) -> tuple[CardLossReport, bool]:
    """The loss report for this key, made now (True) or earlier (False)."""
    digest = idempotency.request_hash({"person_ref": person_ref})
    made = idempotency.earlier(session, OPERATION, key, digest)
    if made is not None:
        row = session.get(CardLossRow, made)
        if row is None:
            raise NotFound()
        return view(row), False
    person = person_by_ref(session, person_ref)
    today = china_date(now)
    active = session.scalar(
        select(CardLossRow).where(
            CardLossRow.person_id == person.id, CardLossRow.expires_on >= today
        )
    )
    if active is not None:
        raise AlreadyExists(
            TEXT["card_already_reported"].format(
                date=f"{china_date(aware(active.reported_at)):%Y-%m-%d}",
                until=f"{active.expires_on:%Y-%m-%d}",
            ),
            code="card_already_reported",
            resource_id=active.id,
        )
    row = CardLossRow(
        id="GS" + secrets.token_hex(6).upper(),
        person=person,
        reported_at=naive(now),
        expires_on=today + timedelta(days=demo.CARD_LOSS_VALID_DAYS),
    )
    session.add(row)
    idempotency.remember(session, OPERATION, key, digest, row.id)
    session.flush()
    return view(row), True


def view(row: CardLossRow) -> CardLossReport:
    return CardLossReport(
        report_id=row.id,
        person_ref=row.person.ref,
        card_number_masked=mask_id(row.person.card_account),
        reported_at=aware(row.reported_at),
        expires_on=row.expires_on,
    )
