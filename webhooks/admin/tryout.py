"""「试问」: ask the engine as a citizen in a chosen region and see why it answers as it does.

Shows the normalised text, the intent classifier's guess (with the n-grams that weighed most),
the knowledge-base candidates with their scores and why they matched (matched question and
terms, similarity, coverage), and the reply exactly as WeChat would show it. The reply comes
from ``Bot.handle`` with a throwaway user, whose traces (exchange, dialogue state, any
hand-off) are removed afterwards so trying does not count as a citizen's question.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, render_template, request
from sqlalchemy import delete

from bot import policy
from bot.models import DialogueState, Exchange, Handoff
from bot.types import Message
from webhooks.admin.forms import TryForm
from webhooks.admin.preview import content_budget
from webhooks.admin.web import db, record, transaction
from webhooks.services import services

bp = Blueprint("tryout", __name__, url_prefix="/try")


@bp.get("")
def index() -> str:
    form = TryForm(request.args, meta={"csrf": False})
    result: dict[str, Any] | None = None
    if request.args.get("text") and form.validate():
        result = ask(form.text.data or "", form.region.data or None)
        with transaction() as s:
            record(s, "try", (form.text.data or "")[:200], region=form.region.data or None)
    return render_template("admin/try.html", form=form, result=result)


def ask(text: str, region: str | None) -> dict[str, Any]:
    bot = services().bot
    _fresh_index(bot.understanding)
    understood = bot.understanding.understand(text, region)
    prediction = understood.prediction
    try:
        why = bot.understanding.classifier.explain(text, prediction.intent)
    except Exception:  # an explanation is a nicety; never fail the page for it
        why = []
    user = f"try-{uuid.uuid4().hex}"
    budget = content_budget()
    reply = bot.handle(
        Message(channel="console", user=user, text=text, region=region, max_bytes=budget)
    )
    _forget(f"console:{user}")
    scores = sorted(prediction.scores.items(), key=lambda kv: -kv[1])[:4]
    return {
        "text": text,
        "region": region,
        "normalized": understood.normalized,
        "intent": prediction.intent,
        "confidence": prediction.confidence,
        "scores": scores,
        "why": why,
        "hits": understood.hits,
        "reply": reply,
        "budget": budget,
        "answer_at": policy.ANSWER_AT,
        "clarify_at": policy.CLARIFY_AT,
    }


def _fresh_index(understanding: Any) -> None:
    """Staff try what they just published: rebuild now rather than in the background."""
    if understanding.is_stale():
        understanding.refresh()


def _forget(user_key: str) -> None:
    with db().session() as s:
        for table in (Exchange, Handoff):
            s.execute(delete(table).where(table.user_key == user_key))
        s.execute(delete(DialogueState).where(DialogueState.user_key == user_key))
