"""Replay protection for signed WeChat requests: a time window and a memory of nonces.

WeChat's URL signature covers only the token, ``timestamp`` and ``nonce``, never the body. A
signed query string that leaks (an access log, a proxy, a published sample) would otherwise let
anyone post any body, as any openid, for ever. So a push is accepted only when

* its ``timestamp`` is within ``window`` seconds of now (``shebao.clock``), either way, and
* its (``timestamp``, ``nonce``) pair has not been used before: each pair is remembered for
  twice the window (past that, the window refuses the timestamp anyway).

The memory is Redis (``SET NX EX``, shared by every process and host) when ``REDIS_URL`` is set
and Redis answers, and the ``wechat_replay_nonce`` table otherwise (its primary key makes the
first use atomic across processes). On the webhook's path ``first_use`` asks Redis and, when
the table must decide, returns the pair's key for the retry ledger to insert in the same
transaction as the message's claim (dedup.py): one write per message, not two. WeChat signs
every retry anew (new timestamp and nonce), so retries are not refused here; the retry ledger
recognises them by their message key.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from shebao import clock
from shebao.db import Database
from shebao.redis import PREFIX, RedisHub
from webhooks.models import ReplayNonce
from webhooks.wechat.protocol import BadSignature

log = logging.getLogger("shebao.wechat.replay")

MAX_NONCE = 64
PRUNE_EVERY = 200  # database inserts between two deletions of pairs past the memory


class Replayed(BadSignature):
    """A stale timestamp or a (timestamp, nonce) pair used before: 403, nothing processed."""


class ReplayGuard:
    def __init__(self, db: Database, hub: RedisHub | None, window: int) -> None:
        self.db = db
        self.hub = hub
        self.window = window
        self.memory_seconds = 2 * window
        self._inserts = 0
        self._lock = threading.Lock()

    def check_fresh(self, timestamp: str) -> None:
        """Refuse a ``timestamp`` that is not a number, or is outside the window."""
        try:
            sent = int(timestamp)
        except ValueError as exc:
            raise Replayed("timestamp is not a number") from exc
        drift = clock.timestamp() - sent
        if abs(drift) > self.window:
            raise Replayed(f"timestamp {drift:+d} s from now, outside the {self.window} s window")

    def remember(self, timestamp: str, nonce: str) -> None:
        """Record the pair's first use; refuse (``Replayed``) any later one."""
        key = self.first_use(timestamp, nonce)
        if key is not None and not self._database_first(key):
            raise Replayed("timestamp and nonce used before")

    def first_use(self, timestamp: str, nonce: str) -> str | None:
        """Redis's verdict on the pair (``Replayed`` if used before, None if this is its first
        use), or, without Redis or while it is down, the pair's key for the table: the caller
        inserts it (``Ledger.claim(nonce=…)``) and then calls ``inserted()``."""
        if not nonce or len(nonce) > MAX_NONCE or len(timestamp) > 20:
            raise Replayed("nonce missing or too long")
        key = f"{timestamp}:{nonce}"
        first = self._redis_first(key)
        if first is None:
            return key
        if not first:
            raise Replayed("timestamp and nonce used before")
        return None

    def inserted(self) -> None:
        """A pair went into the table: every ``PRUNE_EVERY`` of them, forget the old ones."""
        with self._lock:
            self._inserts += 1
            due = self._inserts % PRUNE_EVERY == 0
        if due:
            self.prune()

    def _redis_first(self, key: str) -> bool | None:
        if self.hub is None:
            return None
        name = f"{PREFIX}wechat-nonce:{key}"
        ttl = self.memory_seconds
        return self.hub.call(
            "replay_nonce", lambda r: bool(r.set(name, b"1", nx=True, ex=ttl)), None
        )

    def _database_first(self, key: str) -> bool:
        try:
            with self.db.session() as s:
                s.add(ReplayNonce(key=key, seen_at=clock.utcnow()))
        except IntegrityError:
            return False
        self.inserted()
        return True

    def prune(self) -> int:
        """Forget pairs older than the memory (the window refuses their timestamps anyway)."""
        cutoff = clock.utcnow() - timedelta(seconds=self.memory_seconds)
        try:
            with self.db.session() as s:
                result = s.execute(delete(ReplayNonce).where(ReplayNonce.seen_at < cutoff))
                return int(result.rowcount)  # type: ignore[attr-defined]
        except Exception:  # housekeeping: the next round tries again
            log.exception("could not prune replay nonces")
            return 0
