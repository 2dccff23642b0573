"""The webhook reads WeChat's pushes through wechatpy's typed message and event classes: each
fixture becomes the class for its type, the handlers and the retry ledger read its attributes,
and no module of webhooks/wechat/ reaches into wechatpy's private ``_data``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from wechatpy.events import ClickEvent, SubscribeEvent, UnsubscribeEvent, ViewEvent
from wechatpy.messages import ImageMessage, TextMessage, VoiceMessage

from webhooks.wechat.dedup import message_key
from webhooks.wechat.handlers import Ask, Ignore, Say, action_for
from webhooks.wechat.protocol import (
    BadXml,
    UnknownTypeMessage,
    event_of,
    message_from_element,
    parse_xml,
    raw_type,
)

FIXTURES = Path(__file__).parent / "fixtures"
PACKAGE = Path(__file__).resolve().parents[2] / "webhooks" / "wechat"
PRIVATE = re.compile(r"\._data\b")


def parsed(name: str) -> object:
    return message_from_element(parse_xml((FIXTURES / name).read_bytes()))


@pytest.mark.parametrize(
    ("fixture", "cls", "msg_type", "event"),
    [
        ("text.xml", TextMessage, "text", ""),
        ("voice_recognition.xml", VoiceMessage, "voice", ""),
        ("image.xml", ImageMessage, "image", ""),
        ("event_subscribe.xml", SubscribeEvent, "event", "subscribe"),
        ("event_unsubscribe.xml", UnsubscribeEvent, "event", "unsubscribe"),
        ("event_click_menu_human.xml", ClickEvent, "event", "click"),
        ("event_view.xml", ViewEvent, "event", "view"),
        ("file.xml", UnknownTypeMessage, "file", ""),
        ("unknown_type.xml", UnknownTypeMessage, "hologram", ""),
    ],
)
def test_each_fixture_is_wechatpys_class_for_its_type(
    fixture: str, cls: type, msg_type: str, event: str
) -> None:
    message = parsed(fixture)
    assert type(message) is cls
    assert raw_type(message) == msg_type  # type: ignore[arg-type]
    assert event_of(message) == event  # type: ignore[arg-type]


def test_handlers_read_the_typed_attributes() -> None:
    text = parsed("text.xml")
    assert isinstance(text, TextMessage)
    assert action_for(text) == Ask(text.content.strip())
    voice = parsed("voice_recognition.xml")
    assert isinstance(voice, VoiceMessage) and action_for(voice) == Ask(voice.recognition.strip())
    click = parsed("event_click_menu_human.xml")
    assert isinstance(click, ClickEvent) and click.key == "MENU_HUMAN"
    assert action_for(click) == Ask("转人工")
    assert isinstance(action_for(parsed("event_subscribe.xml")), Say)  # type: ignore[arg-type]
    assert action_for(parsed("event_unsubscribe.xml")) == Ignore()  # type: ignore[arg-type]


def test_an_unknown_event_keeps_its_name() -> None:
    xml = (
        "<xml><ToUserName>gh_1</ToUserName><FromUserName>o1</FromUserName>"
        "<CreateTime>1732500000</CreateTime><MsgType>event</MsgType>"
        "<Event>HOLOGRAM_SEEN</Event></xml>"
    )
    message = message_from_element(parse_xml(xml))
    assert isinstance(message, UnknownTypeMessage)
    assert (raw_type(message), event_of(message)) == ("event", "hologram_seen")
    assert action_for(message) == Ignore()


def test_the_ledger_key_comes_from_msg_id_or_create_time() -> None:
    text = parsed("text.xml")
    assert message_key(text) == f"msg:{text.source}:{text.id}"  # type: ignore[attr-defined]
    subscribe = parsed("event_subscribe.xml")
    assert message_key(subscribe) == f"evt:{subscribe.source}:{subscribe.time}"  # type: ignore[attr-defined]


def test_fields_are_checked_before_a_message_is_built() -> None:
    xml = "<xml><ToUserName>gh_1</ToUserName><FromUserName>o1</FromUserName>"
    with pytest.raises(BadXml, match="MsgType"):
        message_from_element(parse_xml(xml + "</xml>"))
    with pytest.raises(BadXml, match="not a number"):
        message_from_element(parse_xml(xml + "<MsgType>text</MsgType><MsgId>12x</MsgId></xml>"))


def test_no_module_reads_wechatpys_private_data() -> None:
    readers = [p.name for p in PACKAGE.glob("*.py") if PRIVATE.search(p.read_text("utf-8"))]
    assert readers == []
