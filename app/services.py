"""Building the service's parts from ``Settings``, written once: ``open_database`` (migrate,
load the shipped content) and ``build_services`` (the database, the engine built on first use
with its registrations, the job handlers registered). ``create_app``, every command and the
worker start here."""

from __future__ import annotations

import app.models  # noqa: F401  (every table on Base.metadata before the schema is checked)
from app.jobs import register_jobs
from app.registrations import build_bot
from knowledge.importer import load_shipped_content
from shebao.db import Database
from shebao.schema import ensure_schema
from shebao.settings import Settings
from webhooks.services import Services


def open_database(settings: Settings, *, migrate: bool = True, content: bool = True) -> Database:
    """The configured database; ``migrate``: its schema made the code's (``ensure_schema``: an
    empty database is created, an older one refused); ``content``: the shipped knowledge base
    loaded into an empty one."""
    db = Database(settings.database_url)
    if migrate:
        ensure_schema(db)
    if content:
        load_shipped_content(db)
    return db


def build_services(settings: Settings, *, migrate: bool = True, content: bool = True) -> Services:
    """Settings, the opened database and the engine (built on first use by
    app/registrations.py's ``build_bot``); the job handlers registered with the outbox."""
    register_jobs()
    db = open_database(settings, migrate=migrate, content=content)
    return Services(settings, db, lambda: build_bot(settings, db))
