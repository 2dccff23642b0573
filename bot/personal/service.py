"""The personal-services domain as channels use it: the one module of bot/personal/ that
webhooks/ imports (tests/test_architecture.py checks it). The mini-program API binds, shows
records and applies through these names; the chat forms of this package call the same
functions, so both apply the same rules (eligibility among them).
"""

from __future__ import annotations

from bot.personal import texts
from bot.personal.applications import pending_for, submissions_of, submit
from bot.personal.binding import BindingError, unbind
from bot.personal.binding import confirm as confirm_binding
from bot.personal.binding import current as current_binding
from bot.personal.binding import start as start_binding
from bot.personal.eligibility import reason_qualifies, seeking_work_qualifies
from bot.personal.notifications import Follower, Notice
from bot.personal.records import LATEST, Subject, describe_contributions, describe_pension
from bot.personal.sealed import seal
from bot.personal.validate import Invalid, read_bank_card, read_date, read_phone
from bot.personal.volunteer import (
    access_entries,
    code_guessers,
    grant_volunteer,
    log_access,
    revoke_volunteer,
    volunteers,
)

__all__ = [
    "LATEST",
    "access_entries",
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
