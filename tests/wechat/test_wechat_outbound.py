"""The ``Sender`` interface: recording in development, wechatpy in production, once per ref."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from webhooks.models import OutboundMessage
from webhooks.wechat.outbound import (
    RecordingSender,
    SendError,
    WeChatSender,
    current_sender,
    make_sender,
)


class FakeMessageApi:
    def __init__(self, fail: int = 0) -> None:
        self.fail = fail
        self.sent: list[tuple[str, str]] = []

    def send_text(self, user_id: str, content: str) -> dict[str, Any]:
        if self.fail:
            self.fail -= 1
            raise RuntimeError("errcode 45015: response out of time limit")
        self.sent.append((user_id, content))
        return {"errcode": 0, "errmsg": "ok"}


class FakeClient:
    def __init__(self, fail: int = 0) -> None:
        self.message = FakeMessageApi(fail)


def rows(app: Flask) -> list[tuple[str | None, str, str, str]]:
    with app.extensions["shebao"].db.session() as s:
        found = s.execute(
            select(
                OutboundMessage.ref,
                OutboundMessage.transport,
                OutboundMessage.status,
                OutboundMessage.content,
            )
        ).all()
    return [tuple(row) for row in found]


def test_development_uses_the_recording_sender(app: Flask) -> None:
    with app.app_context():
        sender = current_sender()
    assert isinstance(sender, RecordingSender)
    assert sender.send_text("oUser", "您好", ref="handoff:1", reason="handoff") is True
    assert sender.send_text("oUser", "您好", ref="handoff:1", reason="handoff") is False
    assert rows(app) == [("handoff:1", "recorded", "recorded", "您好")]


def test_appid_and_secret_select_the_wechatpy_sender(app: Flask) -> None:
    settings = app.extensions["shebao"].settings.with_overrides(
        wechat_appid="wx0123456789abcdef", wechat_app_secret="not-a-real-secret"
    )
    sender = make_sender(settings, app.extensions["shebao"].db)
    assert isinstance(sender, WeChatSender)
    assert sender.client.appid == "wx0123456789abcdef"


def test_wechat_sender_sends_once_per_ref(app: Flask) -> None:
    client = FakeClient()
    sender = WeChatSender(app.extensions["shebao"].db, client)
    assert sender.send_text("oUser", "工作人员的答复", ref="handoff:7") is True
    assert sender.send_text("oUser", "工作人员的答复", ref="handoff:7") is False
    assert client.message.sent == [("oUser", "工作人员的答复")]
    assert rows(app) == [("handoff:7", "wechat", "sent", "工作人员的答复")]


def test_a_failed_send_is_recorded_and_may_be_tried_again(app: Flask) -> None:
    client = FakeClient(fail=1)
    sender = WeChatSender(app.extensions["shebao"].db, client)
    with pytest.raises(SendError):
        sender.send_text("oUser", "答复", ref="late:msg:1")
    assert rows(app)[0][2] == "failed"
    assert sender.send_text("oUser", "答复", ref="late:msg:1") is True
    assert rows(app) == [("late:msg:1", "wechat", "sent", "答复")]
    assert client.message.sent == [("oUser", "答复")]


def test_sends_without_ref_are_not_deduplicated(app: Flask) -> None:
    sender = RecordingSender(app.extensions["shebao"].db)
    assert sender.send_text("oUser", "一") and sender.send_text("oUser", "一")
    assert len(rows(app)) == 2
