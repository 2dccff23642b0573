"""Outbound customer-service (客服) messages: the ``Sender`` interface and its two implementations.

``WeChatSender`` sends through wechatpy's ``WeChatClient.message.send_text`` (the access_token
kept in Redis when ``REDIS_URL`` is set, so every worker shares one). ``RecordingSender`` only
records, for development and tests, where there is no AppID/secret. ``make_sender`` picks one
by configuration. Both write every send to ``wechat_outbound_message`` first, under the
caller's ``ref``: a second send with the same ``ref`` is refused, so a late answer or a staff
hand-off reply reaches the citizen once, whichever worker tries.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from typing import Any

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


class SendError(Exception):
    """The message could not be sent; the outbound record says ``failed`` with the reason."""


class Sender(ABC):
    """Sends text to a WeChat user outside a passive reply (a customer-service message)."""

    transport: str = ""
    done_status: str = "sent"

    def __init__(self, db: Database) -> None:
        self.db = db

    def send_text(
        self, openid: str, text: str, *, ref: str | None = None, reason: str = ""
    ) -> bool:
        """Send ``text`` to ``openid``; with ``ref``, at most once per ``ref``.

        Returns True when sent now, False when a send with this ``ref`` already happened (or
        is under way). Raises ``SendError`` when the send failed; a failed ``ref`` may be
        tried again.
        """
        text = fit_bytes(text, CUSTOMER_SERVICE_MAX_BYTES)
        record_id = self._claim(openid, text, ref, reason)
        if record_id is None:
            log.info("outbound %s already sent (ref=%s)", self.transport, ref)
            return False
        try:
            self._deliver(openid, text)
        except Exception as exc:
            self._finish(record_id, "failed", f"{type(exc).__name__}: {exc}")
            log.warning("outbound %s to %s failed: %s", self.transport, _short(openid), exc)
            raise SendError(str(exc)) from exc
        self._finish(record_id, self.done_status, None)
        log.info(
            "outbound %s to %s ref=%s reason=%s text=%s",
            self.transport,
            _short(openid),
            ref,
            reason,
            mask_text(text[:80]),
        )
        return True

    @abstractmethod
    def _deliver(self, openid: str, text: str) -> None:
        """Hand the message to its transport; raise on failure."""

    def _claim(self, openid: str, text: str, ref: str | None, reason: str) -> int | None:
        row = OutboundMessage(
            ref=ref,
            openid=openid,
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


class RecordingSender(Sender):
    """Development and tests: the message is only recorded (status ``recorded``)."""

    transport = "recorded"
    done_status = "recorded"

    def _deliver(self, openid: str, text: str) -> None:
        return None


class WeChatSender(Sender):
    """Production: ``WeChatClient.message.send_text``."""

    transport = "wechat"

    def __init__(self, db: Database, client: Any) -> None:
        super().__init__(db)
        self.client = client

    def _deliver(self, openid: str, text: str) -> None:
        self.client.message.send_text(openid, text)


def make_client(settings: Settings) -> Any | None:
    """A wechatpy ``WeChatClient`` when AppID and secret are configured, else None.

    It is webhooks.wechat.token's ``SharedTokenClient``: one stable_token for every worker (in
    Redis under a lock when ``REDIS_URL`` is set, else per process), falling back to memory
    while Redis is down.
    """
    from webhooks.wechat.token import shared_client

    return shared_client(settings)


def make_sender(settings: Settings, db: Database) -> Sender:
    """``WeChatSender`` with AppID and secret configured, else ``RecordingSender``."""
    client = make_client(settings)
    return WeChatSender(db, client) if client is not None else RecordingSender(db)


def current_sender() -> Sender:
    """The sender of the current Flask app (for views such as the staff console)."""
    return current_app.extensions["wechat"].sender  # type: ignore[no-any-return]


def _short(openid: str) -> str:
    return openid[:6] + "…" if len(openid) > 6 else openid
