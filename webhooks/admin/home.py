"""The console's front page: what is waiting for staff, with links to it."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import func, select

from bot.models import Handoff
from knowledge import curation
from knowledge.models import Entry
from webhooks.admin import disputed, outbox, unanswered
from webhooks.admin.web import transaction
from webhooks.services import services

bp = Blueprint("home", __name__)


@bp.get("/")
def index() -> str:
    with transaction() as s:
        review = curation.awaiting_review(s)
        returned = curation.open_returns(s)
        queue_size = unanswered.queued_count(s)
        open_handoffs = (
            s.scalar(select(func.count()).select_from(Handoff).where(Handoff.status == "open")) or 0
        )
        by_status = dict(s.execute(select(Entry.status, func.count()).group_by(Entry.status)).all())
        generation = curation.generation(s)
        open_disputes = (
            s.scalar(
                select(func.count())
                .select_from(disputed.Dispute)
                .where(disputed.Dispute.status == "open")
            )
            or 0
        )
        limit = services().settings.disputes_flag_per_week
        flagged = disputed.flagged(s, limit)
    return render_template(
        "admin/home.html",
        review=review,
        returned=returned,
        queue_size=queue_size,
        open_handoffs=open_handoffs,
        by_status=by_status,
        generation=generation,
        dead_jobs=outbox.dead_count(),
        open_disputes=open_disputes,
        flagged=flagged,
        flag_limit=limit,
    )
