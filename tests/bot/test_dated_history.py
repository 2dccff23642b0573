"""A question naming a past year is answered from the entry in force that year, which says so;
the same question without the year never gets that year's figure."""

from __future__ import annotations

from datetime import date

import pytest

from bot import texts
from knowledge.years import named_year
from shebao.clock import FixedClock
from tests.bot.conftest import Ask

TODAY = date(2026, 11, 20)


@pytest.mark.parametrize(
    ("text", "year"),
    [
        ("2019年那会儿的标准是多少", 2019),
        ("我妈2020年在广东领的基础养老金", 2020),
        ("去年的养老金涨了多少", 2025),
        ("前年办的退休", 2024),
        ("交了15年社保能领多少", None),  # a duration, not a date
        ("2026年的标准", None),  # this year is not history
        ("2035年目标是多少", None),
        ("2019年和2020年哪个高", None),  # two years: no one year to answer for
        ("60周岁退休", None),
    ],
)
def test_named_year(text: str, year: int | None) -> None:
    assert named_year(text, TODAY) == year


def test_a_named_past_year_gets_that_years_entry_with_the_year_said(
    ask: Ask, fixed_clock: FixedClock
) -> None:
    reply = ask("我妈2020年在广东领城乡居民基础养老金，那时候每月最少多少钱")
    assert reply.outcome == "answered"
    assert "180元" in reply.text
    assert reply.text.startswith(texts.AS_OF_HEAD.format(year=2020))


def test_without_the_year_the_expired_figure_is_never_given(
    ask: Ask, fixed_clock: FixedClock
) -> None:
    reply = ask("广东城乡居民基础养老金每月最少多少钱")
    assert "180元" not in reply.text
    assert all(
        c.faq_id != "pension-resident-basic-minimum-guangdong-2020" for c in reply.candidates
    )


def test_a_year_the_old_entry_was_not_in_force_does_not_get_it(
    ask: Ask, fixed_clock: FixedClock
) -> None:
    reply = ask("2023年广东城乡居民基础养老金每月最少多少钱")
    assert "180元" not in reply.text
    assert texts.AS_OF_HEAD.format(year=2023) not in reply.text


def test_a_years_lead_is_more_than_a_tie() -> None:
    from bot.policy import ANSWER_AT, TIE
    from bot.understanding import YEAR_FLOOR, YEAR_LEAD

    assert YEAR_LEAD > TIE
    assert YEAR_FLOOR < ANSWER_AT  # a good dated match is answered even when today's leads
