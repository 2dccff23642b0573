"""Test databases: a SQLite file per test by default, a PostgreSQL schema per test with
``TEST_DATABASE_URL``.

    TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test pytest -q

``make_test_database_url(tmp_path)`` is the one place fixtures get a database URL from. On
PostgreSQL each call creates a fresh schema ``t<pid>_<random>`` and returns the URL with that
schema as the connections' ``search_path``, so every test starts from an empty database, as it
does with SQLite, while sharing the server. The schemas are dropped when the session ends
(``drop_test_schemas``, called by tests/conftest.py), and schemas left by test runs whose
process is gone are dropped at the start.
"""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path
from urllib.parse import quote

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
    base = server_url()
    if base is None:
        return f"sqlite:///{tmp_path / name}"
    schema = f"t{os.getpid()}_{uuid.uuid4().hex[:10]}"
    _execute(f'CREATE SCHEMA "{schema}"')
    _created.append(schema)
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
