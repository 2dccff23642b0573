"""The outbound adapter: one interface for what we send to WeChat, wechatpy over HTTP (WeChat's
API stubbed at the HTTP boundary) or recording, chosen by ``WECHAT_OUTBOUND``; the ``Sender``
sends each ref once whichever adapter it has."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import StubWeChatApi
from flask import Flask
from sqlalchemy import select

from bot.personal.service import Notice
from shebao.settings import Settings, SettingsError
from webhooks.application_notices import SenderNotifier
from webhooks.models import OutboundMessage
from webhooks.wechat.menu import menu_definition, push_menu
from webhooks.wechat.outbound import (
    Recorded,
    RecordingOutbound,
    Sender,
    SendError,
    WeChatClientOutbound,
    WeChatOutbound,
    current_sender,
    make_outbound,
    make_sender,
)

ACCOUNT = {"wechat_appid": "wx0123456789abcdef", "wechat_app_secret": "not-a-real-secret"}


def rows(app: Flask) -> list[tuple[str | None, str, str, str, str]]:
    with app.extensions["shebao"].db.session() as s:
        found = s.execute(
            select(
                OutboundMessage.ref,
                OutboundMessage.msg_type,
                OutboundMessage.transport,
                OutboundMessage.status,
                OutboundMessage.content,
            ).order_by(OutboundMessage.id)
        ).all()
    return [tuple(row) for row in found]


def settings_for(app: Flask, **changes: Any) -> Settings:
    return app.extensions["shebao"].settings.with_overrides(**changes)  # type: ignore[no-any-return]


def through_stub(app: Flask, stub: StubWeChatApi) -> Sender:
    settings = settings_for(app, wechat_api_base_url=stub.base, **ACCOUNT)
    return make_sender(settings, app.extensions["shebao"].db)


def test_development_uses_the_recording_adapter(app: Flask) -> None:
    with app.app_context():
        sender = current_sender()
    assert isinstance(sender.outbound, RecordingOutbound)
    assert sender.send_text("oUser", "您好", ref="handoff:1", reason="handoff") is True
    assert sender.send_text("oUser", "您好", ref="handoff:1", reason="handoff") is False
    assert rows(app) == [("handoff:1", "text", "recorded", "recorded", "您好")]
    assert sender.outbound.sent == [Recorded("text", "oUser", {"text": "您好"})]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, RecordingOutbound),
        (ACCOUNT, WeChatClientOutbound),
        ({**ACCOUNT, "wechat_outbound": "recording"}, RecordingOutbound),
        ({**ACCOUNT, "wechat_outbound": "wechat"}, WeChatClientOutbound),
    ],
)
def test_configuration_chooses_the_adapter(
    app: Flask, changes: dict[str, str], expected: type
) -> None:
    outbound = make_outbound(settings_for(app, **changes))
    assert type(outbound) is expected
    if isinstance(outbound, WeChatClientOutbound):
        assert outbound.client.appid == ACCOUNT["wechat_appid"]


def test_the_variable_is_read_and_checked() -> None:
    given = {"WECHAT_OUTBOUND": " Recording ", "SEMANTIC_SECOND_OPINION": "0"}
    assert Settings.from_env(given).effective_wechat_outbound == "recording"
    with pytest.raises(SettingsError, match="WECHAT_OUTBOUND=wechat needs WECHAT_APPID"):
        _ = Settings(wechat_outbound="wechat").effective_wechat_outbound
    with pytest.raises(SettingsError, match="must be one of"):
        _ = Settings(wechat_outbound="carrier-pigeon").effective_wechat_outbound
    assert any("WECHAT_OUTBOUND" in p for p in Settings(wechat_outbound="x").production_problems())


def test_both_adapters_are_the_one_interface() -> None:
    def sends(outbound: WeChatOutbound) -> str:
        return outbound.transport

    assert sends(RecordingOutbound()) == "recorded"
    assert sends(WeChatClientOutbound(object())) == "wechat"


def test_wechatpy_sends_a_customer_service_message_once_per_ref(
    app: Flask, wechat_api: StubWeChatApi
) -> None:
    sender = through_stub(app, wechat_api)
    assert sender.send_text("oUser", "工作人员的答复", ref="handoff:7") is True
    assert sender.send_text("oUser", "工作人员的答复", ref="handoff:7") is False
    assert wechat_api.sent("message/custom/send") == [
        {"touser": "oUser", "msgtype": "text", "text": {"content": "工作人员的答复"}}
    ]
    assert wechat_api.tokens == 1  # one stable_token, then it is reused
    (custom,) = [args for path, args, _ in wechat_api.calls if path == "message/custom/send"]
    assert custom["access_token"] == "TOKEN1"
    assert rows(app) == [("handoff:7", "text", "wechat", "sent", "工作人员的答复")]


def test_a_refused_send_is_recorded_and_may_be_tried_again(
    app: Flask, wechat_api: StubWeChatApi
) -> None:
    sender = through_stub(app, wechat_api)
    wechat_api.fail_next = 1
    with pytest.raises(SendError, match="45015"):
        sender.send_text("oUser", "答复", ref="late:msg:1")
    assert rows(app)[0][3] == "failed"
    assert sender.send_text("oUser", "答复", ref="late:msg:1") is True
    assert rows(app) == [("late:msg:1", "text", "wechat", "sent", "答复")]
    assert len(wechat_api.sent("message/custom/send")) == 2  # the refused one, then the one sent


def test_sends_without_ref_are_not_deduplicated(app: Flask) -> None:
    sender = Sender(app.extensions["shebao"].db, RecordingOutbound())
    assert sender.send_text("oUser", "一") and sender.send_text("oUser", "一")
    assert len(rows(app)) == 2


def test_the_token_and_the_menu_go_through_the_adapter(
    app: Flask, wechat_api: StubWeChatApi
) -> None:
    outbound = through_stub(app, wechat_api).outbound
    assert outbound.access_token() == "TOKEN1"
    assert push_menu(outbound) == {"errcode": 0, "errmsg": "ok"}
    assert wechat_api.sent("menu/create") == [menu_definition()]
    recording = RecordingOutbound()
    assert push_menu(recording) == {"errcode": 0, "errmsg": "recorded"}
    assert recording.sent == [Recorded("menu", None, {"menu": menu_definition()})]
    assert recording.access_token() == RecordingOutbound.TOKEN


NOTICE = Notice(
    channel="wechat",
    user="oCitizen",
    text="您的失业保险金申请已受理。",
    ref="application:A1:accepted",
    reason="application_status",
    application_id="A1",
    status_label="已受理",
    when="2026-11-20",
)


def test_a_notice_is_a_template_message_through_wechatpy(
    app: Flask, wechat_api: StubWeChatApi
) -> None:
    sender = through_stub(app, wechat_api)
    notifier = SenderNotifier(
        sender_settings := settings_for(app, wechat_template_application_status="TPL-1"),
        app.extensions["shebao"].db,
        sender,
    )
    assert sender_settings.wechat_template_application_status == "TPL-1"
    assert notifier.notify(NOTICE) is True
    assert notifier.notify(NOTICE) is False
    (sent,) = wechat_api.sent("message/template/send")
    assert sent["touser"] == "oCitizen" and sent["template_id"] == "TPL-1"
    assert sent["data"]["keyword1"] == {"value": "A1"}  # type: ignore[index]
    assert wechat_api.sent("message/custom/send") == []
    assert rows(app) == [
        ("application:A1:accepted", "template", "wechat", "sent", "您的失业保险金申请已受理。")
    ]


def test_recording_keeps_a_notice_without_sending(app: Flask) -> None:
    settings = settings_for(
        app, wechat_outbound="recording", wechat_template_application_status="TPL-1", **ACCOUNT
    )
    notifier = SenderNotifier(settings, app.extensions["shebao"].db)
    assert notifier.notify(NOTICE) is True
    assert isinstance(notifier.sender.outbound, RecordingOutbound)
    assert notifier.sender.outbound.sent == [
        Recorded("text", "oCitizen", {"text": "您的失业保险金申请已受理。"})
    ]
    assert rows(app)[0][2:4] == ("recorded", "recorded")
