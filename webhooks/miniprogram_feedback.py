"""``POST /api/mp/feedback``: helpful / not helpful on one answer the same user received.

Idempotent per answer and user (the last word counts), rate-limited per user, and an answer
given to someone else is "not found" (whether it exists is not theirs to know). A not-helpful
rating reaches the staff console as a dispute (bot.disputes).
"""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, jsonify

from bot.disputes import NotYours, give_feedback
from shebao import metrics
from shebao.ratelimit import RateLimiter
from shebao.redis import hub_for
from webhooks.miniprogram import ApiError, body, bp, me, services

MAX_COMMENT = 200


def _limiter() -> RateLimiter:
    limiter = current_app.extensions.get("shebao.feedback_limit")
    if limiter is None:
        settings = services().settings
        limiter = RateLimiter(
            hub_for(settings.redis_url),
            limit=settings.feedback_per_minute,
            namespace="mp-feedback",
        )
        current_app.extensions["shebao.feedback_limit"] = limiter
    return limiter


def bad(field: str, value: object) -> ApiError:
    return ApiError("field_missing" if value is None else "invalid_field", field=field)


def _fields(data: dict[str, Any]) -> tuple[int, bool, str | None]:
    answer_id, helpful, comment = data.get("answer_id"), data.get("helpful"), data.get("comment")
    if isinstance(answer_id, bool) or not isinstance(answer_id, int) or answer_id < 1:
        raise bad("answer_id", answer_id)
    if not isinstance(helpful, bool):
        raise bad("helpful", helpful)
    if comment is not None and not isinstance(comment, str):
        raise bad("comment", comment)
    if comment is not None and len(comment) > MAX_COMMENT:
        raise ApiError("field_too_long", field="comment", max_length=MAX_COMMENT)
    return answer_id, helpful, comment


@bp.post("/feedback")
def feedback() -> tuple[Response, int]:
    key = me()
    answer_id, helpful, comment = _fields(body())
    if not _limiter().allow(key):
        metrics.rate_limited("miniprogram-feedback")
        raise ApiError("rate_limited", retry_after=60)
    try:
        with services().db.session() as s:
            give_feedback(s, key, answer_id, helpful, comment)
    except NotYours as exc:
        raise ApiError("not_found") from exc
    return jsonify({"answer_id": answer_id, "helpful": helpful, "recorded": True}), 200
