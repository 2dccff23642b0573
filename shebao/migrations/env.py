"""Alembic's environment: the models' metadata, and a connection to migrate.

``shebao db upgrade`` (shebao/schema.py) hands a connection in ``config.attributes``; the
``alembic`` command line (alembic.ini at the repository root) connects to ``DATABASE_URL``.
The models are those imported when this runs: ``shebao db upgrade`` runs in a process that imported
``app.models``; the ``alembic`` command imports the module alembic.ini names as ``models``.
Tables of the embedded sandbox core (``sandbox_*``, its own metadata) may share the database
and are none of our migrations' business.
"""

from __future__ import annotations

import importlib
from typing import Any

from alembic import context
from sqlalchemy import Connection

from shebao.db import Base
from shebao.schema import include_object, migration_url

config = context.config
if config.get_main_option("models"):
    importlib.import_module(str(config.get_main_option("models")))
target_metadata = Base.metadata


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=include_object,
        # SQLite cannot ALTER most things: alembic rebuilds the table ("batch" mode).
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        compare_server_default=False,
    )


def run_online() -> None:
    given: Any = config.attributes.get("connection")
    if given is not None:
        _configure(given)
        with context.begin_transaction():
            context.run_migrations()
        return
    from shebao.db import make_engine

    engine = make_engine(migration_url(config))
    try:
        with engine.connect() as connection:
            _configure(connection)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


def run_offline() -> None:
    context.configure(
        url=migration_url(config),
        target_metadata=target_metadata,
        include_object=include_object,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
