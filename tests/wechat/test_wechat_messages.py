"""One test per WeChat payload in fixtures/, in plain mode, each stating the expected reply."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from webhooks.models import ProcessedMessage
from webhooks.wechat import texts
from webhooks.wechat.handlers import CLICK_ACTIONS, EVENT_HANDLERS, MESSAGE_HANDLERS
from webhooks.wechat.protocol import PASSIVE_REPLY_MAX_BYTES

OPENID = "oSheBao-citizen-0001"
ACCOUNT = "gh_5b1e2c0d9a77"


def processed(app: Flask) -> int:
    with app.extensions["shebao"].db.session() as s:
        return int(s.scalar(select(func.count()).select_from(ProcessedMessage)) or 0)


def test_text_goes_to_the_engine(wechat: Any, bot: Any) -> None:
    response = wechat.post("text.xml")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    reply = wechat.reply(response)
    assert reply["Content"] == "答复：灵活就业人员怎么参加养老保险"
    assert reply["MsgType"] == "text"
    assert (reply["ToUserName"], reply["FromUserName"]) == (OPENID, ACCOUNT)
    [message] = bot.calls
    assert (message.channel, message.user, message.text) == (
        "wechat",
        OPENID,
        "灵活就业人员怎么参加养老保险",
    )
    # The engine is told how many bytes the reply may have once the XML envelope is counted.
    assert 1700 < message.max_bytes < PASSIVE_REPLY_MAX_BYTES


def test_text_with_cdata_terminator_and_markup_is_escaped(wechat: Any, bot: Any) -> None:
    response = wechat.post("text_cdata_escape.xml")
    said = "我叫<张三> & 李四，]]>这种符号会出错吗？"
    assert bot.texts == [said]
    assert wechat.reply_text(response) == "答复：" + said  # the reply is well-formed XML
    assert b"]]]]><![CDATA[>" in response.get_data()


def test_long_answer_is_cut_to_the_passive_limit(wechat: Any, stub_bot: Any) -> None:
    sentence = "失业保险金按月发放，标准为当地最低工资标准的百分之九十。"
    stub_bot(answer=lambda text: sentence * 80)  # about 6 KB
    response = wechat.post("text_long_answer.xml")
    assert len(response.get_data()) <= PASSIVE_REPLY_MAX_BYTES
    content = wechat.reply_text(response)
    assert content.endswith(texts.TRUNCATED)
    kept = content.removesuffix(texts.TRUNCATED)
    assert kept.endswith("。") and sentence in kept  # cut at a sentence boundary


def test_voice_with_recognition_goes_to_the_engine(wechat: Any, bot: Any) -> None:
    response = wechat.post("voice_recognition.xml")
    assert bot.texts == ["失业金怎么领取"]
    assert wechat.reply_text(response) == "答复：失业金怎么领取"


def test_voice_without_recognition_asks_to_type(wechat: Any, bot: Any) -> None:
    response = wechat.post("voice_no_recognition.xml")
    assert wechat.reply_text(response) == texts.VOICE_NOT_RECOGNISED
    assert bot.calls == []


def test_subscribe_gets_the_welcome(wechat: Any, bot: Any) -> None:
    response = wechat.post("event_subscribe.xml")
    assert wechat.reply_text(response) == texts.WELCOME
    assert bot.calls == []


def test_unsubscribe_gets_success_and_nothing_happens(app: Flask, wechat: Any, bot: Any) -> None:
    response = wechat.post("event_unsubscribe.xml")
    assert response.status_code == 200
    assert response.get_data() == b"success"
    assert bot.calls == [] and processed(app) == 0


@pytest.mark.parametrize(
    ("fixture", "key"),
    [
        ("event_click_menu_policy.xml", "MENU_POLICY"),
        ("event_click_menu_my_shebao.xml", "MENU_MY_SHEBAO"),
        ("event_click_menu_apply_unemployment.xml", "MENU_APPLY_UNEMPLOYMENT"),
        ("event_click_menu_human.xml", "MENU_HUMAN"),
    ],
)
def test_menu_click(wechat: Any, bot: Any, fixture: str, key: str) -> None:
    expected = {
        # fixed reply, engine not asked
        "MENU_POLICY": (texts.CLICK_REPLIES["MENU_POLICY"], []),
        # the click says something to the engine on the citizen's behalf
        "MENU_MY_SHEBAO": ("答复：查我的社保", ["查我的社保"]),
        "MENU_APPLY_UNEMPLOYMENT": ("答复：我要申请失业金", ["我要申请失业金"]),
        "MENU_HUMAN": ("答复：转人工", ["转人工"]),
    }
    reply, asked = expected[key]
    response = wechat.post(fixture)
    assert wechat.reply_text(response) == reply
    assert bot.texts == asked


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("image.xml", texts.UNSUPPORTED["image"]),
        ("location.xml", texts.UNSUPPORTED["location"]),
        ("link.xml", texts.UNSUPPORTED["link"]),
        ("video.xml", texts.UNSUPPORTED["video"]),
        ("shortvideo.xml", texts.UNSUPPORTED["shortvideo"]),
        ("file.xml", texts.UNSUPPORTED["file"]),
        ("unknown_type.xml", texts.UNSUPPORTED_DEFAULT),
    ],
)
def test_types_the_bot_cannot_read_get_a_polite_text(
    wechat: Any, bot: Any, fixture: str, expected: str
) -> None:
    response = wechat.post(fixture)
    assert response.status_code == 200
    assert wechat.reply_text(response) == expected
    assert bot.calls == []


def test_other_events_get_success(wechat: Any, bot: Any) -> None:
    response = wechat.post("event_view.xml")
    assert response.get_data() == b"success"
    assert bot.calls == []


def test_malformed_xml_is_400(app: Flask, wechat: Any, bot: Any) -> None:
    response = wechat.post("malformed.xml")
    assert response.status_code == 400
    assert bot.calls == [] and processed(app) == 0


@pytest.mark.parametrize("fixture", ["entity_billion_laughs.xml", "entity_external.xml"])
def test_xml_entities_are_never_resolved(app: Flask, wechat: Any, bot: Any, fixture: str) -> None:
    response = wechat.post(fixture)
    assert response.status_code == 400
    assert b"lol" not in response.get_data() and b"root:" not in response.get_data()
    assert bot.calls == [] and processed(app) == 0


@pytest.mark.parametrize(
    "params",
    [
        {"signature": "0" * 40},
        {"signature": ""},
        {"timestamp": "1"},  # signed over another timestamp
    ],
)
def test_bad_signature_is_403_and_nothing_is_processed(
    app: Flask, wechat: Any, bot: Any, params: dict[str, str]
) -> None:
    query, body = wechat.build("text.xml")
    query |= params
    response = wechat.post_raw(query, body)
    assert response.status_code == 403
    assert bot.calls == [] and processed(app) == 0


def test_body_over_the_limit_is_413(app: Flask, wechat: Any, bot: Any) -> None:
    limit = app.extensions["shebao"].settings.max_body_bytes
    padding = "问" * (limit // 3 + 10)
    xml = wechat.load("text.xml").replace("灵活就业人员怎么参加养老保险", padding)
    response = wechat.post(xml=xml)
    assert response.status_code == 413
    assert bot.calls == [] and processed(app) == 0


def test_url_verification_echoes_echostr(client: Any, wechat: Any) -> None:
    query, _ = wechat.build("text.xml")
    response = client.get("/wechat", query_string=query | {"echostr": "8271631265098163489"})
    assert response.status_code == 200
    assert response.get_data() == b"8271631265098163489"


def test_url_verification_with_a_bad_signature_is_403(client: Any, wechat: Any) -> None:
    query, _ = wechat.build("text.xml", signature="f" * 40)
    response = client.get("/wechat", query_string=query | {"echostr": "123"})
    assert response.status_code == 403


def test_engine_failure_gets_an_apology_not_a_500(wechat: Any, stub_bot: Any) -> None:
    def broken(text: str) -> str:
        raise RuntimeError("engine down")

    stub_bot(answer=broken)
    response = wechat.post("text.xml")
    assert response.status_code == 200
    assert wechat.reply_text(response) == texts.ENGINE_ERROR


def test_database_unreachable_is_503_so_wechat_retries(
    app: Flask, wechat: Any, bot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    def unreachable(*args: object, **kwargs: object) -> bool:
        raise PoolTimeout("QueuePool limit reached")

    monkeypatch.setattr(app.extensions["wechat"].ledger, "claim", unreachable)
    response = wechat.post("text.xml")
    assert response.status_code == 503
    assert bot.calls == []


# Coverage of payload types is enforced, not hoped for (as in zulip's webhook tests).

FIXTURES = Path(__file__).parent / "fixtures"
HOSTILE = {"malformed.xml", "entity_billion_laughs.xml", "entity_external.xml"}


def fixture_fields(path: Path) -> dict[str, str]:
    root = ET.fromstring(path.read_text(encoding="utf-8"))
    return {child.tag: (child.text or "").strip() for child in root}


def plain_fixtures() -> list[Path]:
    return [
        p
        for p in sorted(FIXTURES.glob("*.xml"))
        if p.name not in HOSTILE and not p.name.startswith("safe_mode")
    ]


def test_every_click_key_has_its_fixture() -> None:
    for key in CLICK_ACTIONS:
        path = FIXTURES / f"event_click_{key.lower()}.xml"
        assert path.exists(), f"no fixture for CLICK {key}"
        assert fixture_fields(path)["EventKey"] == key


def test_every_handled_type_has_a_fixture() -> None:
    seen_types = {fixture_fields(p)["MsgType"] for p in plain_fixtures()}
    seen_events = {fixture_fields(p).get("Event", "").lower() for p in plain_fixtures()}
    assert set(MESSAGE_HANDLERS) <= seen_types, set(MESSAGE_HANDLERS) - seen_types
    assert set(EVENT_HANDLERS) - {"subscribe_scan"} <= seen_events
    assert seen_types - set(MESSAGE_HANDLERS) - {"event"}, "no fixture of an unknown type"


@pytest.mark.parametrize("fixture", [p.name for p in plain_fixtures()])
def test_every_fixture_gets_a_200(wechat: Any, bot: Any, fixture: str) -> None:
    response = wechat.post(fixture)
    assert response.status_code == 200
    if response.get_data() != b"success":
        assert wechat.reply_text(response)


def test_subscribe_by_qr_code_gets_the_welcome(wechat: Any, bot: Any) -> None:
    xml = wechat.load("event_subscribe.xml").replace(
        "<EventKey><![CDATA[]]></EventKey>", "<EventKey><![CDATA[qrscene_jiangmen]]></EventKey>"
    )
    assert wechat.reply_text(wechat.post(xml=xml)) == texts.WELCOME
