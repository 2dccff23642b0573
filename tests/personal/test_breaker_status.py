"""进度 while the core is down or its circuit breaker still open (issue 13, defect 8), through
/wechat with the real engine and the sandbox core over HTTP: the reply says what the bot's own
database knows (the application number, when it was sent) and that the live status is
unavailable, instead of only "暂时连不上"."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import CHEN, GOOD_CARD, Sandbox, text_xml, wechat_app_config
from flask import Flask

from bot.personal import texts as t
from bot.understanding import Understanding
from proxy.breaker import BreakerState
from shebao.clock import FixedClock

OPENID = "oSheBao-breaker-0001"


@pytest.fixture
def app_config(
    prepared_database_url: str,
    sandbox: Sandbox,
    understanding: Understanding,
    monkeypatch: pytest.MonkeyPatch,
) -> dict[str, Any]:
    return wechat_app_config(
        prepared_database_url,
        sandbox,
        understanding,
        monkeypatch,
        4.5,
        secret_key="test-secret-for-sealing",
    )


def test_progress_says_what_is_known_locally_while_the_breaker_is_open(
    app: Flask, wechat: Any, sandbox: Sandbox, fixed_clock: FixedClock
) -> None:
    def say(text: str) -> str:
        response = wechat.post(xml=text_xml(OPENID, text))
        assert response.status_code == 200
        return wechat.reply_text(response) or ""

    for text in ("实名绑定", f"{CHEN['id']} {CHEN['name']} {CHEN['phone']}", "123456"):
        say(text)
    say("我被辞退了，想申请失业金")
    for answer in ("是", "是", GOOD_CARD, CHEN["phone"], "是"):
        say(answer)
    assert "申请已提交" in say("确认")
    [application] = sandbox.applications(CHEN)
    number = application.application_id

    sandbox.stop()  # the core goes down
    for _ in range(3):  # … and stays down long enough for the breaker to open
        down = say("失业金进度")
        assert number in down and "2026-11-20" in down and "查不到最新办理状态" in down, down
    breaker = app.extensions["shebao"].bot.core.breaker
    assert breaker.state is BreakerState.OPEN

    sandbox.start()  # the core is back, the breaker still open for a while
    assert breaker.state is BreakerState.OPEN
    reply = say("失业金进度")
    assert number in reply and "查不到最新办理状态" in reply, reply
    assert reply != t.CORE_DOWN


def test_without_a_local_record_it_is_still_the_plain_core_down(
    app: Flask, wechat: Any, sandbox: Sandbox
) -> None:
    engine = app.extensions["shebao"].bot
    from bot.types import Message

    for text in ("实名绑定", f"{CHEN['id']} {CHEN['name']} {CHEN['phone']}", "123456"):
        engine.handle(Message("wechat", OPENID, text))
    sandbox.stop()
    reply = engine.handle(Message("wechat", OPENID, "失业金进度"))
    assert reply.text == t.CORE_DOWN
