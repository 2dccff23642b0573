"""Calendar months as ``"YYYY-MM"`` strings: checking, stepping, ranges and gaps."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import date

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def is_month(text: str) -> bool:
    return bool(_MONTH.match(text))


def _split(month: str) -> tuple[int, int]:
    m = _MONTH.match(month)
    if not m:
        raise ValueError(f"not a month (YYYY-MM): {month!r}")
    return int(m.group(1)), int(m.group(2))


def add_months(month: str, n: int) -> str:
    year, mon = _split(month)
    index = year * 12 + (mon - 1) + n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def months_between(first: str, last: str) -> Iterator[str]:
    """Every month from ``first`` to ``last``, both included (nothing if last < first)."""
    current = first
    _split(last)
    while current <= last:
        yield current
        current = add_months(current, 1)


def count_months(first: str, last: str) -> int:
    (y1, m1), (y2, m2) = _split(first), _split(last)
    return max(0, (y2 * 12 + m2) - (y1 * 12 + m1) + 1)


def gaps(months: Iterable[str]) -> list[tuple[str, str]]:
    """The runs of missing months between the first and the last of ``months``."""
    ordered = sorted(set(months))
    found = []
    for before, after in zip(ordered, ordered[1:], strict=False):
        if add_months(before, 1) != after:
            found.append((add_months(before, 1), add_months(after, -1)))
    return found
