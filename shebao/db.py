"""Database plumbing: the declarative base every table uses, engines and sessions.

SQLite (the embedded default) and PostgreSQL are both supported; nothing here is specific
to one of them except the SQLite pragmas that make it safe with several threads.

``Database.rehearsal()`` is a dry run: a ``Database`` whose sessions all work inside one
transaction that is rolled back at the end, so whatever is written during it is read back by
its own sessions and kept by no one (the staff console's conversation simulator runs the engine
in one). Each ``session()`` of it commits to a savepoint.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, MetaData, create_engine, event
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry, NullPool, StaticPool

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def is_memory(url: str) -> bool:
    return url in ("sqlite://", "sqlite:///:memory:")


def make_engine(url: str, *, savepoints: bool = False) -> Engine:
    """An engine for ``url``. ``savepoints``: one for dry runs on SQLite, where the driver's own
    transaction handling is turned off so that SAVEPOINT works (SQLAlchemy's recipe for
    pysqlite); not pooled."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        kwargs: dict[str, object] = {"connect_args": {"check_same_thread": False, "timeout": 30}}
        if is_memory(url):
            kwargs["poolclass"] = StaticPool
        elif savepoints:
            kwargs["poolclass"] = NullPool
        engine = create_engine(url, **kwargs)
        if savepoints:

            @event.listens_for(engine, "connect")
            def _no_driver_transactions(
                dbapi_conn: DBAPIConnection, _r: ConnectionPoolEntry
            ) -> None:
                dbapi_conn.isolation_level = None  # type: ignore[attr-defined]

            @event.listens_for(engine, "begin")
            def _begin(conn: Connection) -> None:
                conn.exec_driver_sql("BEGIN")

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
        self._rehearsals: Engine | None = None

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

    @contextmanager
    def rehearsal(self) -> Iterator[Database]:
        """A dry run: a ``Database`` on one connection whose outer transaction is rolled back
        when the block ends, whatever happened in it; its sessions' commits are savepoints."""
        if is_memory(self.url):  # one shared connection: no transaction of its own to undo
            raise RuntimeError("a dry run needs a database file or server, not SQLite in memory")
        if self._rehearsals is None:
            # An engine of its own, so that the savepoint recipe does not change how the
            # service's engine works.
            self._rehearsals = make_engine(self.url, savepoints=True)
        with self._rehearsals.connect() as connection:
            outer = connection.begin()
            try:
                yield _Rehearsal(self.url, connection)
            finally:
                outer.rollback()

    def create_all(self) -> None:
        """Create the tables of every model imported so far (``import app.models`` imports them
        all) that do not exist yet."""
        Base.metadata.create_all(self.engine)


class _Rehearsal(Database):
    """The ``Database`` of ``Database.rehearsal()``: every session joins one connection."""

    def __init__(self, url: str, connection: Connection) -> None:
        self.url = url
        self.engine = connection.engine
        self.sessions = sessionmaker(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        self._rehearsals = None

    def __del__(self) -> None:  # the connection belongs to the rehearsal's ``with`` block
        pass

    @contextmanager
    def rehearsal(self) -> Iterator[Database]:
        yield self  # already one
