"""Time in the sandbox: aware UTC instants outside, naive UTC in the tables, dates in China."""

from __future__ import annotations

from datetime import UTC, date, datetime

from shebao.clock import CHINA
from shebao.clock import now as now_utc

__all__ = ["CHINA", "aware", "china_date", "naive", "now_utc"]


def naive(instant: datetime) -> datetime:
    return instant.astimezone(UTC).replace(tzinfo=None)


def aware(stored: datetime) -> datetime:
    return stored.replace(tzinfo=UTC)


def china_date(instant: datetime) -> date:
    return instant.astimezone(CHINA).date()
