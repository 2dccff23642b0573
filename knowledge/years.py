"""The past year a question names, so an answer can come from the entry in force that year.

Only four-digit years (2019年, 2019年度) and 去年/前年 count: 「交了15年」 is a duration, not a
date. A year that has not ended yet is not history, so it is never returned.
"""

from __future__ import annotations

import re
from datetime import date

FOUR_DIGIT = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年(?!龄|限)")
RELATIVE = {"前年": 2, "去年": 1}


def named_year(text: str, today: date) -> int | None:
    """The one past year ``text`` asks about, or None (no year, this year, or several years)."""
    years = {int(y) for y in FOUR_DIGIT.findall(text)}
    years |= {today.year - back for word, back in RELATIVE.items() if word in text}
    past = {y for y in years if 1990 <= y < today.year}
    if len(past) != 1 or len(years) != 1:
        return None
    return past.pop()
