"""The one place the service reads the calendar time from, and the one place tests fix it.

Every "now" that means a date or an instant (a record's timestamp, an expiry, "this month", an
entry's effective dates, a date a citizen typed) comes from here; intervals measured inside one
process (timeouts, back-off, rate windows) keep ``time.monotonic``. Dates people see and policy
dates are China's (UTC+8), whatever the machine's time zone: a question at 00:30 on 1 January in
China is asked in the new year, although the server's UTC clock still says 31 December.

    from shebao import clock
    clock.now()          # aware UTC instant
    clock.utcnow()       # naive UTC, as the tables store it
    clock.china_today()  # the date in China

Tests install a :class:`FixedClock` with :func:`use` (see the ``fixed_clock`` fixture).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta, timezone

CHINA = timezone(timedelta(hours=8), "CST")

Source = Callable[[], datetime]


def system_now() -> datetime:
    return datetime.now(UTC)


_source: Source = system_now


def now() -> datetime:
    """The current instant, aware, in UTC."""
    return _source().astimezone(UTC)


def utcnow() -> datetime:
    """The current instant as naive UTC (how the tables store instants)."""
    return now().replace(tzinfo=None)


def china_now() -> datetime:
    return now().astimezone(CHINA)


def china_today() -> date:
    return china_now().date()


def timestamp() -> int:
    """Seconds since the epoch (WeChat's CreateTime, token expiry)."""
    return int(now().timestamp())


class FixedClock:
    """A clock put at a given instant. Frozen there, or, with ``running=True``, going on from
    it at the pace of ``time.monotonic`` (so delays and expiries still come round).

    ``clock.set(at)`` and ``clock.advance(hours=49)`` move it."""

    def __init__(self, at: datetime, *, running: bool = False) -> None:
        self.running = running
        self.set(at)

    def __call__(self) -> datetime:
        if not self.running:
            return self.at
        return self.at + timedelta(seconds=time.monotonic() - self._since)

    def set(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime (e.g. tzinfo=CHINA)")
        self.at, self._since = at, time.monotonic()

    def advance(self, **delta: float) -> datetime:
        self.set(self() + timedelta(**delta))
        return self.at


def install(source: Source) -> Source:
    """Make ``source`` the clock; returns the one it replaces."""
    global _source
    previous, _source = _source, source
    return previous


@contextmanager
def use(source: Source) -> Iterator[Source]:
    """Use ``source`` as the clock inside the block."""
    previous = install(source)
    try:
        yield source
    finally:
        install(previous)
