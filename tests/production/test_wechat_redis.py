"""The WeChat webhook with Redis: a retry Redis knows is answered from the first attempt, a claim
only Redis remembers does not swallow the message, and the per-user rate limit answers
politely."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import redis

from shebao.clock import FixedClock
from webhooks.wechat import texts as wechat_texts

pytestmark = pytest.mark.usefixtures("redis_url")


@pytest.fixture
def app_config(prepared_database_url: str, redis_url: str) -> dict[str, Any]:
    return {
        "database_url": prepared_database_url,
        "wechat_token": "test-token",
        "redis_url": redis_url,
    }


def message(msg_id: int, openid: str, text: str = "你好") -> str:
    return (
        f"<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[{openid}]]>"
        f"</FromUserName><CreateTime>1732500000</CreateTime><MsgType><![CDATA[text]]>"
        f"</MsgType><Content><![CDATA[{text}]]></Content><MsgId>{msg_id}</MsgId></xml>"
    )


def fresh() -> tuple[int, str]:
    return uuid.uuid4().int % 10**17, f"o-{uuid.uuid4().hex[:12]}"


def test_a_retry_gets_the_first_answer(wechat: Any, app: Any) -> None:
    app.extensions["shebao"].warm()  # as serve does: a cold engine would miss the reply budget
    msg_id, openid = fresh()
    first = wechat.reply_text(wechat.post(xml=message(msg_id, openid)))
    app.extensions["wechat"].ledger.flush()
    again = wechat.reply_text(wechat.post(xml=message(msg_id, openid)))
    assert first and again == first


def test_a_claim_only_redis_remembers_does_not_swallow_the_message(
    wechat: Any, redis_url: str
) -> None:
    msg_id, openid = fresh()
    # As if a worker had claimed it in Redis and died before the database insert.
    redis.Redis.from_url(redis_url).set(f"shebao:wechat-msg:msg:{openid}:{msg_id}", b"1", ex=60)
    reply = wechat.reply_text(wechat.post(xml=message(msg_id, openid)))
    assert reply  # answered, not "success"


def test_the_rate_limit_answers_politely(wechat: Any, fixed_clock: FixedClock) -> None:
    # Redis counts per minute slot of the service clock: a fixed clock at the top of a minute
    # keeps the 21 messages in one slot however slow the machine (a real minute could turn).
    _, openid = fresh()
    replies = [wechat.reply_text(wechat.post(xml=message(fresh()[0], openid))) for _ in range(21)]
    assert wechat_texts.RATE_LIMITED not in replies[:20]
    assert replies[20] == wechat_texts.RATE_LIMITED
    _, someone_else = fresh()
    other = wechat.reply_text(wechat.post(xml=message(fresh()[0], someone_else)))
    assert other != wechat_texts.RATE_LIMITED


def test_a_replayed_query_string_is_refused_through_redis(
    wechat: Any, app: Any, redis_url: str
) -> None:
    from sqlalchemy import func, select

    from webhooks.models import ReplayNonce

    msg_id, openid = fresh()
    query, body = wechat.build(xml=message(msg_id, openid))
    assert wechat.post_raw(query, body).status_code == 200
    forged = message(fresh()[0], "oVictim-openid").encode()
    assert wechat.post_raw(query, forged).status_code == 403
    key = f"shebao:wechat-nonce:{query['timestamp']}:{query['nonce']}"
    assert redis.Redis.from_url(redis_url).ttl(key) > 300  # remembered past the window
    with app.extensions["shebao"].db.session() as s:  # Redis answered: no database write
        assert s.scalar(select(func.count()).select_from(ReplayNonce)) == 0
