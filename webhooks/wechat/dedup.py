"""Retry de-duplication: a ledger of processed messages shared by every worker through the DB.

WeChat re-sends a message it got no reply to (same ``FromUserName`` and ``MsgId``; events: same
``FromUserName`` and ``CreateTime``). ``MsgId`` is unique per sender only as far as we can
know, so the key always carries the sender: another openid's message with the same ``MsgId``
is a message of its own, never a retry of someone else's (whose reply it would be given).
The first request to insert the message's key owns it: the insert is synchronous and the
primary key makes it atomic across threads, processes and hosts. Every other request for that
key is a retry and waits for the owner's outcome instead of processing.

Only the owner's process ever changes a claimed row, so the outcome (``replied`` with the reply
text, ``deferred``, ``delivered``/``failed``) needs no cross-process locking: it is decided in
the owner's memory (``Race``) and written behind, milliseconds later: in the transaction of
the process's next claim, or by a writer thread when no claim comes. The request's
(timestamp, nonce) pair, when the database remembers it (no Redis, or Redis down; see
replay.py), is inserted in the claim's transaction too. Under load each webhook call so costs
one write transaction, not three.

If a process dies while it works a message (or with its outcome still queued), the row stays
``working``. A live owner always settles its row within the reply budget (``replied``, or
``deferred`` when the budget runs out), so a ``working`` row older than the budget (plus a
moment for the write-behind) has a dead owner: the next retry takes the claim over
(``take_over``, a conditional update, so exactly one retry wins) and processes the message.
The engine's own steps are safe to run again (an application's idempotency key is stored
before the core is called).
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, event
from wechatpy.messages import BaseMessage

from shebao.clock import utcnow
from shebao.db import Database, make_engine
from webhooks.models import ProcessedMessage, ReplayNonce
from webhooks.wechat.replay import Replayed

log = logging.getLogger("shebao.wechat.dedup")


def message_key(message: BaseMessage) -> str:
    """``msg:<FromUserName>:<MsgId>`` for messages, ``evt:<FromUserName>:<CreateTime>`` for
    events."""
    source = message.source or ""
    if message.id:  # wechatpy's MsgId (0 when absent; protocol.check_fields made it a number)
        return f"msg:{source}:{message.id}"
    created = message.time  # CreateTime
    return f"evt:{source}:{'' if created is None else created}"


@dataclass(frozen=True)
class Outcome:
    status: str  # working | replied | deferred | delivered | failed
    reply_text: str | None
    reply_time: int | None


class Race:
    """Decides, inside the owning process, whether the answer or the deadline came first."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.winner: str | None = None

    def first(self, contender: str, then: Callable[[], None] | None = None) -> bool:
        """True if ``contender`` ("replied" or "deferred") is the first to arrive; the winner's
        ``then`` runs before the loser learns it lost (so outcomes are queued in order)."""
        with self._lock:
            if self.winner is None:
                self.winner = contender
                if then is not None:
                    then()
            return self.winner == contender


class Ledger:
    """Claims and outcomes of messages, stored in ``wechat_processed_message``.

    This is the hot path, so the ledger speaks SQL to the pooled DBAPI connection directly.
    On SQLite it has its own connections with ``synchronous=NORMAL`` (WAL without an fsync
    per commit: still atomic and consistent; only the last instants before a power cut may be
    lost, and with them the server that WeChat's retries would have reached). On PostgreSQL
    it shares the app's engine and commits with ``synchronous_commit = off``, the same trade.
    """

    def __init__(self, db: Database, poll_seconds: float = 0.02, linger: float = 0.005) -> None:
        self.db = db
        self.engine = _ledger_engine(db)
        self.sqlite = self.engine.dialect.name == "sqlite"
        dbapi = self.engine.dialect.loaded_dbapi
        self.operational_error: type[Exception] = dbapi.OperationalError
        self.poll_seconds = poll_seconds
        self.linger = linger
        self._sql = {name: _paramstyle(sql, self.sqlite) for name, sql in _SQL.items()}
        self._pending: list[tuple[str, dict[str, Any]]] = []  # queued outcomes, oldest first
        self._pending_cond = threading.Condition()
        # Held while queued outcomes are taken and written, so they are written in order.
        self._drain_lock = threading.Lock()
        self._writer: threading.Thread | None = None
        self._writer_pid = 0
        self._closing = False

    # -- claims (synchronous) ---------------------------------------------------------------

    def claim(self, key: str, openid: str, msg_type: str, nonce: str | None = None) -> bool:
        """Insert the key. True: this request owns the message. False: it is a retry.

        With ``nonce`` (replay.py's key of the request's timestamp and nonce) the pair is
        inserted first, in the same transaction; if it was used before, nothing is written and
        ``Replayed`` is raised (403).

        Outcomes queued meanwhile ride along in the same transaction, so under load each
        webhook call costs one write transaction. SQLite has one writer at a time anyway, so
        there the process's threads queue for it on a lock (woken at once) rather than in
        SQLite's busy handler (which sleeps in steps of milliseconds); on PostgreSQL claims
        run concurrently and take the queued outcomes along when no one else is writing them.
        """
        now = self._now()
        claim = (
            "claim",
            {
                "key": key,
                "openid": openid,
                "msg_type": msg_type,
                "created_at": now,
                "updated_at": now,
            },
        )
        statements = [claim] if nonce is None else [self._nonce(nonce, now), claim]
        draining = self._drain_lock.acquire(blocking=self.sqlite)
        try:
            outcomes = self._take_pending() if draining else []
            first = len(outcomes) if nonce is not None else None
            inserted = self._execute([*outcomes, *statements], first=first)
            if inserted is None:  # the pair was used before: rolled back, outcomes again
                if outcomes:
                    self._execute(outcomes)
                raise Replayed("timestamp and nonce used before")
            return inserted[-1] == 1
        finally:
            if draining:
                self._drain_lock.release()

    def remember_nonce(self, nonce: str) -> None:
        """Insert replay.py's pair key alone (for a request that claims nothing); ``Replayed``
        if it was used before."""
        if self._execute([self._nonce(nonce, self._now())], first=0) is None:
            raise Replayed("timestamp and nonce used before")

    def _nonce(self, nonce: str, now: object) -> tuple[str, dict[str, Any]]:
        return ("nonce", {"key": nonce, "seen_at": now})

    def take_over(self, key: str, stale_after: float) -> bool:
        """Claim ``key`` from a dead owner: True for the one caller that finds it still
        ``working`` and untouched for ``stale_after`` seconds (its ``updated_at`` is renewed)."""
        now = utcnow()
        params = {
            "key": key,
            "updated_at": self._format(now),
            "cutoff": self._format(now - timedelta(seconds=stale_after)),
        }
        give_up = time.monotonic() + _SQLITE_BUSY_SECONDS
        while True:
            conn = self.engine.raw_connection()
            try:
                cursor = conn.cursor()
                try:
                    cursor.execute(self._sql["take_over"], params)
                    taken = cursor.rowcount == 1
                    conn.commit()
                    return taken
                except BaseException:
                    conn.rollback()
                    raise
                finally:
                    cursor.close()
            except self.operational_error as exc:
                if not self.sqlite or "locked" not in str(exc) or time.monotonic() > give_up:
                    raise
            finally:
                conn.close()
            time.sleep(0.001)

    def outcome(self, key: str) -> Outcome | None:
        give_up = time.monotonic() + _SQLITE_BUSY_SECONDS
        while True:
            conn = self.engine.raw_connection()
            try:
                cursor = conn.cursor()
                cursor.execute(self._sql["outcome"], {"key": key})
                row = cursor.fetchone()
                cursor.close()
                break
            except self.operational_error as exc:  # WAL readers wait only in rare cases
                if not self.sqlite or "locked" not in str(exc) or time.monotonic() > give_up:
                    raise
            finally:
                conn.close()
            time.sleep(0.001)
        return Outcome(*row) if row is not None else None

    def wait(self, key: str, deadline: float) -> Outcome | None:
        """Poll until the owner has an outcome or ``deadline`` (``time.monotonic``) passes."""
        delay = self.poll_seconds
        while True:
            found = self.outcome(key)
            if found is not None and found.status != "working":
                return found
            if time.monotonic() + delay > deadline:
                return found
            time.sleep(delay)
            delay = min(delay * 1.5, 0.2)

    # -- outcomes (written behind, in order) ------------------------------------------------

    def record(
        self,
        key: str,
        status: str,
        *,
        reply_text: str | None = None,
        reply_time: int | None = None,
        latency_ms: float | None = None,
    ) -> None:
        """Queue the owner's outcome for ``key``; written within milliseconds."""
        self._ensure_writer()
        with self._pending_cond:
            self._pending.append(
                (
                    "outcome_update",
                    {
                        "key": key,
                        "status": status,
                        "reply_text": reply_text,
                        "reply_time": reply_time,
                        "latency_ms": latency_ms,
                        "updated_at": self._now(),
                    },
                )
            )
            self._pending_cond.notify()

    def flush(self) -> None:
        """Write every queued outcome now."""
        with self._drain_lock:
            outcomes = self._take_pending()
            if outcomes:
                self._execute(outcomes)

    def close(self) -> None:
        """Write what is queued and stop the writer thread."""
        writer = self._writer if self._writer_pid == os.getpid() else None
        if writer is not None:
            with self._pending_cond:
                self._closing = True
                self._pending_cond.notify()
            writer.join(timeout=10)
        self.flush()
        self._writer = None
        self._closing = False
        if self.engine is not self.db.engine:
            self.engine.dispose()  # the ledger's own connections; reopened if used again

    def _take_pending(self) -> list[tuple[str, dict[str, Any]]]:
        with self._pending_cond:
            taken, self._pending = self._pending, []
        return taken

    def _ensure_writer(self) -> None:
        if self._writer is not None and self._writer_pid == os.getpid():
            return
        with self._pending_cond:
            if self._writer is None or self._writer_pid != os.getpid():
                # A writer inherited through fork is not running here: start this process's.
                self._writer = threading.Thread(
                    target=self._write_behind, daemon=True, name="wechat-ledger"
                )
                self._writer_pid = os.getpid()
                self._writer.start()

    def _write_behind(self) -> None:
        """Writes outcomes that no claim has taken along within ``linger`` seconds."""
        while True:
            with self._pending_cond:
                while not self._pending and not self._closing:
                    self._pending_cond.wait()
                if self._closing:
                    return
            time.sleep(self.linger)
            try:
                self.flush()
            except Exception:
                log.exception("could not record outcomes")

    # -- plumbing ---------------------------------------------------------------------------

    def _execute(
        self, statements: list[tuple[str, dict[str, Any]]], first: int | None = None
    ) -> list[int] | None:
        """Run statements in one transaction; the rows each of them changed. With ``first``,
        the statement at that index must change a row (a nonce's first use), or the whole
        transaction is rolled back and None returned."""
        if not self.sqlite:
            return self._execute_once(statements, first)
        # The ledger's SQLite connections do not wait in SQLite's busy handler (which sleeps
        # 1, 2, 5, 10 … ms): another process's write lasts tens of microseconds, so a short
        # retry gets the lock far sooner.
        delay, give_up = 0.0001, time.monotonic() + _SQLITE_BUSY_SECONDS
        while True:
            try:
                return self._execute_once(statements, first)
            except self.operational_error as exc:
                if "locked" not in str(exc) or time.monotonic() > give_up:
                    raise
            time.sleep(delay)
            delay = min(delay * 1.5, 0.002)

    def _execute_once(
        self, statements: list[tuple[str, dict[str, Any]]], first: int | None
    ) -> list[int] | None:
        conn = self.engine.raw_connection()
        try:
            cursor = conn.cursor()
            try:
                if not self.sqlite:
                    cursor.execute("SET LOCAL synchronous_commit TO OFF")
                changed = []
                for index, (name, params) in enumerate(statements):
                    cursor.execute(self._sql[name], params)
                    changed.append(cursor.rowcount)
                    if index == first and cursor.rowcount != 1:
                        conn.rollback()
                        return None
                conn.commit()
                return changed
            except BaseException:
                conn.rollback()
                raise
            finally:
                cursor.close()
        finally:
            conn.close()

    def _now(self) -> object:
        return self._format(utcnow())

    def _format(self, instant: datetime) -> object:
        # SQLite stores DateTime as text in SQLAlchemy's format; drivers of real databases
        # take the datetime itself.
        return instant.strftime("%Y-%m-%d %H:%M:%S.%f") if self.sqlite else instant

    def prune(self, older_than: timedelta) -> int:
        """Forget messages older than any WeChat retry (retries come within seconds)."""
        with self.db.session() as s:
            result = s.execute(
                delete(ProcessedMessage).where(ProcessedMessage.created_at < utcnow() - older_than)
            )
            return int(result.rowcount)  # type: ignore[attr-defined]


_SQLITE_BUSY_SECONDS = 30.0  # as long as the app's own connections wait for a lock
_T = ProcessedMessage.__tablename__
_SQL = {
    # ON CONFLICT DO NOTHING: a retry's claim (or a nonce used before) changes no row, and on
    # PostgreSQL leaves the transaction usable, unlike an IntegrityError.
    "claim": f"INSERT INTO {_T} (key, openid, msg_type, status, created_at, updated_at) "
    "VALUES (%(key)s, %(openid)s, %(msg_type)s, 'working', %(created_at)s, "
    "%(updated_at)s) ON CONFLICT DO NOTHING",
    "nonce": f"INSERT INTO {ReplayNonce.__tablename__} (key, seen_at) "
    "VALUES (%(key)s, %(seen_at)s) ON CONFLICT DO NOTHING",
    "outcome": f"SELECT status, reply_text, reply_time FROM {_T} WHERE key = %(key)s",
    "take_over": f"UPDATE {_T} SET updated_at = %(updated_at)s WHERE key = %(key)s "
    "AND status = 'working' AND updated_at < %(cutoff)s",
    # Keeps the reply text and time already recorded when a later outcome has none.
    "outcome_update": f"UPDATE {_T} SET status = %(status)s, "
    "reply_text = COALESCE(%(reply_text)s, reply_text), "
    "reply_time = COALESCE(%(reply_time)s, reply_time), "
    "latency_ms = COALESCE(%(latency_ms)s, latency_ms), "
    "updated_at = %(updated_at)s WHERE key = %(key)s",
}


def _paramstyle(sql: str, sqlite: bool) -> str:
    """``%(name)s`` (psycopg) → ``:name`` (sqlite3)."""
    return re.sub(r"%\((\w+)\)s", r":\1", sql) if sqlite else sql


def _ledger_engine(db: Database) -> Engine:
    url = db.url
    if not url.startswith("sqlite") or url in ("sqlite://", "sqlite:///:memory:"):
        return db.engine  # PostgreSQL, or an in-memory SQLite that only one engine can see
    engine = make_engine(url)

    @event.listens_for(engine, "connect")
    def _ledger_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        dbapi_conn.execute("PRAGMA synchronous=NORMAL")
        dbapi_conn.execute("PRAGMA busy_timeout=0")  # Ledger._execute retries instead

    return engine
