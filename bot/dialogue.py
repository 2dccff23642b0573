"""Per-user dialogue state with expiry, kept in the database so every worker sees it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot.models import DialogueState
from shebao.clock import utcnow
from shebao.db import Database

TTL = timedelta(minutes=30)


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
        row.data = dict(state.data)
        row.region = state.region
        row.updated_at = now
        row.expires_at = now + TTL
