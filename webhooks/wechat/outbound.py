"""What the service sends to WeChat: one interface, a wechatpy and a recording implementation,
and the ``Sender`` that sends each ``ref`` at most once.

``WeChatOutbound`` (a Protocol) is everything we ask of WeChat's API: customer-service (客服)
texts, template messages (Official Account), subscription messages (mini-program), the
access_token and the custom menu. ``WeChatClientOutbound`` does it with wechatpy's
``WeChatClient`` over HTTP (for the Official Account, token.py's ``SharedTokenClient``: one
stable_token for every worker); ``RecordingOutbound`` sends nothing and keeps what would have
been sent, for development and tests. ``make_outbound`` picks one by configuration
(``WECHAT_OUTBOUND``: ``wechat`` or ``recording``; unset, an account with AppID and secret
sends through WeChat and one without records).

``Sender`` writes every send to ``wechat_outbound_message`` first, under the caller's ``ref``,
then hands it to its ``WeChatOutbound``: a second send with the same ``ref`` is refused, so a
late answer, a staff hand-off reply or an application notice reaches the citizen once,
whichever worker tries. Callers (the responder's late answers, app/jobs.py's ``send_text``,
the console's hand-off replies, webhooks/application_notices.py) use a ``Sender``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from shebao.clock import utcnow
from shebao.db import Database
from shebao.masking import mask_text
from shebao.settings import Settings
from webhooks.models import OutboundMessage
from webhooks.wechat.protocol import CUSTOMER_SERVICE_MAX_BYTES, fit_bytes

log = logging.getLogger("shebao.wechat.outbound")

SEND_TEXT = "wechat.send_text"
"""The outbox's job kind of a customer-service message (its handler: app/jobs.py)."""

TemplateData = dict[str, dict[str, str]]
"""A template or subscription message's fields: ``{"keyword1": {"value": "…"}, …}``."""


class SendError(Exception):
    """The message could not be sent; the outbound record says ``failed`` with the reason."""


class WeChatOutbound(Protocol):
    """Everything the service sends to WeChat's API (one Official Account or mini-program)."""

    #: the send log's ``transport``: "wechat" (sent) or "recorded" (kept, not sent)
    transport: str
    #: the send log's ``status`` once a send is done: "sent" or "recorded"
    done_status: str

    def send_text(self, openid: str, text: str) -> None:
        """A customer-service text message (raises on failure)."""

    def send_template(self, openid: str, template_id: str, data: TemplateData) -> None:
        """An Official Account template message."""

    def send_subscribe_message(self, openid: str, template_id: str, data: TemplateData) -> None:
        """A mini-program subscription message."""

    def access_token(self) -> str:
        """The account's current access_token."""

    def create_menu(self, menu: dict[str, Any]) -> dict[str, Any]:
        """Replace the custom menu (``menu/create``); WeChat's answer."""


class WeChatClientOutbound:
    """Production: wechatpy's ``WeChatClient`` (its HTTP calls are the boundary tests stub)."""

    transport = "wechat"
    done_status = "sent"

    def __init__(self, client: Any) -> None:
        self.client = client

    def send_text(self, openid: str, text: str) -> None:
        self.client.message.send_text(openid, text)

    def send_template(self, openid: str, template_id: str, data: TemplateData) -> None:
        self.client.message.send_template(openid, template_id, data)

    def send_subscribe_message(self, openid: str, template_id: str, data: TemplateData) -> None:
        self.client.wxa.send_subscribe_message(openid, template_id, data)

    def access_token(self) -> str:
        return str(self.client.access_token)

    def create_menu(self, menu: dict[str, Any]) -> dict[str, Any]:
        return dict(self.client.menu.create(menu))


@dataclass(frozen=True)
class Recorded:
    """One call a ``RecordingOutbound`` kept instead of sending."""

    kind: str  # text | template | subscribe | menu
    openid: str | None
    payload: dict[str, Any] = field(default_factory=dict)


class RecordingOutbound:
    """Development and tests: nothing leaves; every call is kept in ``sent``, in order."""

    transport = "recorded"
    done_status = "recorded"
    TOKEN = "recorded-access-token"

    def __init__(self) -> None:
        self.sent: list[Recorded] = []
        self._lock = threading.Lock()

    def _keep(self, kind: str, openid: str | None, **payload: Any) -> None:
        with self._lock:
            self.sent.append(Recorded(kind, openid, payload))

    def send_text(self, openid: str, text: str) -> None:
        self._keep("text", openid, text=text)

    def send_template(self, openid: str, template_id: str, data: TemplateData) -> None:
        self._keep("template", openid, template_id=template_id, data=data)

    def send_subscribe_message(self, openid: str, template_id: str, data: TemplateData) -> None:
        self._keep("subscribe", openid, template_id=template_id, data=data)

    def access_token(self) -> str:
        return self.TOKEN  # no account, nothing fetched

    def create_menu(self, menu: dict[str, Any]) -> dict[str, Any]:
        self._keep("menu", None, menu=menu)
        return {"errcode": 0, "errmsg": "recorded"}


def sends_through_wechat(settings: Settings, appid: str | None, secret: str | None) -> bool:
    """Whether an account with ``appid`` and ``secret`` sends through WeChat under
    ``settings.wechat_outbound`` (``Settings.effective_wechat_outbound`` checks the value)."""
    mode = settings.wechat_outbound
    if mode == "recording":
        return False
    return bool(appid and secret)


def make_outbound(settings: Settings) -> WeChatOutbound:
    """The Official Account's outbound adapter, as ``WECHAT_OUTBOUND`` says."""
    if settings.effective_wechat_outbound == "recording":
        return RecordingOutbound()
    from webhooks.wechat.token import shared_client

    client = shared_client(settings)
    assert client is not None  # effective_wechat_outbound: "wechat" needs AppID and secret
    return WeChatClientOutbound(client)


def miniprogram_outbound(
    settings: Settings, appid: str | None, secret: str | None
) -> WeChatOutbound:
    """The mini-program's outbound adapter (subscription messages): wechatpy with its
    ``appid`` and ``secret`` (``MINIPROGRAM_APPID``/``MINIPROGRAM_SECRET``) unless
    ``WECHAT_OUTBOUND=recording``; recording without them."""
    if not sends_through_wechat(settings, appid, secret):
        return RecordingOutbound()
    from wechatpy import WeChatClient

    return WeChatClientOutbound(WeChatClient(appid, secret, timeout=5))


class Sender:
    """Sends to WeChat users outside a passive reply through a ``WeChatOutbound``, each
    ``ref`` at most once (the send log ``wechat_outbound_message`` decides)."""

    def __init__(self, db: Database, outbound: WeChatOutbound) -> None:
        self.db = db
        self.outbound = outbound

    @property
    def transport(self) -> str:
        return self.outbound.transport

    def send_text(
        self, openid: str, text: str, *, ref: str | None = None, reason: str = ""
    ) -> bool:
        """Send ``text`` to ``openid`` as a customer-service message; with ``ref``, at most
        once per ``ref``.

        Returns True when sent now, False when a send with this ``ref`` already happened (or
        is under way). Raises ``SendError`` when the send failed; a failed ``ref`` may be
        tried again.
        """
        text = fit_bytes(text, CUSTOMER_SERVICE_MAX_BYTES)
        return self._send(
            openid, text, ref, reason, "text", lambda: self.outbound.send_text(openid, text)
        )

    def send_template(
        self,
        openid: str,
        template_id: str,
        data: TemplateData,
        *,
        text: str,
        ref: str | None = None,
        reason: str = "",
    ) -> bool:
        """A template message; ``text`` is what the send log keeps (the notice's wording)."""
        return self._send(
            openid,
            text,
            ref,
            reason,
            "template",
            lambda: self.outbound.send_template(openid, template_id, data),
        )

    def send_subscribe_message(
        self,
        openid: str,
        template_id: str,
        data: TemplateData,
        *,
        text: str,
        ref: str | None = None,
        reason: str = "",
    ) -> bool:
        """A mini-program subscription message; ``text`` is what the send log keeps."""
        return self._send(
            openid,
            text,
            ref,
            reason,
            "subscribe",
            lambda: self.outbound.send_subscribe_message(openid, template_id, data),
        )

    def _send(
        self,
        openid: str,
        text: str,
        ref: str | None,
        reason: str,
        msg_type: str,
        deliver: Callable[[], None],
    ) -> bool:
        record_id = self._claim(openid, text, ref, reason, msg_type)
        if record_id is None:
            log.info("outbound %s already sent (ref=%s)", self.transport, ref)
            return False
        try:
            deliver()
        except Exception as exc:
            self._finish(record_id, "failed", f"{type(exc).__name__}: {exc}")
            log.warning("outbound %s to %s failed: %s", self.transport, _short(openid), exc)
            raise SendError(str(exc)) from exc
        self._finish(record_id, self.outbound.done_status, None)
        log.info(
            "outbound %s %s to %s ref=%s reason=%s text=%s",
            self.transport,
            msg_type,
            _short(openid),
            ref,
            reason,
            mask_text(text[:80]),
        )
        return True

    def _claim(
        self, openid: str, text: str, ref: str | None, reason: str, msg_type: str
    ) -> int | None:
        row = OutboundMessage(
            ref=ref,
            openid=openid,
            msg_type=msg_type,
            content=text,
            reason=reason,
            transport=self.transport,
            status="sending",
        )
        try:
            with self.db.session() as s:
                s.add(row)
                s.flush()
                return row.id
        except IntegrityError:
            pass
        # The ref exists: only a failed send may be tried again (compare-and-set).
        with self.db.session() as s:
            found = s.execute(
                select(OutboundMessage.id).where(OutboundMessage.ref == ref)
            ).scalar_one_or_none()
            if found is None:
                return None
            result = s.execute(
                update(OutboundMessage)
                .where(OutboundMessage.id == found, OutboundMessage.status == "failed")
                .values(status="sending", content=text, error=None)
            )
            return found if result.rowcount == 1 else None  # type: ignore[attr-defined]

    def _finish(self, record_id: int, status: str, error: str | None) -> None:
        with self.db.session() as s:
            s.execute(
                update(OutboundMessage)
                .where(OutboundMessage.id == record_id)
                .values(
                    status=status, error=error, sent_at=utcnow() if status != "failed" else None
                )
            )


def make_sender(settings: Settings, db: Database) -> Sender:
    """The Official Account's ``Sender``, over ``make_outbound(settings)``."""
    return Sender(db, make_outbound(settings))


def current_sender() -> Sender:
    """The sender of the current Flask app (for views such as the staff console)."""
    return current_app.extensions["wechat"].sender  # type: ignore[no-any-return]


def _short(openid: str) -> str:
    return openid[:6] + "…" if len(openid) > 6 else openid
