"""Redis, when ``REDIS_URL`` is set: one client per process, short timeouts, and a breaker.

Redis only ever holds what can be lost (the shared WeChat access_token, retry claims, rate-limit
counters); the database stays the record. So every use of Redis goes through ``RedisHub.call``
with a fallback: when Redis is down the call returns the fallback at once and the caller does
what it does without Redis (the database, process memory). After a failure the hub does not try
Redis again for ``retry_after`` seconds, so a dead Redis costs one timeout per interval, not one
per request. ``/readyz`` reports ``redis: down`` (status ``degraded``) meanwhile.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

PREFIX = "shebao:"


class RedisHub:
    """A lazily connected client for ``url``; ``call`` never raises a Redis error."""

    def __init__(self, url: str, *, socket_timeout: float = 0.25, retry_after: float = 3.0) -> None:
        self.url = url
        self.socket_timeout = socket_timeout
        self.retry_after = retry_after
        self._client: Any = None
        self._pid = 0
        self._down_until = 0.0
        self._lock = threading.Lock()

    @property
    def client(self) -> Any:
        """The ``redis.Redis`` of this process (a forked child makes its own)."""
        if self._client is None or self._pid != os.getpid():
            with self._lock:
                if self._client is None or self._pid != os.getpid():
                    import redis

                    self._client = redis.Redis.from_url(
                        self.url,
                        socket_timeout=self.socket_timeout,
                        socket_connect_timeout=self.socket_timeout,
                        health_check_interval=30,
                    )
                    self._pid = os.getpid()
        return self._client

    @property
    def available(self) -> bool:
        """False while the breaker is open (Redis failed within ``retry_after`` seconds)."""
        return time.monotonic() >= self._down_until

    def call(self, operation: str, fn: Callable[[Any], T], fallback: T) -> T:
        """``fn(client)``, or ``fallback`` when Redis is (or just was) unavailable."""
        if not self.available:
            _fallback(operation)
            return fallback
        try:
            return fn(self.client)
        except Exception as exc:  # redis.RedisError, OSError, timeouts: all mean "not now"
            if not _is_redis_failure(exc):
                raise
            was_up = self.available
            self._down_until = time.monotonic() + self.retry_after
            if was_up:
                log.warning(
                    "redis unavailable (%s: %s); degraded for %.0f s",
                    type(exc).__name__,
                    exc,
                    self.retry_after,
                )
            _fallback(operation)
            return fallback

    def ping(self) -> bool:
        """A real round trip (for /readyz), which also closes the breaker when Redis is back."""
        try:
            ok = bool(self.client.ping())
        except Exception as exc:
            if not _is_redis_failure(exc):
                raise
            self._down_until = time.monotonic() + self.retry_after
            return False
        self._down_until = 0.0
        return ok


def _is_redis_failure(exc: BaseException) -> bool:
    import redis

    return isinstance(exc, redis.RedisError | OSError | TimeoutError)


def _fallback(operation: str) -> None:
    from shebao import metrics

    metrics.redis_fallback(operation)


_hubs: dict[str, RedisHub] = {}
_hubs_lock = threading.Lock()


def hub_for(url: str | None) -> RedisHub | None:
    """The process's hub for ``url`` (None without a URL: run without Redis)."""
    if not url:
        return None
    with _hubs_lock:
        hub = _hubs.get(url)
        if hub is None:
            hub = _hubs[url] = RedisHub(url)
        return hub


class RedisClaims:
    """First-come claims of a key with a time-to-live (``SET key 1 NX EX ttl``).

    In front of the database's own claim (the retry ledger): a retry that Redis already knows
    is turned away without a database write. ``claim`` returns None when Redis cannot say, and
    the caller decides by the database alone.
    """

    def __init__(self, hub: RedisHub, namespace: str, ttl_seconds: int = 600) -> None:
        self.hub = hub
        self.namespace = namespace
        self.ttl = ttl_seconds

    def _key(self, key: str) -> str:
        return f"{PREFIX}{self.namespace}:{key}"

    def claim(self, key: str) -> bool | None:
        return self.hub.call(
            "claim", lambda r: bool(r.set(self._key(key), b"1", nx=True, ex=self.ttl)), None
        )

    def release(self, key: str) -> None:
        """Undo a claim whose owner could not go on (so a retry may try again)."""
        self.hub.call("release", lambda r: r.delete(self._key(key)), None)
