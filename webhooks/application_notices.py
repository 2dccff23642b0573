"""Sending application notices (bot.personal.notifications) through the outbound ``Sender``.

- Official Account users: a template message when ``WECHAT_TEMPLATE_APPLICATION_STATUS`` is set
  and the Official Account sends through WeChat, else a customer-service text;
- mini-program users: a subscription message when ``MINIPROGRAM_APPID``/``MINIPROGRAM_SECRET``
  and ``MINIPROGRAM_TEMPLATE_APPLICATION_STATUS`` are set;
- otherwise (development, the CLI channel, ``WECHAT_OUTBOUND=recording``): the send log, through
  a ``RecordingOutbound``.

Every path goes through a ``Sender`` (webhooks/wechat/outbound.py), whose claim on the notice's
``ref`` sends (or records) a notice at most once, whichever worker or job tries.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from bot.personal.service import Notice, texts
from shebao.db import Database
from shebao.settings import Settings
from webhooks.wechat.outbound import (
    RecordingOutbound,
    Sender,
    TemplateData,
    make_sender,
    miniprogram_outbound,
)


def _setting(name: str, config: dict[str, Any] | None, configured: str | None) -> str | None:
    """The app's configuration ``name`` (tests set it), else the ``Settings`` field."""
    value = (config or {}).get(name) or configured
    return str(value) if value else None


def template_data(notice: Notice) -> TemplateData:
    """Fields of the Official Account template (first / keyword1-3 / remark)."""
    return {
        "first": {"value": texts.NOTICE_TITLE},
        "keyword1": {"value": notice.application_id or ""},
        "keyword2": {"value": notice.status_label},
        "keyword3": {"value": notice.when},
        "remark": {"value": notice.text},
    }


def subscribe_data(notice: Notice) -> TemplateData:
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
        self.settings = settings
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
        self._mp_account = (
            _setting("MINIPROGRAM_APPID", config, settings.miniprogram_appid),
            _setting("MINIPROGRAM_SECRET", config, settings.miniprogram_secret),
        )

    @cached_property
    def miniprogram(self) -> Sender:
        """The mini-program's sender (subscription messages), built on first use."""
        return Sender(self.db, miniprogram_outbound(self.settings, *self._mp_account))

    @cached_property
    def recording(self) -> Sender:
        """For channels WeChat does not reach (the command line): the send log only."""
        return Sender(self.db, RecordingOutbound())

    def notify(self, notice: Notice) -> bool:
        kwargs = {"ref": notice.ref, "reason": notice.reason}
        if notice.channel == "wechat":
            if self.template and self.sender.transport == "wechat":
                return self.sender.send_template(
                    notice.user, self.template, template_data(notice), text=notice.text, **kwargs
                )
            return self.sender.send_text(notice.user, notice.text, **kwargs)
        if notice.channel == "miniprogram" and self.mp_template and all(self._mp_account):
            return self.miniprogram.send_subscribe_message(
                notice.user, self.mp_template, subscribe_data(notice), text=notice.text, **kwargs
            )
        return self.recording.send_text(notice.user, notice.text, **kwargs)
