"""Own records: short, masked, totals, latest months and gaps named; every look audited."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from conftest import CHEN, HUANG, LI, Chat, Sandbox
from sqlalchemy import select

from bot.engine import Bot
from bot.personal.models import AccessLog
from intents.taxonomy import CALC_UNEMPLOYMENT, CONTRIBUTIONS, PENSION, UNEMPLOYMENT_STATUS
from shebao.clock import CHINA, FixedClock

pytestmark = pytest.mark.usefixtures("fixed_clock")  # "This month" of the pension records.


def test_contributions_masked_with_totals_latest_months_and_gaps(chat: Chat) -> None:
    chat.bind(CHEN)
    reply = chat("我社保交了几个月")
    assert reply.intent == CONTRIBUTIONS and reply.outcome == "answered"
    assert "4407**********1239" in reply.text and CHEN["id"] not in reply.text
    assert "累计缴费85个月" in reply.text and "2019-08至2026-10" in reply.text
    assert "断缴2个月：2021-03至2021-04" in reply.text
    assert "2026-10：4800.00 / 384.00 / 768.00 元" in reply.text
    with chat.engine.db.session() as s:
        log = s.scalars(select(AccessLog).where(AccessLog.actor_key == chat.key)).all()
        assert [(a.what, a.via, a.outcome) for a in log] == [("contributions", "self", "shown")]


def test_one_insurance_type_when_named(chat: Chat) -> None:
    chat.bind(CHEN)
    reply = chat("我的医保交了多少个月")
    assert "医疗保险" in reply.text and "养老保险：" not in reply.text


def test_short_record_without_gaps(chat: Chat) -> None:
    chat.bind(HUANG)
    reply = chat("帮我查下我社保交了几个月")
    assert "累计缴费8个月" in reply.text and "没有断缴" in reply.text


def test_pension_paid_this_month(chat: Chat, fixed_clock: FixedClock) -> None:
    fixed_clock.set(datetime(2026, 11, 16, 9, 0, tzinfo=CHINA))  # the demo core pays on the 15th
    chat.bind(LI)
    reply = chat("我这个月养老金到账了吗")
    assert reply.intent == PENSION
    assert "每月2355.37元" in reply.text
    assert "本月（2026-11）养老金2355.37元已于2026-11-15发放到6217***********2422" in reply.text
    assert "2026-11：2355.37元（2026-11-15发放）" in reply.text


def test_pension_not_yet_paid_this_month(chat: Chat, fixed_clock: FixedClock) -> None:
    fixed_clock.set(datetime(2026, 11, 14, 23, 59, tzinfo=CHINA))
    chat.bind(LI)
    reply = chat("我这个月养老金到账了吗")
    assert "本月（2026-11）养老金还没有发放记录" in reply.text
    assert "2026-10：2355.37元（2026-10-15发放）" in reply.text
    assert "2026-11：" not in reply.text


def test_pension_month_is_china_time(chat: Chat, fixed_clock: FixedClock) -> None:
    # 1 December 00:30 in China is still 30 November in UTC: "this month" is December.
    fixed_clock.set(datetime(2026, 11, 30, 16, 30, tzinfo=UTC))
    chat.bind(LI)
    assert "本月（2026-12）养老金还没有发放记录" in chat("我这个月养老金到账了吗").text


def test_no_pension_for_someone_still_working(chat: Chat) -> None:
    chat.bind(CHEN)
    assert "没有查到您按月领取养老金" in chat("我的养老金发了吗").text


def test_no_application_yet(chat: Chat) -> None:
    chat.bind(CHEN)
    reply = chat("我的失业金申请到哪一步了")
    assert reply.intent == UNEMPLOYMENT_STATUS and "没有查到您的失业保险金申请" in reply.text


def test_core_down_is_said_plainly_and_fast(chat: Chat, sandbox: Sandbox) -> None:
    chat.bind(CHEN)
    sandbox.stop()
    started = time.monotonic()
    reply = chat("我社保交了几个月")
    assert time.monotonic() - started < 3.5
    assert "暂时连不上" in reply.text and reply.outcome == "error"


def test_calc_uses_the_core_months_for_a_bound_citizen(chat: Chat) -> None:
    chat.bind(CHEN)
    reply = chat("我能领几个月失业金")
    assert reply.intent == CALC_UNEMPLOYMENT
    assert "累计缴费85个月" in reply.text and "最长可领18个月" in reply.text
    with_years = chat("我交了3年社保失业金能领几个月")
    assert "12个月" in with_years.text and "85个月" not in with_years.text


def test_calc_for_too_few_months(chat: Chat) -> None:
    chat.bind(HUANG)
    assert "8个月，不满1年" in chat("我能领几个月失业金").text


def test_unbound_calc_is_the_general_rule(make_bot: Callable[..., Bot], sandbox: Sandbox) -> None:
    chat = Chat(make_bot(sandbox.url))
    reply = chat("我能领几个月失业金")
    assert "告诉我您交了几年" in reply.text
