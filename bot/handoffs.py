"""Staff answers to hand-offs that could not be sent: shown once, the next time the user writes.

The staff console records answers and sends them as customer-service messages when WeChat
allows; what it could not send waits here, and the engine puts it before its next reply.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot import texts
from bot.models import Handoff
from shebao.clock import utcnow
from shebao.db import Database


def reply_text(handoff: Handoff) -> str:
    question = handoff.question.strip()
    if len(question) > 40:
        question = question[:40] + "……"
    return texts.STAFF_REPLY.format(question=question, answer=(handoff.answer or "").strip())


def mark_delivered(db: Database, ids: list[int]) -> list[int]:
    """Mark these hand-offs delivered; return the ids this call marked (not already done)."""
    done: list[int] = []
    with db.session() as s:
        for handoff_id in ids:
            result = s.execute(
                update(Handoff)
                .where(
                    Handoff.id == handoff_id,
                    Handoff.delivered_at.is_(None),
                    Handoff.answer.is_not(None),
                )
                .values(delivered_at=utcnow(), status="delivered")
            )
            if result.rowcount == 1:  # type: ignore[attr-defined]
                done.append(handoff_id)
    return done


def has_pending(session: Session, user_key: str) -> bool:
    """A cheap check, made in the engine's first read, before taking the slower path."""
    return (
        session.scalar(
            select(Handoff.id)
            .where(
                Handoff.user_key == user_key,
                Handoff.answer.is_not(None),
                Handoff.delivered_at.is_(None),
            )
            .limit(1)
        )
        is not None
    )


def pending_staff_replies(db: Database, user_key: str) -> list[str]:
    """Staff answers not yet delivered to ``user_key`` (the engine's ``channel:user``), as the
    texts to show them, oldest first; each is marked delivered, so it is shown once even when
    several workers ask at the same moment."""
    with db.session() as s:
        rows = s.scalars(
            select(Handoff)
            .where(
                Handoff.user_key == user_key,
                Handoff.answer.is_not(None),
                Handoff.delivered_at.is_(None),
            )
            .order_by(Handoff.answered_at, Handoff.id)
        ).all()
        texts_by_id = {h.id: reply_text(h) for h in rows}
    if not texts_by_id:
        return []
    done = set(mark_delivered(db, list(texts_by_id)))
    return [text for handoff_id, text in texts_by_id.items() if handoff_id in done]
