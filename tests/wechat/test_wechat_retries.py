"""Retry de-duplication: WeChat re-sends a message it got no reply to; it is processed once.

The concurrent test fires identical signed posts from several threads at a real threaded
HTTP server at the same instant: one processing, identical replies.
"""

from __future__ import annotations

import http.client
import threading
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import Flask
from sqlalchemy import select

from shebao import clock
from webhooks.models import ProcessedMessage
from webhooks.wechat import texts

ANSWER = "答复：灵活就业人员怎么参加养老保险"


def ledger(app: Flask) -> list[tuple[str, str, str | None]]:
    with app.extensions["shebao"].db.session() as s:
        rows = s.execute(
            select(ProcessedMessage.key, ProcessedMessage.status, ProcessedMessage.reply_text)
        ).all()
    return [tuple(row) for row in rows]


def test_a_retry_gets_the_first_reply_byte_for_byte(app: Flask, wechat: Any, bot: Any) -> None:
    first = wechat.post("text.xml")
    # WeChat's retry: same message, new timestamp/nonce/signature.
    retry = wechat.post("text.xml", timestamp=str(clock.timestamp() + 5), nonce="77")
    assert first.status_code == retry.status_code == 200
    assert retry.get_data() == first.get_data()
    assert len(bot.calls) == 1
    assert ledger(app) == [("msg:oSheBao-citizen-0001:24800000000000001", "replied", ANSWER)]


def test_an_event_retry_is_recognised_by_user_and_time(app: Flask, wechat: Any, bot: Any) -> None:
    first = wechat.post("event_click_menu_human.xml")
    retry = wechat.post("event_click_menu_human.xml")
    assert retry.get_data() == first.get_data()
    assert bot.texts == ["转人工"]
    assert [key for key, *_ in ledger(app)] == ["evt:oSheBao-citizen-0001:1732500106"]


def test_a_retried_fixed_reply_is_identical(app: Flask, wechat: Any, bot: Any) -> None:
    first = wechat.post("event_subscribe.xml")
    retry = wechat.post("event_subscribe.xml")
    assert wechat.reply_text(first) == texts.WELCOME
    assert retry.get_data() == first.get_data()
    assert len(ledger(app)) == 1


def test_concurrent_identical_posts_are_processed_once(
    app: Flask, live_server: str, wechat: Any, stub_bot: Any
) -> None:
    bot = stub_bot(delay=0.3)  # long enough for every copy to arrive while the first works
    copies = 8
    barrier = threading.Barrier(copies)
    results: list[tuple[int, bytes]] = []
    lock = threading.Lock()
    url = urlsplit(live_server)
    host = url.hostname
    assert host is not None

    def post() -> None:
        query, body = wechat.build("text.xml")  # each copy signed anew, as WeChat does
        conn = http.client.HTTPConnection(host, url.port, timeout=10)
        try:
            barrier.wait()
            conn.request(
                "POST",
                "/wechat?" + urlencode(query),
                body=body,
                headers={"Content-Type": "text/xml"},
            )
            response = conn.getresponse()
            with lock:
                results.append((response.status, response.read()))
        finally:
            conn.close()

    threads = [threading.Thread(target=post) for _ in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=15)

    assert len(results) == copies
    assert {status for status, _ in results} == {200}
    bodies = {body for _, body in results}
    assert len(bodies) == 1, bodies
    assert wechat.reply_text(bodies.pop()) == ANSWER
    assert len(bot.calls) == 1
    assert ledger(app) == [("msg:oSheBao-citizen-0001:24800000000000001", "replied", ANSWER)]


def test_another_users_message_with_the_same_msgid_is_not_a_retry(
    app: Flask, wechat: Any, stub_bot: Any
) -> None:
    """Issue 13, defect 3: the ledger keyed on MsgId alone gave the second openid the first
    openid's reply (a personal record) and dropped its own message."""
    bot = stub_bot(answer=lambda text: f"只给提问的人：{text}")
    victim = wechat.load("text.xml")
    other = victim.replace("oSheBao-citizen-0001", "oSheBao-citizen-0002").replace(
        "灵活就业人员怎么参加养老保险", "失业金怎么领"
    )
    first = wechat.reply_text(wechat.post(xml=victim))
    second = wechat.reply_text(wechat.post(xml=other))  # same MsgId 24800000000000001
    assert first == "只给提问的人：灵活就业人员怎么参加养老保险"
    assert second == "只给提问的人：失业金怎么领"
    assert [(m.user, m.text) for m in bot.calls] == [
        ("oSheBao-citizen-0001", "灵活就业人员怎么参加养老保险"),
        ("oSheBao-citizen-0002", "失业金怎么领"),
    ]
    assert sorted(key for key, *_ in ledger(app)) == [
        "msg:oSheBao-citizen-0001:24800000000000001",
        "msg:oSheBao-citizen-0002:24800000000000001",
    ]
    # and each one's own retry still gets that one's reply
    app.extensions["wechat"].ledger.flush()
    assert wechat.reply_text(wechat.post(xml=other)) == second
    assert len(bot.calls) == 2


def test_an_overlong_from_user_name_is_400(wechat: Any, bot: Any) -> None:
    xml = wechat.load("text.xml").replace("oSheBao-citizen-0001", "o" * 5000)
    assert wechat.post(xml=xml).status_code == 400
    assert bot.calls == []
