"""Per-user dialogue state with expiry, kept in the database so every worker sees it.

The citizen's own words kept here (``FREE_TEXT``: the last question, the last one the bot
could not answer, the one waiting for a region) are stored masked (``shebao.masking``): an ID,
phone or bank card number typed into a question never reaches the table, its WAL or backups.
What a form needs back in full it keeps sealed (``bot.personal.sealed``) under its own keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot.models import DialogueState
from shebao.clock import utcnow
from shebao.db import Database
from shebao.masking import mask_text

TTL = timedelta(minutes=30)
#: Keys of ``State.data`` that hold what the citizen typed; masked when saved.
FREE_TEXT = ("last_question", "last_abstained", "pending_region_question")


@dataclass
class State:
    user_key: str
    data: dict[str, Any] = field(default_factory=dict)
    region: str | None = None

    def pop(self, key: str, default: Any = None) -> Any:
        return self.data.pop(key, default)


class DialogueStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def load(self, user_key: str) -> State:
        with self.db.session() as s:
            return self.load_in(s, user_key)

    def save(self, state: State) -> None:
        with self.db.session() as s:
            self.save_in(s, state)

    @staticmethod
    def load_in(session: Session, user_key: str) -> State:
        row = session.get(DialogueState, user_key)
        if row is None:
            return State(user_key)
        data = dict(row.data or {}) if row.expires_at > utcnow() else {}
        return State(user_key, data, row.region)

    @staticmethod
    def save_in(session: Session, state: State) -> None:
        now = utcnow()
        row = session.get(DialogueState, state.user_key)
        if row is None:
            row = DialogueState(user_key=state.user_key)
            session.add(row)
        row.data = at_rest(state.data)
        row.region = state.region
        row.updated_at = now
        row.expires_at = now + TTL


def at_rest(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` as it may be stored: the citizen's free text masked."""
    stored = dict(data)
    for key in FREE_TEXT:
        value = stored.get(key)
        if isinstance(value, str):
            stored[key] = mask_text(value)
    return stored
