"""Per-user dialogue state with expiry, kept in the database so every worker sees it.

The citizen's own words kept here (``FREE_TEXT``: the last question, the last one the bot
could not answer, the one waiting for a region) are stored masked (``shebao.masking``): an ID,
phone or bank card number typed into a question never reaches the table, its WAL or backups.
What a form needs back in full it keeps sealed (``bot.personal.sealed``) under its own keys.

Every message reads and writes its state, so ``load_in`` and ``save_in`` speak SQL on the
session's connection (one SELECT; one UPDATE, an INSERT only for a user's first state) instead
of loading an ORM object and flushing it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import insert, select, update
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
        columns = (DialogueState.data, DialogueState.region, DialogueState.expires_at)
        row = (
            session.connection()
            .execute(select(*columns).where(DialogueState.user_key == user_key))
            .first()
        )
        if row is None:
            return State(user_key)
        data = dict(row.data or {}) if row.expires_at > utcnow() else {}
        return State(user_key, data, row.region)

    @staticmethod
    def save_in(session: Session, state: State) -> None:
        now = utcnow()
        values = {
            "data": at_rest(state.data),
            "region": state.region,
            "updated_at": now,
            "expires_at": now + TTL,
        }
        connection = session.connection()
        where = DialogueState.user_key == state.user_key
        if connection.execute(update(DialogueState).where(where).values(values)).rowcount == 0:
            connection.execute(insert(DialogueState).values(user_key=state.user_key, **values))


def at_rest(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` as it may be stored: the citizen's free text masked."""
    stored = dict(data)
    for key in FREE_TEXT:
        value = stored.get(key)
        if isinstance(value, str):
            stored[key] = mask_text(value)
    return stored
