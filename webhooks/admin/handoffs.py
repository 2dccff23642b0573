"""Staff answers to hand-offs, and getting them to the citizen or volunteer.

A staff reply is sent as a WeChat customer-service (客服) message when WeChat still allows one:
within ``WINDOW`` (48 hours) of the user's last message to us (their newest ``Exchange``).
Otherwise — the window has passed, the channel has no such messages (the mini-program), or
the send failed — the answer is kept, and ``pending_staff_replies`` hands it to the engine the
next time that user writes, marking it delivered, so it reaches them exactly once.

Hand-off statuses: ``open`` (no answer yet) → ``answered`` (answer kept, not delivered) →
``delivered``; or ``closed`` (staff closed it without an answer).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.handoffs import mark_delivered, pending_staff_replies, reply_text
from bot.models import Exchange, Handoff
from shebao.clock import utcnow
from shebao.db import Database

__all__ = ["deliver", "pending_staff_replies", "record_answer", "reply_text", "window_open"]

WINDOW = timedelta(hours=48)
#: Leave a margin so a send does not race the window's end.
WINDOW_MARGIN = timedelta(minutes=5)


@dataclass(frozen=True)
class Delivery:
    sent: bool  # True: went out as a customer-service message now
    reason: str  # "sent", "window_passed", "channel", "send_failed", "already_sent"
    error: str = ""


def last_message_at(session: Session, user_key: str) -> datetime | None:
    return session.scalar(
        select(func.max(Exchange.created_at)).where(Exchange.user_key == user_key)
    )


def window_open(session: Session, handoff: Handoff, now: datetime | None = None) -> bool:
    """Whether WeChat still accepts a customer-service message to this hand-off's user."""
    last = last_message_at(session, handoff.user_key) or handoff.created_at
    return (now or utcnow()) < last + WINDOW - WINDOW_MARGIN


def openid_of(handoff: Handoff) -> str | None:
    """The WeChat openid behind the engine's user key ``wechat:<openid>``."""
    channel, _, user = handoff.user_key.partition(":")
    if handoff.channel != "wechat" or channel != "wechat" or not user:
        return None
    return user


def record_answer(session: Session, handoff: Handoff, answer: str, staff: str) -> None:
    handoff.answer = answer.strip()
    handoff.answered_by = staff
    handoff.answered_at = utcnow()
    handoff.status = "answered"


def deliver(db: Database, handoff_id: int, sender: Any) -> Delivery:
    """Send the answer of an answered hand-off now if WeChat allows it; else leave it pending.

    ``sender`` is the webhook's ``Sender`` (``send_text(openid, text, ref=, reason=)``); the
    ``ref`` ``handoff:<id>`` makes a second try a no-op.
    """
    with db.session() as s:
        handoff = s.get(Handoff, handoff_id)
        if handoff is None or handoff.answer is None or handoff.delivered_at is not None:
            return Delivery(False, "already_sent")
        openid = openid_of(handoff)
        if openid is None:
            return Delivery(False, "channel")
        if not window_open(s, handoff):
            return Delivery(False, "window_passed")
        text = reply_text(handoff)
    try:
        sender.send_text(openid, text, ref=f"handoff:{handoff_id}", reason="handoff_reply")
    except Exception as exc:  # SendError, or a transport's own error
        return Delivery(False, "send_failed", str(exc)[:200])
    mark_delivered(db, [handoff_id])
    return Delivery(True, "sent")
