"""After a crash, a retry gets the answer (issue 13, defect 7): a ledger claim left ``working``
for longer than the reply budget has a dead owner, and the next WeChat retry takes it over and
processes the message, exactly once. A claim that is merely slow is not taken."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from shebao.clock import FixedClock
from webhooks.models import ProcessedMessage

KEY = "msg:oSheBao-citizen-0001:24800000000000001"
ANSWER = "答复：灵活就业人员怎么参加养老保险"


@pytest.fixture
def app_config(prepared_database_url: str) -> dict[str, Any]:
    return {
        "database_url": prepared_database_url,
        "wechat_token": "test-token",
        "reply_budget_seconds": 0.5,
    }


def crashed_claim(app: Flask) -> None:
    """What a process killed while working the message leaves: its claim, ``working``."""
    ledger = app.extensions["wechat"].ledger
    assert ledger.claim(KEY, "oSheBao-citizen-0001", "text")


def row(app: Flask) -> tuple[str, str | None]:
    with app.extensions["shebao"].db.session() as s:
        found = s.get(ProcessedMessage, KEY)
        assert found is not None
        return found.status, found.reply_text


def test_a_retry_takes_over_a_claim_older_than_the_budget(
    app: Flask, wechat: Any, bot: Any, fixed_clock: FixedClock
) -> None:
    crashed_claim(app)
    fixed_clock.advance(seconds=5)  # WeChat's retry comes about 5 s later
    retry = wechat.post("text.xml")
    assert wechat.reply_text(retry) == ANSWER
    assert bot.texts == ["灵活就业人员怎么参加养老保险"]
    app.extensions["wechat"].ledger.flush()
    assert row(app) == ("replied", ANSWER)
    again = wechat.post("text.xml")  # the next retry gets that answer; no second processing
    assert again.get_data() == retry.get_data() and len(bot.calls) == 1


def test_a_claim_within_the_budget_is_not_taken(
    app: Flask, wechat: Any, bot: Any, fixed_clock: FixedClock
) -> None:
    crashed_claim(app)
    fixed_clock.advance(seconds=0.2)  # the owner may still be working
    assert wechat.post("text.xml").get_data() == b"success"
    assert bot.calls == [] and row(app)[0] == "working"


def test_only_one_of_concurrent_retries_takes_over(
    app: Flask, live_server: str, wechat: Any, stub_bot: Any, fixed_clock: FixedClock
) -> None:
    import http.client
    from urllib.parse import urlencode, urlsplit

    bot = stub_bot(delay=0.2)
    crashed_claim(app)
    fixed_clock.advance(seconds=5)
    copies = 6
    barrier = threading.Barrier(copies)
    bodies: list[bytes] = []
    lock = threading.Lock()
    url = urlsplit(live_server)

    def post() -> None:
        query, body = wechat.build("text.xml")
        conn = http.client.HTTPConnection(url.hostname or "", url.port, timeout=10)
        try:
            barrier.wait()
            conn.request("POST", "/wechat?" + urlencode(query), body=body)
            data = conn.getresponse().read()
        finally:
            conn.close()
        with lock:
            bodies.append(data)

    threads = [threading.Thread(target=post) for _ in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(bot.calls) == 1  # exactly one retry took the claim over
    assert len(bodies) == copies


def test_take_over_is_atomic(app: Flask, fixed_clock: FixedClock) -> None:
    crashed_claim(app)
    fixed_clock.advance(seconds=5)
    ledger = app.extensions["wechat"].ledger
    assert [ledger.take_over(KEY, 1.5) for _ in range(3)] == [True, False, False]
    with app.extensions["shebao"].db.session() as s:
        assert s.scalars(select(ProcessedMessage.status)).all() == ["working"]
