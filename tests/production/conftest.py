"""Fixtures for the production-mode tests: real PostgreSQL and Redis, gunicorn and ``shebao worker``
as separate processes (helpers in produtil.py).

- ``pg_url``: a fresh PostgreSQL schema on ``TEST_DATABASE_URL`` (default: the machine's
  ``postgresql+psycopg://postgres@127.0.0.1:5432/test``); tests skip, saying why, when it cannot
  be reached.
- ``redis_url``: the machine's Redis (``TEST_REDIS_URL``, default ``redis://127.0.0.1:6379/0``);
  tests that share it use keys nobody else uses (random MsgIds and openids).
- ``private_redis`` / ``private_postgres``: a server of the test's own on a free port, which a
  fault test may stop and start without disturbing anyone else using the machine's servers.
- ``processes``: start gunicorn (``shebao serve --prod``'s configuration) and ``shebao worker``
  processes; all are stopped at the end of the test.

Tests that stop servers are marked ``faults`` (``pytest -m "not faults"`` leaves them out).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from dbutil import make_test_database_url
from produtil import (
    DEFAULT_REDIS,
    PrivatePostgres,
    PrivateRedis,
    Processes,
    pg_bindir,
    pg_server,
    pg_unreachable,
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "faults: stops and restarts servers (PostgreSQL, Redis) "
        "of the test's own; leave out with -m 'not faults'",
    )


@pytest.fixture
def pg_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh, empty PostgreSQL schema (its URL sets the search_path)."""
    server = pg_server()
    why = pg_unreachable(server)
    if why:
        pytest.skip(why)
    monkeypatch.setenv("TEST_DATABASE_URL", server)
    return make_test_database_url(tmp_path)


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("TEST_REDIS_URL") or DEFAULT_REDIS
    try:
        import redis

        redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1).ping()
    except Exception as exc:
        pytest.skip(f"Redis at {url} unreachable: {type(exc).__name__}: {exc}")
    return url


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    bindir = pg_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL's initdb is not installed")
    server = PrivatePostgres(Path(f"/tmp/shebao-pg-{uuid.uuid4().hex[:8]}"), bindir)
    try:
        server.init()
        server.start()
    except (subprocess.CalledProcessError, OSError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        pytest.skip(f"could not start a private PostgreSQL: {exc} {detail.decode()[-300:]}")
    yield server
    server.stop("immediate")
    shutil.rmtree(server.folder, ignore_errors=True)


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    procs = Processes(tmp_path)
    yield procs
    procs.stop_all()
