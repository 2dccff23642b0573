"""Replayed signed URLs (issue 13, defect 1): the 300 s window, the memory of nonces, safe mode.

WeChat's URL signature covers token, timestamp and nonce only, not the body. Each test here
sends the attack through ``/wechat`` with signatures made as WeChat makes them and asserts a
403 with nothing processed: no engine call, no ledger row.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from app import create_app
from shebao.clock import FixedClock
from shebao.settings import SettingsError
from webhooks.models import ProcessedMessage, ReplayNonce

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE = json.loads((FIXTURES / "safe_mode_official.json").read_text(encoding="utf-8"))
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


def ledger_rows(app: Flask) -> int:
    with app.extensions["shebao"].db.session() as s:
        return int(s.scalar(select(func.count()).select_from(ProcessedMessage)) or 0)


def victim_message(openid: str, msg_id: int, text: str) -> str:
    return (
        f"<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[{openid}]]>"
        f"</FromUserName><CreateTime>1732500000</CreateTime><MsgType><![CDATA[text]]>"
        f"</MsgType><Content><![CDATA[{text}]]></Content><MsgId>{msg_id}</MsgId></xml>"
    )


@pytest.mark.parametrize("offset", [-301, 301, -3600 * 24 * 365])
def test_a_timestamp_outside_the_window_is_403_and_nothing_is_processed(
    app: Flask, wechat: Any, bot: Any, fixed_clock: FixedClock, offset: int
) -> None:
    now = int(fixed_clock().timestamp())
    response = wechat.post("text.xml", timestamp=str(now + offset))
    assert response.status_code == 403
    assert bot.calls == [] and ledger_rows(app) == 0


def test_a_timestamp_at_the_edge_of_the_window_is_accepted(
    wechat: Any, bot: Any, fixed_clock: FixedClock
) -> None:
    now = int(fixed_clock().timestamp())
    response = wechat.post("text.xml", timestamp=str(now - 290))
    assert response.status_code == 200 and len(bot.calls) == 1


def test_a_leaked_query_string_cannot_carry_another_body(app: Flask, wechat: Any, bot: Any) -> None:
    """The attack of the issue: one signed query string, any body, as any openid."""
    query, body = wechat.build("text.xml")
    assert wechat.post_raw(query, body).status_code == 200
    forged = victim_message("oVictim-openid-0001", 24899999999999999, "帮我查下我社保交了几个月")
    replay = wechat.post_raw(query, forged.encode())
    assert replay.status_code == 403
    assert bot.texts == ["灵活就业人员怎么参加养老保险"]  # the forged body never reached it
    assert ledger_rows(app) == 1


def test_the_same_request_twice_is_refused_the_second_time(
    app: Flask, wechat: Any, bot: Any
) -> None:
    query, body = wechat.build("text.xml")
    assert wechat.post_raw(query, body).status_code == 200
    assert wechat.post_raw(query, body).status_code == 403
    assert len(bot.calls) == 1
    with app.extensions["shebao"].db.session() as s:  # no Redis here: the database remembers
        keys = s.scalars(select(ReplayNonce.key)).all()
    assert keys == [f"{query['timestamp']}:{query['nonce']}"]


def test_a_refused_bad_request_does_not_spend_the_nonce_of_a_good_one(
    wechat: Any, bot: Any
) -> None:
    query, body = wechat.build("text.xml")
    assert wechat.post_raw(query, b"<xml><not closed").status_code == 400
    assert wechat.post_raw(query, body).status_code == 200


class TestTencentSample:
    @pytest.fixture
    def app_config(self, prepared_database_url: str) -> dict[str, Any]:
        return {
            "database_url": prepared_database_url,
            "wechat_token": SAMPLE["token"],
            "wechat_aes_key": SAMPLE["encoding_aes_key"],
            "wechat_appid": SAMPLE["appid"],
        }

    def test_the_published_2014_sample_is_a_replay_today(
        self, app: Flask, wechat: Any, bot: Any
    ) -> None:
        timestamp, nonce = SAMPLE["timestamp"], SAMPLE["nonce"]
        query = {
            "signature": hashlib.sha1(
                "".join(sorted([SAMPLE["token"], timestamp, nonce])).encode()
            ).hexdigest(),
            "timestamp": timestamp,
            "nonce": nonce,
            "encrypt_type": "aes",
            "msg_signature": SAMPLE["msg_signature"],
        }
        response = wechat.post_raw(query, (FIXTURES / "safe_mode_official.xml").read_bytes())
        assert response.status_code == 403
        assert bot.calls == [] and ledger_rows(app) == 0


class TestSafeMode:
    @pytest.fixture
    def app_config(self, prepared_database_url: str) -> dict[str, Any]:
        return {
            "database_url": prepared_database_url,
            "wechat_token": "test-token",
            "wechat_aes_key": AES_KEY,
            "wechat_appid": "wx0123456789abcdef",
            "wechat_mode": "safe",
        }

    def test_an_unencrypted_post_is_403_and_nothing_is_processed(
        self, app: Flask, wechat: Any, bot: Any
    ) -> None:
        response = wechat.post("text.xml")
        assert response.status_code == 403
        assert bot.calls == [] and ledger_rows(app) == 0

    def test_an_encrypted_post_is_answered_encrypted(self, wechat: Any, bot: Any) -> None:
        response = wechat.post("text.xml", mode="safe")
        assert response.status_code == 200
        assert b"<Encrypt>" in response.get_data()
        assert wechat.reply_text(response) == "答复：灵活就业人员怎么参加养老保险"

    def test_the_compatible_twin_is_read_from_its_ciphertext(self, wechat: Any, bot: Any) -> None:
        response = wechat.post("text.xml", mode="compat")
        assert response.status_code == 200 and len(bot.calls) == 1


def test_compat_mode_by_default_with_a_key_still_takes_plain_posts(
    app_config: dict[str, Any], bot: Any
) -> None:
    from webhooks.wechat.responder import Responder

    app = create_app(
        {"TESTING": True, **app_config, "wechat_aes_key": AES_KEY, "wechat_appid": "wx1"}
    )
    try:
        responder: Responder = app.extensions["wechat"]
        assert responder.codec.mode == "compat"
    finally:
        app.extensions["wechat"].shutdown()
        app.extensions["shebao"].db.engine.dispose()


@pytest.mark.parametrize("mode", ["safe", "compat", "paranoid"])
def test_an_impossible_mode_refuses_to_start(app_config: dict[str, Any], mode: str) -> None:
    with pytest.raises(SettingsError, match="WECHAT_MODE"):
        create_app({"TESTING": True, **app_config, "wechat_mode": mode})
