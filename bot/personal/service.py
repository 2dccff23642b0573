"""The personal-services domain as channels use it: the one module of bot/personal/ that
webhooks/ imports (tests/test_architecture.py checks it). The mini-program API binds, shows
records and applies through these names; the chat forms of this package call the same
functions, so both apply the same rules (eligibility among them).

The chat's sentences (``texts``) are written for a conversation (「回复……」). A channel with its
own wording (the mini-program's buttons) asks *what* is wrong instead: the ``*_problem``
functions and ``FIELD_CHECKS`` name the problem with a stable code (``id_number_check_digit``,
``leaving_date_future`` …) by the same rules the chat applies, ``BindingError.code`` and
``Outcome.kind``/``code`` name the rest, and ``binding_locked_until`` says until when.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy import select

from bot.personal import texts
from bot.personal.applications import pending_for, submissions_of, submit
from bot.personal.binding import BindingError, unbind
from bot.personal.binding import confirm as confirm_binding
from bot.personal.binding import current as current_binding
from bot.personal.binding import start as start_binding
from bot.personal.eligibility import reason_qualifies, seeking_work_qualifies
from bot.personal.models import Verification
from bot.personal.notifications import Follower, Notice
from bot.personal.records import LATEST, Subject, describe_contributions, describe_pension
from bot.personal.sealed import seal
from bot.personal.validate import (
    Invalid,
    find_card_number,
    find_id_number,
    id_check_digit,
    id_number_valid,
    luhn_ok,
    read_bank_card,
    read_code,
    read_date,
    read_name,
    read_phone,
)
from bot.personal.volunteer import (
    access_entries,
    code_guessers,
    grant_volunteer,
    log_access,
    revoke_volunteer,
    volunteers,
)
from shebao.clock import utcnow
from shebao.db import Database

# -- what is wrong, as a code (for channels with their own wording) ----------------------------


def id_number_problem(value: str) -> str | None:
    """None for an ID number the chat would take; else ``id_number_format`` (not 18 characters
    of digits and a last X), ``id_number_check_digit`` (GB 11643's last character does not
    match) or ``id_number_birth_date`` (no such birth date, or after today)."""
    number = find_id_number(value)
    if number is None or len(number) != 18:
        return "id_number_format"
    if id_check_digit(number[:17]) != number[17]:
        return "id_number_check_digit"
    if not id_number_valid(number):  # form and check digit are right: the birth date is not
        return "id_number_birth_date"
    return None


def _refused_by(reader: Callable[[str], object], code: str) -> Callable[[str], str | None]:
    def problem(value: str) -> str | None:
        try:
            reader(value)
        except Invalid:
            return code
        return None

    return problem


name_problem = _refused_by(read_name, "name_format")
phone_problem = _refused_by(read_phone, "phone_format")
code_problem = _refused_by(read_code, "code_format")


def bank_card_problem(value: str) -> str | None:
    """None, ``bank_card_format`` (no number in it), ``bank_card_length`` (not 12 to 19 digits)
    or ``bank_card_check_digit`` (the Luhn digit does not match)."""
    number = find_card_number(value)
    if number is None:
        return "bank_card_format"
    if not 12 <= len(number) <= 19:
        return "bank_card_length"
    if not luhn_ok(number):
        return "bank_card_check_digit"
    return None


def leaving_date_problem(value: str, today: date) -> str | None:
    """None, ``leaving_date_format`` (no date read), ``leaving_date_future`` (after ``today``)
    or ``leaving_date_too_early`` (too long ago to claim), by ``read_date``'s rules."""
    try:
        read_date(value, today)
    except Invalid:
        pass
    else:
        return None
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        return "leaving_date_format"
    return "leaving_date_future" if day > today else "leaving_date_too_early"


#: The binding's fields and their checks, by the names ``BindingError.field`` uses.
FIELD_CHECKS: dict[str, Callable[[str], str | None]] = {
    "id_number": id_number_problem,
    "name": name_problem,
    "phone": phone_problem,
    "code": code_problem,
}


def binding_locked_until(db: Database, key: str) -> datetime | None:
    """Until when (naive UTC) binding is locked for ``key`` after too many failures, or None."""
    with db.session() as s:
        until = s.scalar(select(Verification.locked_until).where(Verification.user_key == key))
    return until if until is not None and until > utcnow() else None


__all__ = [
    "FIELD_CHECKS",
    "LATEST",
    "access_entries",
    "bank_card_problem",
    "binding_locked_until",
    "code_problem",
    "id_number_problem",
    "leaving_date_problem",
    "name_problem",
    "phone_problem",
    "code_guessers",
    "grant_volunteer",
    "revoke_volunteer",
    "volunteers",
    "BindingError",
    "Follower",
    "Invalid",
    "Notice",
    "Subject",
    "confirm_binding",
    "current_binding",
    "describe_contributions",
    "describe_pension",
    "log_access",
    "pending_for",
    "read_bank_card",
    "read_date",
    "read_phone",
    "reason_qualifies",
    "seal",
    "seeking_work_qualifies",
    "start_binding",
    "submissions_of",
    "submit",
    "texts",
    "unbind",
]
