"""Sending application notices (bot.personal.notifications) through the outbound ``Sender``.

- Official Account users: a template message when ``WECHAT_TEMPLATE_APPLICATION_STATUS`` is set
  and WeChat is configured, else a customer-service text;
- mini-program users: a subscription message when ``MINIPROGRAM_APPID``/``MINIPROGRAM_SECRET``
  and ``MINIPROGRAM_TEMPLATE_APPLICATION_STATUS`` are set;
- otherwise (development, the CLI channel): the send log (``RecordingSender``).

Every path goes through ``Sender.send_text``'s claim on the notice's ``ref``, so a notice is
sent (or recorded) at most once, whichever worker or job tries.
"""

from __future__ import annotations

from typing import Any

from bot.personal.service import Notice, texts
from shebao.db import Database
from shebao.settings import Settings
from webhooks.wechat.outbound import RecordingSender, Sender, WeChatSender, make_sender


def _setting(name: str, config: dict[str, Any] | None, configured: str | None) -> str | None:
    """The app's configuration ``name`` (tests set it), else the ``Settings`` field."""
    value = (config or {}).get(name) or configured
    return str(value) if value else None


class _TemplateSender(Sender):
    """A template message (Official Account) in place of the customer-service text."""

    transport = "wechat"

    def __init__(
        self, db: Database, client: Any, template_id: str, data: dict[str, dict[str, str]]
    ) -> None:
        super().__init__(db)
        self.client, self.template_id, self.data = client, template_id, data

    def _deliver(self, openid: str, text: str) -> None:
        self.client.message.send_template(openid, self.template_id, self.data)


class _SubscribeSender(_TemplateSender):
    """A subscription message (mini-program)."""

    def _deliver(self, openid: str, text: str) -> None:
        self.client.wxa.send_subscribe_message(openid, self.template_id, self.data)


def template_data(notice: Notice) -> dict[str, dict[str, str]]:
    """Fields of the Official Account template (first / keyword1-3 / remark)."""
    return {
        "first": {"value": texts.NOTICE_TITLE},
        "keyword1": {"value": notice.application_id or ""},
        "keyword2": {"value": notice.status_label},
        "keyword3": {"value": notice.when},
        "remark": {"value": notice.text},
    }


def subscribe_data(notice: Notice) -> dict[str, dict[str, str]]:
    """Fields of the mini-program subscription template (values are length-limited)."""
    return {
        "character_string1": {"value": (notice.application_id or "")[:32]},
        "phrase2": {"value": notice.status_label[:5]},
        "date3": {"value": notice.when},
        "thing4": {"value": notice.text[:20]},
    }


class SenderNotifier:
    """The ``bot.personal.notifications.Notifier`` of the running app or of a command."""

    def __init__(
        self,
        settings: Settings,
        db: Database,
        sender: Sender | None = None,
        config: dict[str, Any] | None = None,
    ) -> None:
        self.db = db
        self.sender = sender or make_sender(settings, db)
        self.template = _setting(
            "WECHAT_TEMPLATE_APPLICATION_STATUS",
            config,
            settings.wechat_template_application_status,
        )
        self.mp_template = _setting(
            "MINIPROGRAM_TEMPLATE_APPLICATION_STATUS",
            config,
            settings.miniprogram_template_application_status,
        )
        appid = _setting("MINIPROGRAM_APPID", config, settings.miniprogram_appid)
        secret = _setting("MINIPROGRAM_SECRET", config, settings.miniprogram_secret)
        self._mp = (appid, secret) if appid and secret else None

    def notify(self, notice: Notice) -> bool:
        kwargs = {"ref": notice.ref, "reason": notice.reason}
        if notice.channel == "wechat":
            if self.template and isinstance(self.sender, WeChatSender):
                sender: Sender = _TemplateSender(
                    self.db, self.sender.client, self.template, template_data(notice)
                )
                return sender.send_text(notice.user, notice.text, **kwargs)
            return self.sender.send_text(notice.user, notice.text, **kwargs)
        if notice.channel == "miniprogram" and self._mp and self.mp_template:
            from wechatpy import WeChatClient

            client = WeChatClient(self._mp[0], self._mp[1], timeout=5)
            sender = _SubscribeSender(self.db, client, self.mp_template, subscribe_data(notice))
            return sender.send_text(notice.user, notice.text, **kwargs)
        return RecordingSender(self.db).send_text(notice.user, notice.text, **kwargs)
