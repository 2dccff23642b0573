"""The schema's version: Alembic migrations (shebao/migrations), applied and checked.

``ensure_schema(db)`` is what every process calls before it touches the database:

* an empty database is migrated to the head revision (the embedded default's first run needs
  no extra step);
* a database at the head revision is used as it is;
* a database behind the code is upgraded only when auto-upgrade is on (``DB_AUTO_UPGRADE=1``;
  the default on SQLite, where the database is a file beside one process); otherwise the
  process refuses to start and says to run ``shebao db upgrade``. On PostgreSQL migrating is a
  deliberate step of a deployment, run once before the new code starts serving;
* a database newer than the code (an older release rolled back over a migrated database), or
  one with tables but no version (made by ``create_all`` before migrations existed, and not
  matching the models), is refused with what to do.

Migrations hold a lock while they run (PostgreSQL: an advisory lock; a SQLite file: a lock file
beside it), so web and worker processes starting together migrate once.
"""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text

from shebao.db import Base, Database
from shebao.settings import Settings

log = logging.getLogger(__name__)

AUTO_UPGRADE_ENV = "DB_AUTO_UPGRADE"
SCRIPT_LOCATION = "shebao:migrations"
#: Tables that may share the database but are not ours to migrate (the embedded sandbox core).
FOREIGN_PREFIXES = ("sandbox_",)
VERSION_TABLE = "alembic_version"
_LOCK_KEY = 0x5EBA0_0DB  # pg_advisory_lock key of schema changes


class SchemaError(RuntimeError):
    """The database's schema does not fit this code; the message says what to do."""


class SchemaOutdated(SchemaError):
    """The database is behind the code (and auto-upgrade is off)."""


@dataclass(frozen=True)
class SchemaState:
    current: str | None  # the database's revision (None: no alembic_version)
    head: str  # the code's revision
    has_tables: bool  # any of the models' tables exist

    @property
    def empty(self) -> bool:
        return self.current is None and not self.has_tables

    @property
    def at_head(self) -> bool:
        return self.current == self.head


def alembic_config(url: str | None = None) -> Config:
    """An Alembic configuration for the packaged migrations (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


@cache
def script_directory() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    head = script_directory().get_current_head()
    assert head is not None, "shebao/migrations has no revisions"
    return head


def migration_url(config: Config) -> str:
    """The database the ``alembic`` command line works on: the ini's URL, else DATABASE_URL."""
    return config.get_main_option("sqlalchemy.url") or Settings.from_env().database_url


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Autogenerate and comparisons ignore tables that belong to someone else."""
    if type_ == "table" and name and name.startswith(FOREIGN_PREFIXES):
        return False
    table = getattr(obj, "table", None)
    table_name = getattr(table, "name", "") or ""
    return not (
        type_ in ("index", "column", "unique_constraint", "foreign_key_constraint")
        and table_name.startswith(FOREIGN_PREFIXES)
    )


def schema_state(db: Database) -> SchemaState:
    with db.engine.connect() as conn:
        return _state(conn)


def _state(conn: Connection) -> SchemaState:
    current = MigrationContext.configure(conn).get_current_revision()
    names = set(inspect(conn).get_table_names())
    ours = {t.name for t in Base.metadata.sorted_tables}
    return SchemaState(current, head_revision(), bool(names & ours))


def current_revision(db: Database) -> str | None:
    return schema_state(db).current


def upgrade(db: Database, revision: str = "head") -> SchemaState:
    """Apply the migrations up to ``revision`` (under the migration lock)."""
    with _migration_lock(db) as conn:
        _run(conn, "upgrade", revision)
        return _state(conn)


def downgrade(db: Database, revision: str) -> None:
    """Undo migrations down to ``revision`` (tests and rollbacks; data in dropped tables goes)."""
    with _migration_lock(db) as conn:
        _run(conn, "downgrade", revision)


def stamp(db: Database, revision: str = "head") -> None:
    """Record ``revision`` as applied without running anything (adopting a database)."""
    with _migration_lock(db) as conn:
        _run(conn, "stamp", revision)


def differences(db: Database) -> list[Any]:
    """What would change to make the database match the models (alembic's compare)."""
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"include_object": include_object, "compare_type": True}
        )
        return list(compare_metadata(context, Base.metadata))


def auto_upgrade_default(db: Database) -> bool:
    """``DB_AUTO_UPGRADE`` (``Settings.db_auto_upgrade``); unset: on for SQLite only."""
    asked = Settings.from_env().db_auto_upgrade
    if asked is not None:
        return asked
    return db.engine.dialect.name == "sqlite"


def ensure_schema(db: Database, auto_upgrade: bool | None = None) -> SchemaState:
    """Make sure the schema fits the code before anything else uses ``db`` (see module doc).

    Raises ``SchemaError`` (``SchemaOutdated`` for an older schema) after closing ``db``'s
    connections: the process is not going to use it.
    """
    try:
        return _ensure_schema(db, auto_upgrade)
    except SchemaError:
        db.engine.dispose()
        raise


def _ensure_schema(db: Database, auto_upgrade: bool | None) -> SchemaState:
    state = schema_state(db)
    if state.at_head:
        return state
    auto = auto_upgrade_default(db) if auto_upgrade is None else auto_upgrade
    with _migration_lock(db) as conn:
        state = _state(conn)  # another process may have migrated while we waited
        if state.at_head:
            return state
        if state.empty:
            log.info("empty database: creating the schema (migrations up to %s)", state.head)
            with _quiet_migrations():  # that one line says it; not one line per migration
                _run(conn, "upgrade", "head")
            return _state(conn)
        if state.current is None:
            return _adopt(db, conn, state)
        if not _is_known(state.current):
            raise SchemaError(
                f"The database's schema is at revision {state.current}, which this code does "
                f"not know: it was migrated by a newer release. Run that release, or a newer "
                f"one, against {_where(db)}."
            )
        if not auto:
            raise SchemaOutdated(
                f"The database's schema is at revision {state.current}; this code needs "
                f"{state.head}. Run `shebao db upgrade` with the same DATABASE_URL "
                f"({_where(db)}), then start again."
            )
        log.warning(
            "database schema %s is behind the code: upgrading to %s", state.current, state.head
        )
        _run(conn, "upgrade", "head")
        return _state(conn)


def _adopt(db: Database, conn: Connection, state: SchemaState) -> SchemaState:
    """Tables without a version: made by ``create_all`` before migrations existed."""
    context = MigrationContext.configure(
        conn, opts={"include_object": include_object, "compare_type": True}
    )
    diff = compare_metadata(context, Base.metadata)
    if diff:
        raise SchemaError(
            f"The database at {_where(db)} has tables but no migration history, and they do "
            f"not match this code ({len(diff)} differences, e.g. {diff[0]!r}). Start from an "
            f"empty database, or bring it to the models and run `shebao db stamp head`."
        )
    log.warning("database without migration history matches the models: stamping %s", state.head)
    _run(conn, "stamp", "head")
    return _state(conn)


@contextmanager
def _quiet_migrations() -> Iterator[None]:
    """Alembic's "Running upgrade …" lines off while an empty database is created."""
    logger = logging.getLogger("alembic.runtime.migration")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def _is_known(revision: str) -> bool:
    try:
        return script_directory().get_revision(revision) is not None
    except Exception:  # alembic raises several kinds for an unknown id
        return False


def _run(conn: Connection, action: str, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = conn
    getattr(command, action)(config, revision)
    if conn.in_transaction():
        conn.commit()


@contextmanager
def _migration_lock(db: Database) -> Iterator[Connection]:
    """One migrator at a time, across processes and hosts."""
    with db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _LOCK_KEY})
            conn.commit()
            try:
                yield conn
            finally:
                if conn.in_transaction():
                    conn.rollback()
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _LOCK_KEY})
                conn.commit()
            return
        path = _sqlite_file(db)
        if path is None:
            yield conn
            return
        with open(f"{path}.migrate-lock", "a+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield conn
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


def _sqlite_file(db: Database) -> Path | None:
    database = db.engine.url.database
    if db.engine.dialect.name != "sqlite" or database in (None, "", ":memory:"):
        return None
    return Path(database)


def _where(db: Database) -> str:
    return db.engine.url.render_as_string(hide_password=True)
