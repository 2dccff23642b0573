"""A bot on a database loaded with the shipped content, and a way to talk to it."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
from dbutil import DatabaseTemplate

from app.registrations import build_bot
from bot.engine import Bot
from bot.types import Message, Reply
from shebao.db import Database
from shebao.settings import Settings


@pytest.fixture(scope="module")
def shipped_db(
    database_template: DatabaseTemplate, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    db = Database(database_template.copy(tmp_path_factory.mktemp("bot"), "bot.db"))
    yield db
    db.engine.dispose()


@pytest.fixture(scope="module")
def bot(shipped_db: Database) -> Bot:
    return build_bot(Settings(database_url=shipped_db.url), shipped_db)


Ask = Callable[..., Reply]


@pytest.fixture
def ask(bot: Bot) -> Ask:
    """``ask(text, region=None, user=None, role="citizen", max_bytes=None)``; a fresh user each
    test unless ``user`` is given, so dialogue state carries across calls within a test."""
    default_user = f"t-{uuid.uuid4().hex}"

    def _ask(
        text: str,
        region: str | None = None,
        user: str | None = None,
        role: str = "citizen",
        max_bytes: int | None = None,
    ) -> Reply:
        return bot.handle(Message("wechat", user or default_user, text, region, role, max_bytes))

    return _ask
