"""Staff answers to hand-offs, and getting them to the citizen or volunteer.

A staff reply is sent as a WeChat customer-service (客服) message when WeChat still allows one:
within ``WINDOW`` (48 hours) of the user's last message to us (their newest ``Exchange``).
Otherwise — the window has passed, the channel has no such messages (the mini-program), or
the send failed — the answer is kept, and ``pending_staff_replies`` hands it to the engine the
next time that user writes, marking it delivered, so it reaches them exactly once.

Hand-off statuses: ``open`` (no answer yet) → ``answered`` (answer kept, not delivered) →
``delivered``; or ``closed`` (staff closed it without an answer).

Whether an answer can go out now is decided in one place, ``send_state``: the inbox list, the
hand-off's page and ``deliver`` all ask it. The engine tags a hand-off's context with its kind
(``[report] …``, ``[complaint] …``); ``kind_of`` and ``context_of`` read it so staff see a badge,
not the tag. A member of staff takes a case in hand with ``claim`` (认领); while it is claimed,
nobody else answers it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.handoffs import mark_delivered, pending_staff_replies, reply_text
from bot.models import Exchange, Handoff
from shebao.clock import utcnow
from shebao.db import Database
from webhooks.admin.models import HandoffClaim

__all__ = [
    "claim",
    "claims_of",
    "context_of",
    "deliver",
    "kind_of",
    "pending_staff_replies",
    "record_answer",
    "release",
    "reply_text",
    "send_state",
    "window_open",
]

#: What the engine hands over (bot/simple.py tags the context ``[kind] …``); untagged: handoff.
KINDS = ("handoff", "report", "complaint")
_TAG = re.compile(r"^\[([a-z_.]+)\]\s*")

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


def kind_of(handoff: Handoff) -> str:
    """``handoff`` (asked for a person), ``report`` (举报 of fraud) or ``complaint`` (投诉)."""
    found = _TAG.match(handoff.context or "")
    kind = found.group(1) if found else "handoff"
    return kind if kind in KINDS else "handoff"


def is_kind(kind: str) -> ColumnElement[bool]:
    """The SQL condition for a hand-off of this kind (as ``kind_of`` reads it)."""
    tagged = [Handoff.context.like(f"[{k}]%") for k in KINDS if k != "handoff"]
    if kind == "handoff":
        return and_(*(~t for t in tagged))
    return Handoff.context.like(f"[{kind}]%")


def context_of(handoff: Handoff) -> str:
    """The hand-off's context without the engine's ``[kind]`` tag."""
    return _TAG.sub("", handoff.context or "", count=1)


def send_state(session: Session, handoff: Handoff, now: datetime | None = None) -> str:
    """The one rule for whether a staff answer can go out now as a customer-service message:
    ``now``; ``window_passed`` (WeChat's 48 hours are over); ``channel`` (the channel has no such
    messages, e.g. the mini-program). Otherwise the answer waits for the user's next message."""
    if openid_of(handoff) is None:
        return "channel"
    if not window_open(session, handoff, now):
        return "window_passed"
    return "now"


class AlreadyClaimed(Exception):
    """Someone else has this hand-off in hand."""

    def __init__(self, by: str) -> None:
        super().__init__(by)
        self.by = by


def claims_of(session: Session, ids: Iterable[int]) -> dict[int, HandoffClaim]:
    wanted = list(ids)
    if not wanted:
        return {}
    rows = session.scalars(select(HandoffClaim).where(HandoffClaim.handoff_id.in_(wanted)))
    return {c.handoff_id: c for c in rows}


def claim(db: Database, handoff_id: int, staff: str) -> HandoffClaim:
    """认领: ``staff`` takes the hand-off in hand. Raises ``AlreadyClaimed`` when another has it
    (also when two people press the button at the same moment: the table's key decides)."""
    try:
        with db.session() as s:
            held = s.get(HandoffClaim, handoff_id)
            if held is not None:
                if held.claimed_by != staff:
                    raise AlreadyClaimed(held.claimed_by)
                s.expunge(held)
                return held
            new = HandoffClaim(handoff_id=handoff_id, claimed_by=staff, claimed_at=utcnow())
            s.add(new)
            s.flush()
            s.expunge(new)
            return new
    except IntegrityError:
        with db.session() as s:
            held = s.get(HandoffClaim, handoff_id)
            raise AlreadyClaimed(held.claimed_by if held else "") from None


def release(session: Session, handoff_id: int) -> str | None:
    """Give the hand-off back (放弃认领); returns who had it."""
    held = session.get(HandoffClaim, handoff_id)
    if held is None:
        return None
    session.delete(held)
    return held.claimed_by


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
        state = send_state(s, handoff)
        openid = openid_of(handoff)
        if state != "now" or openid is None:
            return Delivery(False, state)
        text = reply_text(handoff)
    try:
        sender.send_text(openid, text, ref=f"handoff:{handoff_id}", reason="handoff_reply")
    except Exception as exc:  # SendError, or a transport's own error
        return Delivery(False, "send_failed", str(exc)[:200])
    mark_delivered(db, [handoff_id])
    return Delivery(True, "sent")
