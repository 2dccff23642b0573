"""Test databases: a SQLite file per test by default, a PostgreSQL schema per test with
``TEST_DATABASE_URL``.

    TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test pytest -q

Two kinds of database, each test's own:

* ``make_test_database_url(tmp_path)``: an empty database, for the tests of what happens to one
  (migrations, the first run's loading, refusing a schema) and for fixtures that build their
  own tables;
* ``DatabaseTemplate.copy(tmp_path)``: a copy of a database prepared once per session
  (tests/conftest.py's session fixtures). ``database_template`` is a database as
  ``create_app`` leaves a new one (migrated to the head revision, the shipped content loaded),
  built by ``create_app`` itself; ``prepared_database_url`` is a test's copy of it. An app
  opened on the copy finds its schema at head and its content loaded, so it neither migrates
  nor loads again. ``tables_template`` holds empty tables as ``Database.create_all`` makes
  them. On SQLite a copy is a copy of the template's file; on PostgreSQL a new schema into
  which the template schema's tables, rows, sequences, constraints and indexes are copied
  (``_clone_script``).

On PostgreSQL each database is a schema ``t<pid>_<random>`` and its URL sets that schema as the
connections' ``search_path``, so every test has a database of its own while sharing the server.
The schemas are dropped when the session ends (``drop_test_schemas``, called by
tests/conftest.py), and schemas left by test runs whose process is gone are dropped at the start.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import uuid
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from testenv import clear_service_env

ENV = "TEST_DATABASE_URL"
_SCHEMA = re.compile(r"^t(\d+)_[0-9a-f]{10}$")
_created: list[str] = []
_admin = None


def server_url() -> str | None:
    """The PostgreSQL the tests run on, or None for SQLite files."""
    return os.environ.get(ENV) or None


def on_postgres() -> bool:
    return server_url() is not None


def make_test_database_url(tmp_path: Path, name: str = "test.db") -> str:
    """A fresh, empty database for one test (or one module/session fixture)."""
    if not on_postgres():
        return f"sqlite:///{tmp_path / name}"
    return _schema_url(_new_schema())


def _new_schema() -> str:
    schema = f"t{os.getpid()}_{uuid.uuid4().hex[:10]}"
    _execute(f'CREATE SCHEMA "{schema}"')
    _created.append(schema)
    return schema


def _schema_url(schema: str) -> str:
    base = server_url() or ""
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options={quote(f'-csearch_path={schema}')}"


def _engine():  # type: ignore[no-untyped-def]
    global _admin
    if _admin is None:
        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool

        _admin = create_engine(server_url() or "", poolclass=NullPool, isolation_level="AUTOCOMMIT")
    return _admin


def _execute(sql: str) -> None:
    from sqlalchemy import text

    with _engine().connect() as conn:
        conn.execute(text("SET lock_timeout = '5s'"))
        conn.execute(text(sql))


def drop_test_schemas(*, stale_too: bool = False) -> None:
    """Drop this run's schemas (and, with ``stale_too``, those of runs that are gone)."""
    if not on_postgres():
        return
    doomed = list(_created)
    _created.clear()
    if stale_too:
        from sqlalchemy import text

        with _engine().connect() as conn:
            names = (
                conn.execute(
                    text(
                        "SELECT nspname FROM pg_namespace WHERE nspname ~ '^t[0-9]+_[0-9a-f]{10}$'"
                    )
                )
                .scalars()
                .all()
            )
        for name in names:
            found = _SCHEMA.match(name)
            if found and not _alive(int(found.group(1))):
                doomed.append(name)
    for schema in doomed:
        try:
            _execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        except Exception:  # still locked by a straggling connection: the next run drops it
            pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# -- templates: a database prepared once per session, copied for each test ---------------------


def prepare_as_the_app_does(url: str) -> None:
    """What ``create_app`` does to a new database: migrate it, load the shipped content."""
    from app import create_app

    with pytest.MonkeyPatch.context() as patch:  # a session fixture: before the tests' clearing
        clear_service_env(patch)
        app = create_app({"TESTING": True, "database_url": url})
    runtime = app.extensions.get("wechat")
    if runtime is not None:
        runtime.shutdown(wait=True)
    app.extensions["shebao"].db.engine.dispose()


def create_tables(url: str) -> None:
    """Empty tables, as ``Database.create_all`` makes them (no migration history, no rows)."""
    from shebao.db import Database

    db = Database(url)
    try:
        db.create_all()
    finally:
        db.engine.dispose()


@dataclass(frozen=True)
class DatabaseTemplate:
    """A database prepared once; ``copy`` gives each test its own copy of it.

    ``path`` is the template's SQLite file; on PostgreSQL ``schema`` is the template schema and
    ``clone_sql`` the statements that copy it into another (``{schema}`` stands for the new
    schema's name in the ``SET`` that starts them).
    """

    url: str
    path: Path | None = None
    schema: str | None = None
    clone_sql: str | None = None

    @classmethod
    def build(
        cls, folder: Path, prepare: Callable[[str], None] = prepare_as_the_app_does
    ) -> DatabaseTemplate:
        """A template made by ``prepare(url)`` from an empty database in ``folder``; by default
        ``create_app`` itself migrates it and loads the shipped content, the code path every
        new database takes."""
        url = make_test_database_url(folder, "template.db")
        prepare(url)
        return cls._keep(url, folder / "template.db")

    def derive(self, folder: Path, prepare: Callable[[str], None]) -> DatabaseTemplate:
        """A template made by ``prepare(url)`` from a copy of this one (rows added once for a
        whole group of tests, e.g. the console's accounts)."""
        url = self.copy(folder, "template.db")
        prepare(url)
        return self._keep(url, folder / "template.db")

    @classmethod
    def _keep(cls, url: str, path: Path) -> DatabaseTemplate:
        if not on_postgres():
            _seal_sqlite(path)
            return cls(url, path=path)
        schema = _schema_of(url)
        return cls(url, schema=schema, clone_sql=_clone_script(schema))

    def copy(self, tmp_path: Path, name: str = "test.db") -> str:
        """The URL of a new database with the template's schema and rows, for one test."""
        if self.path is not None:
            target = tmp_path / name
            shutil.copyfile(self.path, target)
            return f"sqlite:///{target}"
        assert self.clone_sql is not None
        schema = _new_schema()
        raw = _engine().raw_connection()  # psycopg, autocommit: the script has its own BEGIN
        try:
            with closing(raw.cursor()) as cursor:
                cursor.execute(self.clone_sql.replace("{schema}", _ident(schema)))
        finally:
            raw.close()
        return _schema_url(schema)


def _seal_sqlite(path: Path) -> None:
    """Fold the write-ahead log into the file and leave it a single file, so a plain file copy
    is the whole database (each app switches its copy back to WAL when it connects)."""
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        (mode,) = conn.execute("PRAGMA journal_mode=DELETE").fetchone()
    assert mode == "delete", mode
    for suffix in ("-wal", "-shm"):
        assert not Path(f"{path}{suffix}").exists(), f"{path}{suffix} left beside the template"


def _schema_of(url: str) -> str:
    found = re.search(r"search_path%3D(t\d+_[0-9a-f]{10})", url)
    assert found, url
    return found.group(1)


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _clone_script(template: str) -> str:
    """SQL that rebuilds the template schema ``template`` in the schema ``{schema}``: its
    sequences (at the template's values), tables with their rows, defaults, check, primary-key,
    unique and foreign-key constraints and indexes, all under their own names.

    The catalog is read with ``template`` as the search_path, so the definitions PostgreSQL
    prints name the template's objects without a schema; run with ``{schema}`` as the
    search_path, the same definitions make the new schema's objects. Objects this copy does not
    handle (views, functions, triggers, types, identity or generated columns) are refused.
    """
    from sqlalchemy import text

    with _engine().connect() as conn:
        conn.execute(text(f"SET search_path TO {_ident(template)}"))

        def rows(sql: str) -> list[Any]:
            return list(conn.execute(text(sql), {"ns": template}).all())

        ns = "(SELECT oid FROM pg_namespace WHERE nspname = :ns)"
        unsupported = rows(
            f"SELECT relname || ' (relkind ' || relkind::text || ')' FROM pg_class "
            f"WHERE relnamespace = {ns} AND relkind NOT IN ('r', 'S', 'i') "
            f"UNION ALL SELECT proname || ' (function)' FROM pg_proc WHERE pronamespace = {ns} "
            f"UNION ALL SELECT typname || ' (type)' FROM pg_type WHERE typnamespace = {ns} "
            f"  AND typtype <> 'c' AND typcategory <> 'A' "
            f"UNION ALL SELECT tgname || ' (trigger)' FROM pg_trigger t "
            f"  JOIN pg_class c ON c.oid = t.tgrelid "
            f"  WHERE c.relnamespace = {ns} AND NOT t.tgisinternal "
            f"UNION ALL SELECT c.relname || '.' || a.attname || ' (identity/generated)' "
            f"  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
            f"  WHERE c.relnamespace = {ns} "
            f"  AND (a.attidentity::text <> '' OR a.attgenerated::text <> '')"
        )
        if unsupported:
            raise NotImplementedError(
                "tests/dbutil.py cannot copy these objects of the template schema yet: "
                + ", ".join(r[0] for r in unsupported)
            )
        tables = rows(
            f"SELECT relname FROM pg_class WHERE relnamespace = {ns} AND relkind = 'r' "
            f"ORDER BY relname"
        )
        columns = rows(
            f"SELECT c.relname, a.attname FROM pg_attribute a JOIN pg_class c "
            f"ON c.oid = a.attrelid WHERE c.relnamespace = {ns} AND c.relkind = 'r' "
            f"AND a.attnum > 0 AND NOT a.attisdropped ORDER BY c.relname, a.attnum"
        )
        sequences = rows(
            f"SELECT c.relname, format_type(s.seqtypid, NULL), s.seqincrement, s.seqmin, "
            f"s.seqmax, s.seqstart, s.seqcache, s.seqcycle, t.relname, a.attname "
            f"FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid "
            f"LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid "
            f"  AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'a' "
            f"LEFT JOIN pg_class t ON t.oid = d.refobjid "
            f"LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid "
            f"WHERE c.relnamespace = {ns} ORDER BY c.relname"
        )
        values = {
            name: conn.execute(
                text(f"SELECT last_value, is_called FROM {_ident(template)}.{_ident(name)}")
            ).one()
            for name, *_ in sequences
        }
        defaults = rows(
            f"SELECT c.relname, a.attname, pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d "
            f"JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum "
            f"JOIN pg_class c ON c.oid = d.adrelid WHERE c.relnamespace = {ns} "
            f"ORDER BY c.relname, a.attnum"
        )
        constraints = rows(
            f"SELECT c.relname, con.conname, con.contype, pg_get_constraintdef(con.oid) "
            f"FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid "
            f"WHERE c.relnamespace = {ns} AND con.contype IN ('p', 'u', 'x', 'f') "
            f"ORDER BY con.contype = 'f', c.relname, con.conname"
        )
        indexes = rows(
            f"SELECT t.relname, format('%I.%I', n.nspname, t.relname), "
            f"pg_get_indexdef(i.indexrelid) FROM pg_index i "
            f"JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace "
            f"JOIN pg_class ix ON ix.oid = i.indexrelid "
            f"WHERE t.relnamespace = {ns} AND NOT EXISTS (SELECT 1 FROM pg_constraint con "
            f"  WHERE con.conindid = i.indexrelid AND con.contype IN ('p', 'u', 'x')) "
            f"ORDER BY t.relname, ix.relname"
        )
        conn.rollback()

    source = _ident(template)
    sql = ["BEGIN", "SET LOCAL search_path TO {schema}"]
    for name, type_, increment, minimum, maximum, start, cache, cycle, *_ in sequences:
        sql.append(
            f"CREATE SEQUENCE {_ident(name)} AS {type_} INCREMENT BY {increment} "
            f"MINVALUE {minimum} MAXVALUE {maximum} START WITH {start} CACHE {cache} "
            f"{'CYCLE' if cycle else 'NO CYCLE'}"
        )
    names: dict[str, list[str]] = {}
    for table, column in columns:
        names.setdefault(table, []).append(_ident(column))
    for (table,) in tables:
        sql.append(
            f"CREATE TABLE {_ident(table)} (LIKE {source}.{_ident(table)} "
            f"INCLUDING ALL EXCLUDING DEFAULTS EXCLUDING INDEXES)"
        )
    for table, column, expression in defaults:
        sql.append(
            f"ALTER TABLE {_ident(table)} ALTER COLUMN {_ident(column)} SET DEFAULT {expression}"
        )
    for (table,) in tables:
        listed = ", ".join(names[table])
        sql.append(
            f"INSERT INTO {_ident(table)} ({listed}) SELECT {listed} FROM {source}.{_ident(table)}"
        )
    for name, *_, owner_table, owner_column in sequences:
        last_value, is_called = values[name]
        sql.append(f"SELECT setval('{_ident(name)}', {last_value}, {str(is_called).lower()})")
        if owner_table is not None:
            owner = f"{_ident(owner_table)}.{_ident(owner_column)}"
            sql.append(f"ALTER SEQUENCE {_ident(name)} OWNED BY {owner}")
    for table, name, _kind, definition in constraints:  # keys first, foreign keys last
        sql.append(f"ALTER TABLE {_ident(table)} ADD CONSTRAINT {_ident(name)} {definition}")
    for table, qualified, definition in indexes:
        unqualified = definition.replace(f" ON {qualified} ", f" ON {_ident(table)} ", 1)
        assert unqualified != definition, definition
        sql.append(unqualified)
    sql.append("COMMIT")
    return ";\n".join(sql) + ";\n"
