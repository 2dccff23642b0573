"""Hostile XML (issue 13, defect 5): deep nesting, in plain and inside AES payloads, is a 400
with nothing processed (it was a 500 from a recursion in ``element_fields``)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from webhooks.models import ProcessedMessage


@pytest.fixture
def app_config(prepared_database_url: str) -> dict[str, Any]:
    return {
        "database_url": prepared_database_url,
        "wechat_token": "test-token",
        "wechat_aes_key": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
        "wechat_appid": "wx0123456789abcdef",
    }


def deep(depth: int) -> str:
    nested = "<a>" * depth + "x" + "</a>" * depth
    return (
        "<xml><ToUserName><![CDATA[gh_test]]></ToUserName>"
        "<FromUserName><![CDATA[oSheBao-citizen-0001]]></FromUserName>"
        "<CreateTime>1732500000</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[你好]]></Content><Extra>{nested}</Extra>"
        "<MsgId>24800000000000077</MsgId></xml>"
    )


def ledger_rows(app: Flask) -> int:
    with app.extensions["shebao"].db.session() as s:
        return int(s.scalar(select(func.count()).select_from(ProcessedMessage)) or 0)


@pytest.mark.parametrize("mode", ["plain", "compat", "safe"])
@pytest.mark.parametrize(
    "depth", [990, 3000]
)  # 3000: still under the 64 KB body limit in compat mode
def test_deeply_nested_xml_is_400_and_nothing_is_processed(
    app: Flask, wechat: Any, bot: Any, mode: str, depth: int
) -> None:
    response = wechat.post(xml=deep(depth), mode=mode)
    assert response.status_code == 400
    assert bot.calls == [] and ledger_rows(app) == 0


def test_a_lone_surrogate_cannot_arrive_through_xml(app: Flask, wechat: Any, bot: Any) -> None:
    xml = wechat.load("text.xml").replace(
        "<![CDATA[灵活就业人员怎么参加养老保险]]>", "灵活&#xD800;就业人员怎么参加养老保险"
    )
    assert xml != wechat.load("text.xml")
    assert wechat.post(xml=xml).status_code == 400
    query, _ = wechat.build("text.xml")
    raw = wechat.load("text.xml").encode().replace("灵活".encode(), b"\xed\xa0\x80")
    assert wechat.post_raw(query, raw).status_code == 400  # the surrogate's UTF-8-ish bytes
    assert bot.calls == [] and ledger_rows(app) == 0


def test_shallow_nesting_as_wechat_sends_it_still_works(wechat: Any, bot: Any) -> None:
    response = wechat.post(xml=deep(3), mode="safe")
    assert response.status_code == 200 and bot.texts == ["你好"]
