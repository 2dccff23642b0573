"""kill -9 a few ms after 「确认」 (issue 13, defect 7), through /wechat with the real engine and
the sandbox core over HTTP.

The process dies after the core has the application and before the closed form is saved: the
dialogue state still holds the form (saved with its idempotency key before the core was
called) and the ledger row is left ``working``. WeChat's retry of 「确认」 takes the claim over
and is told the application number; no second application; 进度 then does not say the form
is unfinished.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from conftest import CHEN, GOOD_CARD, Sandbox, text_xml, wechat_app_config
from flask import Flask
from sqlalchemy import update

import bot.engine
import bot.personal.application_form
from bot.understanding import Understanding
from shebao.clock import FixedClock, utcnow
from webhooks.models import ProcessedMessage

OPENID = "oSheBao-crash-0001"


class Killed(BaseException):
    """Stands in for SIGKILL: nothing after it runs (no handler catches a BaseException)."""


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
        4.0,
        secret_key="test-secret-for-sealing",
    )


@pytest.mark.parametrize("retried", [True, False], ids=["retried", "no-retry"])
def test_a_crash_behind_confirm_then_progress_does_not_contradict_itself(
    app: Flask,
    wechat: Any,
    sandbox: Sandbox,
    fixed_clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
    retried: bool,
) -> None:
    def say(text: str, msg_id: int | None = None) -> str:
        response = wechat.post(xml=text_xml(OPENID, text, msg_id))
        assert response.status_code == 200
        app.extensions["wechat"].ledger.flush()
        return wechat.reply_text(response) or ""

    for text in ("实名绑定", f"{CHEN['id']} {CHEN['name']} {CHEN['phone']}"):
        say(text)
    assert "绑定成功" in say("123456")
    say("我被辞退了，想申请失业金")
    for answer in ("是", "是", GOOD_CARD, CHEN["phone"]):
        say(answer)
    assert "请核对" in say("是")

    real_submit = bot.personal.application_form.submit

    def submit_then_die(*args: Any, **kwargs: Any) -> Any:
        real_submit(*args, **kwargs)  # the core has the application …
        raise Killed  # … and the process dies before anything else

    monkeypatch.setattr(bot.personal.application_form, "submit", submit_then_die)
    confirm = 24877700000000001
    responder = app.extensions["wechat"]
    query, body = wechat.build(xml=text_xml(OPENID, "确认", confirm))
    with pytest.raises(Killed):  # the worker thread died with it
        responder.respond(responder.codec.decode(body, query), time.monotonic())
    monkeypatch.setattr(bot.personal.application_form, "submit", real_submit)
    key = f"msg:{OPENID}:{confirm}"
    with app.extensions["shebao"].db.session() as s:  # what the dead process left
        s.execute(
            update(ProcessedMessage)
            .where(ProcessedMessage.key == key)
            .values(status="working", updated_at=utcnow())
        )
    [application] = sandbox.applications(CHEN)

    fixed_clock.advance(seconds=5)
    if retried:  # WeChat's retry of the same message takes the dead claim over
        retry = say("确认", confirm)
        assert application.application_id in retry, retry
        assert "还没填完" not in retry
        assert len(sandbox.applications(CHEN)) == 1

    progress = say("失业金进度")
    assert application.application_id in progress, progress
    assert "还没填完" not in progress and "继续" not in progress
    again = say("确认")  # a second 确认 later: the same number, never a second application
    assert application.application_id in again and "还没填完" not in again
    assert len(sandbox.applications(CHEN)) == 1
