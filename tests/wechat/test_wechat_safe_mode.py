"""Compatible and safe (AES) mode, starting from Tencent's published sample ciphertext.

safe_mode_official.xml is Tencent's WXBizMsgCrypt sample request (token ``spamtest``, AppID
``wx2c2769f8efd9abc2``), with its timestamp, nonce and msg_signature in the .json beside it:
ciphertext nobody here produced. Its timestamp is from 2014, so these tests put the service's
clock at that instant (``sample_time``); at any other time the sample is a replay and refused
(tests/wechat/test_wechat_replay.py). Replies are decrypted and their MsgSignature checked by the
test helper's own AES (tests/conftest.py), not by the webhook's code path.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from shebao import clock
from shebao.clock import FixedClock

SAMPLE = json.loads(
    (Path(__file__).parent / "fixtures" / "safe_mode_official.json").read_text(encoding="utf-8")
)


@pytest.fixture
def app_config(prepared_database_url: str) -> dict[str, Any]:
    return {
        "database_url": prepared_database_url,
        "wechat_token": SAMPLE["token"],
        "wechat_aes_key": SAMPLE["encoding_aes_key"],
        "wechat_appid": SAMPLE["appid"],
    }


@pytest.fixture
def sample_time() -> Iterator[FixedClock]:
    """The service's clock at the sample's own timestamp (inside its replay window)."""
    at = datetime.fromtimestamp(int(SAMPLE["timestamp"]), UTC)
    with clock.use(FixedClock(at, running=True)) as fixed:
        assert isinstance(fixed, FixedClock)
        yield fixed


def official_query(**overrides: str) -> dict[str, str]:
    timestamp, nonce = SAMPLE["timestamp"], SAMPLE["nonce"]
    # The URL signature is the plain one WeChat always adds: sha1 of sorted token, timestamp,
    # nonce (the sample publishes only msg_signature, which also covers the ciphertext).
    signature = hashlib.sha1(
        "".join(sorted([SAMPLE["token"], timestamp, nonce])).encode()
    ).hexdigest()
    return {
        "signature": signature,
        "timestamp": timestamp,
        "nonce": nonce,
        "encrypt_type": "aes",
        "msg_signature": SAMPLE["msg_signature"],
    } | overrides


@pytest.mark.parametrize(
    "fixture", ["safe_mode_official.xml", "safe_mode_official_encrypt_only.xml"]
)
def test_official_sample_is_decrypted_and_the_reply_encrypted(
    wechat: Any, bot: Any, sample_time: FixedClock, fixture: str
) -> None:
    # compatible mode (plaintext twin + Encrypt) and safe mode (Encrypt only)
    response = wechat.post_raw(official_query(), wechat.load(fixture).encode())
    assert response.status_code == 200
    [message] = bot.calls
    assert (message.user, message.text) == (
        SAMPLE["expected"]["FromUserName"],
        SAMPLE["expected"]["Content"],
    )
    assert b"<Encrypt>" in response.get_data() and b"abcdteT" not in response.get_data()
    reply = wechat.reply(response)  # checks MsgSignature and the AppID inside
    assert reply["Content"] == "答复：abcdteT"
    assert reply["ToUserName"] == SAMPLE["expected"]["FromUserName"]
    assert reply["FromUserName"] == SAMPLE["expected"]["ToUserName"]


def test_official_sample_with_a_bad_msg_signature_is_403(
    wechat: Any, bot: Any, sample_time: FixedClock
) -> None:
    query = official_query(msg_signature="5d197aaffba7e9b25a30732f161a50dee96bd5fb")
    response = wechat.post_raw(query, wechat.load("safe_mode_official.xml").encode())
    assert response.status_code == 403
    assert bot.calls == []


def test_official_sample_with_tampered_ciphertext_is_403(
    wechat: Any, bot: Any, sample_time: FixedClock
) -> None:
    body = wechat.load("safe_mode_official_encrypt_only.xml").replace("hyzAe4", "hyzAe5")
    response = wechat.post_raw(official_query(), body.encode())
    assert response.status_code == 403
    assert bot.calls == []


def test_official_sample_with_a_bad_url_signature_is_403(
    wechat: Any, bot: Any, sample_time: FixedClock
) -> None:
    query = official_query(signature="16120ec1b8dbb870f510d87ce6bc2463eae6ca1b")
    response = wechat.post_raw(query, wechat.load("safe_mode_official.xml").encode())
    assert response.status_code == 403
    assert bot.calls == []


@pytest.mark.parametrize("mode", ["safe", "compat"])
def test_own_fixture_in_each_encrypted_mode(wechat: Any, bot: Any, mode: str) -> None:
    response = wechat.post("text_cdata_escape.xml", mode=mode)
    assert response.status_code == 200
    said = "我叫<张三> & 李四，]]>这种符号会出错吗？"
    assert bot.texts == [said]
    assert wechat.reply_text(response) == "答复：" + said


def test_plain_mode_still_works_with_a_key_configured(wechat: Any, bot: Any) -> None:
    response = wechat.post("text.xml")
    assert wechat.reply_text(response) == "答复：灵活就业人员怎么参加养老保险"
    assert b"<Encrypt>" not in response.get_data()


def test_fixed_replies_are_encrypted_too(wechat: Any, bot: Any) -> None:
    response = wechat.post("event_subscribe.xml", mode="safe")
    assert b"<Encrypt>" in response.get_data()
    assert wechat.reply(response)["MsgType"] == "text"


def test_message_for_another_appid_is_refused(wechat: Any, bot: Any) -> None:
    xml = wechat.load("text.xml")
    ciphertext = wechat.cipher.encrypt(xml, appid="wx0000000000000000")
    query, _ = wechat.build(xml=xml)
    query |= {
        "encrypt_type": "aes",
        "msg_signature": hashlib.sha1(
            "".join(sorted([wechat.token, query["timestamp"], query["nonce"], ciphertext])).encode()
        ).hexdigest(),
    }
    body = f"<xml><Encrypt><![CDATA[{ciphertext}]]></Encrypt></xml>"
    response = wechat.post_raw(query, body.encode())
    assert response.status_code == 403
    assert bot.calls == []


def test_entity_inside_the_ciphertext_is_400(wechat: Any, bot: Any) -> None:
    response = wechat.post("entity_billion_laughs.xml", mode="safe")
    assert response.status_code == 400
    assert bot.calls == []
