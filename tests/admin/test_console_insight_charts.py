"""数据洞察 readable: charts drawn in CSS pixels (text at its stylesheet size on any width), round
value ticks, outcome rates over time, how often the bot was unsure, and the questions that most
often ended unanswered."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from console_helpers import AuthActions
from flask import Flask
from flask.testing import FlaskClient

from bot.models import Exchange
from shebao.clock import utcnow
from webhooks.admin import charts

pytestmark = pytest.mark.usefixtures("fixed_clock")


def test_charts_have_no_viewbox_and_round_ticks() -> None:
    svg = str(charts.columns(["12-01", "12-02", "12-03"], [3, 17, 9], "每日提问量"))
    assert "viewBox" not in svg and 'width="100%"' in svg  # text is not scaled down
    ticks = re.findall(r'class="chart-tick chart-axis-label"[^>]*>(\d+)<', svg)
    assert ticks == ["0", "5", "10", "15", "20"]
    assert charts.nice_ticks(0) == [0.0, 1.0]
    assert charts.nice_ticks(3) == [0, 1, 2, 3]
    assert charts.nice_ticks(230) == [0, 100, 200, 300]
    bars = str(charts.bars(["一个很长很长很长很长的问题"], [4], "排行"))
    assert "一个很长很长很长很…" in bars and "<title>一个很长很长很长很长的问题</title>" in bars


def _seed(app: Flask) -> None:
    now = utcnow()
    rows = [
        # (days ago, outcome, confidence, message)
        *[(0, "answered", 0.9, "失业金怎么领")] * 4,
        (0, "answered", 0.55, "失业金怎么领取呢"),  # answered, but unsure
        (0, "clarified", 0.5, "养老金"),
        *[(1, "abstained", 0.1, "退役军人社保怎么接续")] * 3,
        (1, "abstained", 0.1, "退役军人社保怎么接续？"),  # the same question
        (1, "abstained", 0.04, "都不是"),  # a turn, not a question
        (2, "abstained", 0.2, "社保卡能在国外用吗"),
        (2, "handed_off", 0.9, "转人工"),
    ]
    with app.extensions["shebao"].db.session() as s:
        for i, (ago, outcome, confidence, message) in enumerate(rows):
            s.add(
                Exchange(
                    channel="wechat",
                    user_key=f"wechat:u{i}",
                    message=message,
                    normalized=message,
                    intent="policy.faq",
                    confidence=confidence,
                    outcome=outcome,
                    reply="…",
                    latency_ms=1.0,
                    created_at=now - timedelta(days=ago),
                )
            )


def _csv(client: FlaskClient, url: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(client.get(url).get_data().decode("utf-8-sig"))))


def test_rates_over_time_unsure_and_the_most_unanswered(
    client: FlaskClient, auth: AuthActions, app: Flask
) -> None:
    _seed(app)
    auth.login("editor")
    page = client.get("/admin/insight?days=7").get_data(as_text=True)
    assert "回答结果比例（%，按天）" in page and 'class="legend"' in page
    assert "把握不大（置信度低于 0.6）的 8 个" in page  # 1 + 1 + 4 + 1 + 1 of 13
    unanswered = page.split('id="unanswered"')[1].split("</section>")[0]
    listed = re.findall(r"<li><a [^>]+>([^<]+)</a>（(\d+) 次）</li>", unanswered)
    assert listed == [("退役军人社保怎么接续", "4"), ("社保卡能在国外用吗", "1")]

    rates = _csv(client, "/admin/insight/rates.csv?days=7")
    assert rates[0] == [
        "period_start",
        "questions",
        "answered_percent",
        "clarified_percent",
        "abstained_percent",
        "handed_off_percent",
    ]
    assert len(rates) == 8
    today, yesterday, before = rates[-1], rates[-2], rates[-3]
    assert today[1:4] == ["6", "83.3", "16.7"]
    assert yesterday[1] == "5" and yesterday[4] == "100.0"
    assert before[1] == "2" and before[4:] == ["50.0", "50.0"]
    assert _csv(client, "/admin/insight/unanswered.csv?days=7")[1] == ["退役军人社保怎么接续", "4"]

    weekly = client.get("/admin/insight?days=90").get_data(as_text=True)
    assert "回答结果比例（%，按周）" in weekly
    assert len(_csv(client, "/admin/insight/rates.csv?days=90")) == 1 + 13  # 90 days in weeks
