"""The deadline path: an answer that outruns the reply budget goes as a customer-service message.

The engine is made slow (1.0 s against a 0.3 s budget): the passive reply is ``success``
within the budget, and the full answer appears in the send log exactly once, also when
WeChat retries meanwhile.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from webhooks.models import OutboundMessage, ProcessedMessage

SLOW = 1.0
BUDGET = 0.3


@pytest.fixture
def app_config(prepared_database_url: str) -> dict[str, Any]:
    return {
        "database_url": prepared_database_url,
        "wechat_token": "test-token",
        "reply_budget_seconds": BUDGET,
    }


def sent(app: Flask) -> list[OutboundMessage]:
    """Customer-service messages whose send has completed."""
    with app.extensions["shebao"].db.session() as s:
        return list(
            s.scalars(select(OutboundMessage).where(OutboundMessage.status != "sending")).all()
        )


def attempted(app: Flask) -> int:
    with app.extensions["shebao"].db.session() as s:
        return len(s.scalars(select(OutboundMessage.id)).all())


def status(app: Flask, key: str) -> str | None:
    with app.extensions["shebao"].db.session() as s:
        return s.scalar(select(ProcessedMessage.status).where(ProcessedMessage.key == key))


def long_answer(text: str) -> str:
    return f"关于“{text}”：" + "按规定办理，材料齐全当场受理。" * 40  # well over one line


def test_slow_answer_is_success_now_and_a_customer_service_message_later(
    app: Flask, wechat: Any, stub_bot: Any, wait_for: Any
) -> None:
    bot = stub_bot(answer=long_answer, delay=SLOW)
    started = time.monotonic()
    response = wechat.post("text.xml")
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert response.get_data() == b"success"
    assert elapsed < SLOW  # it did not wait for the engine

    [message] = wait_for(lambda: sent(app))
    assert message.openid == "oSheBao-citizen-0001"
    assert message.content == long_answer("灵活就业人员怎么参加养老保险")  # the full answer
    assert (message.transport, message.status) == ("recorded", "recorded")
    assert message.ref == "late:msg:oSheBao-citizen-0001:24800000000000001"
    wait_for(lambda: status(app, "msg:oSheBao-citizen-0001:24800000000000001") == "delivered")
    assert len(bot.calls) == 1

    # A retry after the fact gets success and sends nothing more.
    assert wechat.post("text.xml").get_data() == b"success"
    time.sleep(0.2)
    assert attempted(app) == 1 and len(bot.calls) == 1


def test_retries_while_the_first_is_still_working_send_nothing_twice(
    app: Flask, wechat: Any, stub_bot: Any, wait_for: Any
) -> None:
    bot = stub_bot(delay=SLOW)
    replies: list[bytes] = []

    def post() -> None:
        replies.append(wechat.post("voice_recognition.xml").get_data())

    # Flask's test client is safe to use from several threads: one request per call.
    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
        time.sleep(0.05)
    for thread in threads:
        thread.join(timeout=10)
    assert replies == [b"success"] * 4

    [message] = wait_for(lambda: sent(app))
    assert message.content == "答复：失业金怎么领取"
    time.sleep(SLOW / 2)
    assert attempted(app) == 1
    assert len(bot.calls) == 1


def test_answer_within_the_budget_is_passive_and_sends_nothing(
    app: Flask, wechat: Any, stub_bot: Any
) -> None:
    stub_bot()
    response = wechat.post("text.xml")
    assert wechat.reply_text(response) == "答复：灵活就业人员怎么参加养老保险"
    time.sleep(0.1)
    assert attempted(app) == 0
