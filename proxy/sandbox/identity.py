"""Sandbox identity verification: match ID number, name and phone; the code is always 123456."""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from proxy.errors import IdentityMismatch, InvalidRequest, NotFound, VerificationExpired, WrongCode
from proxy.messages import SANDBOX as TEXT
from proxy.sandbox import demo
from proxy.sandbox.clock import aware, naive
from proxy.sandbox.models import Person, VerificationRow
from proxy.types import Identity, Verification
from shebao.masking import mask_phone

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_NAME = re.compile(r"^[\u4e00-\u9fff·]{2,20}$")
_PHONE = re.compile(r"^1[3-9]\d{9}$")


def id_number_valid(number: str) -> bool:
    """GB 11643-1999: 17 digits and a check digit (0-9 or X)."""
    if not re.fullmatch(r"\d{17}[\dXx]", number):
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _WEIGHTS, strict=True))
    return _CHECK[total % 11] == number[17].upper()


def mask_name(name: str) -> str:
    """陈*明, 李*: the family name and (for three characters or more) the last one kept."""
    if len(name) <= 2:
        return name[:1] + "*" * (len(name) - 1)
    return name[0] + "*" * (len(name) - 2) + name[-1]


def start(session: Session, now: datetime, id_number: str, name: str, phone: str) -> Verification:
    id_number, name, phone = id_number.strip().upper(), name.strip(), phone.strip()
    if not id_number_valid(id_number):
        raise InvalidRequest(TEXT["id_number_invalid"])
    if not _NAME.match(name):
        raise InvalidRequest(TEXT["name_invalid"])
    if not _PHONE.match(phone):
        raise InvalidRequest(TEXT["phone_invalid"])
    person = session.scalar(select(Person).where(Person.id_number == id_number))
    if person is None or person.name != name or person.phone != phone:
        raise IdentityMismatch()
    row = VerificationRow(
        id="ver_" + secrets.token_hex(12),
        person_id=person.id,
        created_at=naive(now),
        expires_at=naive(now + timedelta(minutes=demo.CODE_VALID_MINUTES)),
    )
    session.add(row)
    return Verification(row.id, mask_phone(person.phone), aware(row.expires_at))


def confirm(session: Session, now: datetime, verification_id: str, code: str) -> Identity:
    """Confirm a verification. A wrong code is counted (and committed) before it is refused."""
    row = session.get(VerificationRow, verification_id)
    if row is None:
        raise NotFound(TEXT["verification_not_found"])
    if row.wrong_attempts >= demo.CODE_MAX_WRONG:
        raise VerificationExpired(TEXT["code_too_many"])
    if naive(now) > row.expires_at:
        raise VerificationExpired(TEXT["code_expired"])
    if code.strip() != demo.ONE_TIME_CODE:
        row.wrong_attempts += 1
        session.commit()
        left = demo.CODE_MAX_WRONG - row.wrong_attempts
        if left <= 0:
            raise VerificationExpired(TEXT["code_too_many"])
        raise WrongCode(TEXT["code_wrong"].format(left=left), attempts_left=left)
    if row.confirmed_at is None:
        row.confirmed_at = naive(now)
    person = row.person
    return Identity(person.ref, mask_name(person.name), person.region)
