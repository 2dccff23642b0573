"""Disputes: right after an answer, a reply saying it was wrong (不对, 答非所问, 我问的是…).

Recognised on the normalised text (so traditional, Cantonese and voice forms count alike) and
only as the whole message, or as 「我问的是…」 carrying a new wording: a question that merely
starts with 不是 (不是本地户口能交社保吗) is a question. The bot apologises, offers the next
candidates (or asks for another wording) and 「转人工」, and records the disputed exchange for
staff (``bot.models.Dispute``, text masked as in the exchange record).

The mini-program has buttons instead: ``give_feedback`` takes helpful / not helpful on one
answer, and a not-helpful one is a dispute too (``kind="not_helpful"``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import AnswerFeedback, Dispute, Exchange
from knowledge.models import Entry
from shebao.clock import utcnow
from shebao.masking import mask_text

_PARTICLES = "(?:吧|啊|呀|哦|喔|呢|的|了|哈|嘛|啦|哇|额|呃)*"
_WRONG = (
    "不对|不是这个|不是这个意思|不是这样|不是这回事|不是我要的|不是我问的|不是我想问的"
    "|我问的不是这个|问的不是这个|答非所问|文不对题|牛头不对马嘴|没用|没有用|没帮助|没啥用"
    "|错了|答错了|你答错了|说错了|你说错了|你说的不对|说的不对|说得不对|你说得不对|不准确"
    "|不是这个问题|看不懂|乱答|瞎说|胡说"
)
_WHOLE = re.compile(rf"^(?:{_WRONG}){_PARTICLES}$")
_RESTATED = re.compile(
    rf"^(?:(?:{_WRONG}){_PARTICLES})?(?:我|俺|我们)?(?:是)?(?:想|要)?问的?是(?P<wording>.{{2,}})$"
)


@dataclass(frozen=True)
class Said:
    """A dispute, and the question it carries when it restates one (「我问的是…」)."""

    wording: str | None = None


_WORDING = re.compile(r"问的?是[:：,，\s]*(?P<wording>.+)$")


def recognise(normalized: str, readable: str | None = None) -> Said | None:
    """The dispute in ``normalized``, or None when it is not one. A restated question is
    taken from ``readable`` (the same text with its punctuation) when given."""
    text = normalized.strip()
    if _WHOLE.match(text):
        return Said()
    restated = _RESTATED.match(text)
    if restated is None:
        return None
    kept = _WORDING.search(readable or "")
    wording = kept.group("wording").strip() if kept else ""
    return Said(wording or restated.group("wording"))


def record(
    s: Session,
    *,
    kind: str,
    channel: str,
    user_key: str,
    exchange: Exchange,
    said: str,
    wording: str | None = None,
    offered: list[str] | None = None,
) -> Dispute:
    """The disputed exchange, for staff: what was asked, answered and said next, masked."""
    entry = s.get(Entry, exchange.faq_id) if exchange.faq_id else None
    dispute = Dispute(
        kind=kind,
        channel=channel,
        user_key=user_key,
        exchange_id=exchange.id,
        entry_id=exchange.faq_id,
        entry_version=entry.version if entry is not None else None,
        question=exchange.message,  # masked when the exchange was recorded
        answer=exchange.reply,
        said=mask_text(said),
        wording=mask_text(wording) if wording else None,
        offered=list(offered or []),
    )
    s.add(dispute)
    return dispute


class NotYours(LookupError):
    """No answer of that id was given to this user (or none at all: the same to them)."""


def give_feedback(
    s: Session, user_key: str, exchange_id: int, helpful: bool, comment: str | None = None
) -> AnswerFeedback:
    """Helpful / not helpful on one answer the same user received; idempotent per answer and
    user (the last word counts). Not helpful opens a dispute for staff, helpful withdraws it."""
    exchange = s.get(Exchange, exchange_id)
    if exchange is None or exchange.user_key != user_key:
        raise NotYours(exchange_id)
    comment = mask_text(comment.strip()) if comment and comment.strip() else None
    found = s.scalar(
        select(AnswerFeedback).where(
            AnswerFeedback.exchange_id == exchange_id, AnswerFeedback.user_key == user_key
        )
    )
    if found is None:
        found = AnswerFeedback(exchange_id=exchange_id, user_key=user_key, helpful=helpful)
        s.add(found)
    found.helpful, found.comment, found.updated_at = helpful, comment, utcnow()
    opened = s.scalar(
        select(Dispute).where(
            Dispute.exchange_id == exchange_id,
            Dispute.user_key == user_key,
            Dispute.kind == "not_helpful",
        )
    )
    if helpful and opened is not None and opened.status == "open":
        s.delete(opened)
    elif not helpful and opened is None:
        record(
            s,
            kind="not_helpful",
            channel=exchange.channel,
            user_key=user_key,
            exchange=exchange,
            said=comment or "",
        )
    elif not helpful and opened is not None:
        opened.said = comment or ""
    return found
