"""The app's long-lived parts (settings, database, engine), built once per process."""

from __future__ import annotations

from functools import cached_property

from flask import current_app

from knowledge.importer import load_shipped_content
from shebao.db import Database
from shebao.schema import ensure_schema
from shebao.settings import Settings


class Services:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.db = Database(settings.database_url)
        ensure_schema(self.db)  # an empty database is created; an older one is refused
        load_shipped_content(self.db)

    @cached_property
    def bot(self):  # type: ignore[no-untyped-def]
        from bot.engine import Bot

        return Bot(self.settings, self.db)


def services() -> Services:
    return current_app.extensions["shebao"]  # type: ignore[no-any-return]
