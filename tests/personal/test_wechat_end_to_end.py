"""The whole way through /wechat with the real engine and the sandbox core over HTTP: a slow core
still gets the citizen an answer within WeChat's budget — passively when the client's own budget
allows, else later as a customer-service message (the webhook's background path)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from conftest import CHEN, Sandbox, text_xml, wechat_app_config
from flask import Flask
from proxy_servers import wait_until
from sqlalchemy import select

from bot.types import Message
from bot.understanding import Understanding
from webhooks.models import OutboundMessage


@pytest.fixture
def app_config(
    prepared_database_url: str,
    sandbox: Sandbox,
    understanding: Understanding,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> dict[str, Any]:
    budget = getattr(request, "param", 3.5)
    return wechat_app_config(prepared_database_url, sandbox, understanding, monkeypatch, budget)


def bind(app: Flask, openid: str) -> None:
    engine = app.extensions["shebao"].bot
    for text in ("实名绑定", f"{CHEN['id']} {CHEN['name']} {CHEN['phone']}", "123456"):
        reply = engine.handle(Message("wechat", openid, text))
    assert "绑定成功" in reply.text


def test_slow_core_answered_passively_within_the_budget(
    app: Flask, wechat: Any, sandbox: Sandbox
) -> None:
    openid = "oSheBao-e2e-slow"
    bind(app, openid)
    sandbox.faults(delay_seconds=3.0)
    started = time.monotonic()
    response = wechat.post(xml=text_xml(openid, "查我的社保"))
    elapsed = time.monotonic() - started
    assert elapsed < 4.5, elapsed  # WeChat gives up at 5 s
    assert "暂时连不上" in (wechat.reply_text(response) or "")
    sandbox.faults()


@pytest.mark.parametrize("app_config", [0.3], indirect=True)
def test_over_budget_answer_goes_out_later(app: Flask, wechat: Any, sandbox: Sandbox) -> None:
    openid = "oSheBao-e2e-late"
    bind(app, openid)
    sandbox.faults(delay_seconds=0.8, times=1)
    response = wechat.post(xml=text_xml(openid, "查我的社保"))
    assert wechat.reply_text(response) is None  # "success": the answer follows

    def sent() -> OutboundMessage | None:
        with app.extensions["shebao"].db.session() as s:
            return s.scalar(select(OutboundMessage).where(OutboundMessage.openid == openid))

    def finished() -> bool:  # the row is written as "sending" first, then marked done
        row = sent()
        return row is not None and row.status != "sending"

    assert wait_until(finished, timeout=10)
    late = sent()
    assert late is not None and late.status == "recorded"
    assert "累计缴费85个月" in late.content and "4407**********1239" in late.content
