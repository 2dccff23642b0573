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

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.models import Exchange, Handoff
from shebao.db import Database, utcnow
from webhooks.admin import texts

WINDOW = timedelta(hours=48)
#: Leave a margin so a send does not race the window's end.
WINDOW_MARGIN = timedelta(minutes=5)


@dataclass(frozen=True)
class Delivery:
    sent: bool  # True: went out as a customer-service message now
    reason: str  # "sent", "window_passed", "channel", "send_failed", "already_sent"
    error: str = ""


def last_message_at(session: Session, user_key: str) -> datetime | None:
    return session.scalar(select(func.max(Exchange.created_at))
                          .where(Exchange.user_key == user_key))


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


def reply_text(handoff: Handoff) -> str:
    question = handoff.question.strip()
    if len(question) > 40:
        question = question[:40] + "……"
    return texts.STAFF_REPLY.format(question=question, answer=(handoff.answer or "").strip())


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
    _mark_delivered(db, [handoff_id])
    return Delivery(True, "sent")


def _mark_delivered(db: Database, ids: list[int]) -> list[int]:
    """Mark these hand-offs delivered; return the ids this call marked (not already done)."""
    done: list[int] = []
    with db.session() as s:
        for handoff_id in ids:
            result = s.execute(update(Handoff)
                               .where(Handoff.id == handoff_id, Handoff.delivered_at.is_(None),
                                      Handoff.answer.is_not(None))
                               .values(delivered_at=utcnow(), status="delivered"))
            if result.rowcount == 1:  # type: ignore[attr-defined]
                done.append(handoff_id)
    return done


def pending_staff_replies(db: Database, user_key: str) -> list[str]:
    """Staff answers not yet delivered to ``user_key`` (the engine's ``channel:user``), as the
    texts to show them, oldest first; each is marked delivered, so it is shown once even when
    several workers ask at the same moment."""
    with db.session() as s:
        rows = s.scalars(select(Handoff)
                         .where(Handoff.user_key == user_key, Handoff.answer.is_not(None),
                                Handoff.delivered_at.is_(None))
                         .order_by(Handoff.answered_at, Handoff.id)).all()
        texts_by_id = {h.id: reply_text(h) for h in rows}
    if not texts_by_id:
        return []
    done = set(_mark_delivered(db, list(texts_by_id)))
    return [text for handoff_id, text in texts_by_id.items() if handoff_id in done]
