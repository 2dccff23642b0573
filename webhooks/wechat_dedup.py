"""Retry de-duplication: a ledger of processed messages shared by every worker through the DB.

WeChat re-sends a message it got no reply to (same ``MsgId``; events: same ``FromUserName`` and
``CreateTime``). The first request to insert the message's key owns it; every other request
for that key is a retry and waits for the owner's outcome instead of processing again. All
state changes are compare-and-set ``UPDATE``s on ``status``, so they hold across processes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from wechatpy.messages import BaseMessage

from shebao.db import Database, utcnow
from webhooks.models import ProcessedMessage


def message_key(message: BaseMessage) -> str:
    """``msg:<MsgId>`` for messages, ``evt:<FromUserName>:<CreateTime>`` for events."""
    data = message._data
    msg_id = str(data.get("MsgId") or "").strip()
    if msg_id and msg_id != "0":
        return f"msg:{msg_id}"
    return f"evt:{data.get('FromUserName', '')}:{data.get('CreateTime', '')}"


@dataclass(frozen=True)
class Outcome:
    status: str  # working | replied | deferred | delivered | failed
    reply_text: str | None
    reply_time: int | None


class Ledger:
    """Claims and outcomes of messages, stored in ``wechat_processed_message``."""

    def __init__(self, db: Database, poll_seconds: float = 0.02) -> None:
        self.db = db
        self.poll_seconds = poll_seconds

    def claim(self, key: str, openid: str, msg_type: str) -> bool:
        """Insert the key. True: this request owns the message. False: it is a retry."""
        try:
            with self.db.session() as s:
                s.add(ProcessedMessage(key=key, openid=openid, msg_type=msg_type,
                                       status="working"))
            return True
        except IntegrityError:
            return False

    def outcome(self, key: str) -> Outcome | None:
        with self.db.session() as s:
            row = s.execute(select(ProcessedMessage.status, ProcessedMessage.reply_text,
                                   ProcessedMessage.reply_time)
                            .where(ProcessedMessage.key == key)).one_or_none()
        return Outcome(*row) if row is not None else None

    def wait(self, key: str, deadline: float) -> Outcome | None:
        """Poll until the owner has an outcome or ``deadline`` (``time.monotonic``) passes."""
        delay = self.poll_seconds
        while True:
            found = self.outcome(key)
            if found is not None and found.status != "working":
                return found
            if time.monotonic() + delay > deadline:
                return found
            time.sleep(delay)
            delay = min(delay * 1.5, 0.2)

    def reply(self, key: str, text: str, reply_time: int, latency_ms: float) -> bool:
        """``working`` → ``replied``: the reply leaves passively. False if already deferred."""
        return self._move(key, "working", "replied", reply_text=text, reply_time=reply_time,
                          latency_ms=latency_ms)

    def defer(self, key: str) -> bool:
        """``working`` → ``deferred``: the answer will go as a customer-service message."""
        return self._move(key, "working", "deferred")

    def settle(self, key: str, status: str, text: str, latency_ms: float) -> bool:
        """``deferred`` → ``delivered`` or ``failed``, with the answer that was (to be) sent."""
        return self._move(key, "deferred", status, reply_text=text, latency_ms=latency_ms)

    def prune(self, older_than: timedelta) -> int:
        """Forget messages older than any WeChat retry (retries come within seconds)."""
        with self.db.session() as s:
            result = s.execute(delete(ProcessedMessage)
                               .where(ProcessedMessage.created_at < utcnow() - older_than))
            return int(result.rowcount)  # type: ignore[attr-defined]

    def _move(self, key: str, old: str, new: str, **values: object) -> bool:
        with self.db.session() as s:
            result = s.execute(update(ProcessedMessage)
                               .where(ProcessedMessage.key == key, ProcessedMessage.status == old)
                               .values(status=new, updated_at=utcnow(), **values))
            return bool(result.rowcount == 1)  # type: ignore[attr-defined]
