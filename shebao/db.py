"""Database plumbing: the declarative base every table uses, engines and sessions.

SQLite (the embedded default) and PostgreSQL are both supported; nothing here is specific
to one of them except the SQLite pragmas that make it safe with several threads.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, MetaData, create_engine, event
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry, StaticPool

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def make_engine(url: str) -> Engine:
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        kwargs: dict[str, object] = {"connect_args": {"check_same_thread": False, "timeout": 30}}
        if url in ("sqlite://", "sqlite:///:memory:"):
            kwargs["poolclass"] = StaticPool
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return _remember(engine)
    # connect_timeout: an unreachable server fails a request in 2 s, not a TCP timeout later.
    return _remember(
        create_engine(
            url,
            pool_pre_ping=True,
            pool_size=5,
            max_overflow=5,
            pool_timeout=3,
            connect_args={"connect_timeout": 2},
        )
    )


_ENGINES: weakref.WeakSet[Engine] = weakref.WeakSet()


def _remember(engine: Engine) -> Engine:
    _ENGINES.add(engine)
    return engine


def dispose_engines() -> None:
    """Close the pooled connections of every engine of this process (they stay usable)."""
    for engine in list(_ENGINES):
        engine.dispose()


def after_fork() -> None:
    """In a forked child (gunicorn's ``post_fork``): forget the parent's pooled connections
    without closing them (they are the parent's), so the child opens its own."""
    for engine in list(_ENGINES):
        engine.dispose(close=False)


def is_unavailable(exc: BaseException) -> bool:
    """True when ``exc`` says the database server cannot be reached (down, restarting, its
    connections cut, the pool exhausted): the request should fail fast with 503 and be tried
    again, rather than be answered as if it had been processed."""
    from sqlalchemy import exc as sa_exc

    if isinstance(exc, sa_exc.TimeoutError):  # no pooled connection came free in time
        return True
    if isinstance(exc, sa_exc.DBAPIError):
        if exc.connection_invalidated:
            return True
        exc = exc.orig  # type: ignore[assignment]
    try:
        import psycopg
    except ImportError:  # SQLite only: a local file is never "unreachable"
        return False
    return isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError)


class Database:
    """An engine and its session factory; one per process."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    def __del__(self) -> None:
        # A command (or test) that drops its Database must not leave pooled connections open
        # until the engine's reference cycle is collected (psycopg warns then). The engine
        # stays usable by anyone still holding it: dispose only closes idle connections.
        try:
            self.engine.dispose()
        except Exception:  # interpreter shutdown, a half-built object
            pass

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self.sessions() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def create_all(self) -> None:
        """Create the tables of every model imported so far (``import app.models`` imports them
        all) that do not exist yet."""
        Base.metadata.create_all(self.engine)
