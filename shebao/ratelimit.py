"""Per-user rate limits: at most ``limit`` messages per ``window`` seconds per user.

With Redis the count is shared by every worker and host (a counter per user and window,
``INCR`` + ``EXPIRE``); without Redis, or while it is down, each process counts in its own
memory (a sliding window per user), which is as much as one process can know.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque

from shebao import clock
from shebao.redis import PREFIX, RedisHub

DEFAULT_LIMIT = 20
DEFAULT_WINDOW = 60.0


class MemoryWindow:
    """Sliding-window counts in this process, for at most ``max_users`` recent users."""

    def __init__(self, limit: int, window: float, max_users: int = 50_000) -> None:
        self.limit = limit
        self.window = window
        self.max_users = max_users
        self._seen: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def allow(self, user: str) -> bool:
        now = time.monotonic()
        with self._lock:
            times = self._seen.pop(user, None) or deque()
            while times and times[0] <= now - self.window:
                times.popleft()
            allowed = len(times) < self.limit
            if allowed:
                times.append(now)
            self._seen[user] = times
            while len(self._seen) > self.max_users:
                self._seen.popitem(last=False)
            return allowed


class RateLimiter:
    def __init__(
        self,
        hub: RedisHub | None,
        *,
        limit: int = DEFAULT_LIMIT,
        window: float = DEFAULT_WINDOW,
        namespace: str = "rate",
    ) -> None:
        self.hub = hub
        self.limit = limit
        self.window = window
        self.namespace = namespace
        self.memory = MemoryWindow(limit, window)

    def allow(self, user: str) -> bool:
        """Count one message of ``user``; False when it is over the limit."""
        if self.limit <= 0:
            return True
        if self.hub is not None:
            slot = clock.timestamp() // self.window
            key = f"{PREFIX}{self.namespace}:{user}:{slot}"
            ttl = int(self.window) + 1

            def count(r):  # type: ignore[no-untyped-def]
                pipe = r.pipeline(transaction=False)
                pipe.incr(key)
                pipe.expire(key, ttl)
                return int(pipe.execute()[0])

            seen = self.hub.call("rate_limit", count, None)
            if seen is not None:
                return seen <= self.limit
        return self.memory.allow(user)
