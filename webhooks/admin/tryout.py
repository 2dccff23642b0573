"""「试问」: a conversation simulator. Staff talk to the engine as a citizen would in WeChat and
see, beside each reply, how it was reached.

The page keeps the conversation (what was said, in the form's hidden fields) and the asker's
settings: the region they start in, whether they are bound (to one of the sandbox's demo
people; only when the core services are the sandbox) and whether drafts are tried before they
are published. Each request rehearses the whole conversation with ``Bot.explain``
(bot/rehearsal.py), which writes nothing: trying never counts as a citizen's question, never
reaches the unanswered queue or the hand-off inbox. Each turn shows its intent, outcome,
decision and the entries offered; the last turn also the normalised text, the intent
classifier's guess (with the n-grams that weighed most) and the knowledge-base candidates with
their scores and why they matched.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, render_template, request

from bot import policy
from bot.personal import service
from bot.rehearsal import MAX_TURNS, Rehearsable, Rehearsed, is_sandbox
from bot.types import Message
from proxy.sandbox.demo import CITIZENS, ONE_TIME_CODE
from webhooks.admin.forms import TryForm
from webhooks.admin.preview import content_budget
from webhooks.admin.web import record, transaction
from webhooks.services import services

bp = Blueprint("tryout", __name__, url_prefix="/try")


@dataclass(frozen=True)
class Asker:
    """Who the simulated citizen is: the region they start in, and whom they are bound as."""

    region: str | None
    bound_as: int | None  # index into the sandbox's demo citizens
    drafts: bool


@bp.get("")
def index() -> str:
    form = TryForm(request.args, meta={"csrf": False})
    form.who.choices = who_choices()
    said = [s for s in request.args.getlist("said") if s.strip()][: MAX_TURNS - 1]
    text = (request.args.get("text") or "").strip()
    asker = Asker(
        region=form.region.data or None,
        bound_as=_bound_as(form.who.data),
        drafts=bool(form.drafts.data),
    )
    result: dict[str, Any] | None = None
    if text and form.validate():
        result = simulate([*said, text], asker)
        with transaction() as s:
            record(s, "try", text[:200], region=asker.region, turn=len(said) + 1)
    elif said:
        result = simulate(said, asker)
    return render_template(
        "admin/try.html",
        form=form,
        result=result,
        sandbox=is_sandbox(services().settings),
        max_turns=MAX_TURNS,
    )


def who_choices() -> list[tuple[str, str]]:
    """Unbound, or bound as one of the sandbox's demo people (only with the sandbox core)."""
    choices = [("", "未绑定")]
    if is_sandbox(services().settings):
        choices += [
            (str(i), f"已绑定：{c.name}（{c.region}，演示数据）") for i, c in enumerate(CITIZENS)
        ]
    return choices


def _bound_as(value: str | None) -> int | None:
    if not value or not value.isdigit() or not is_sandbox(services().settings):
        return None
    i = int(value)
    return i if i < len(CITIZENS) else None


def simulate(said: list[str], asker: Asker) -> dict[str, Any]:
    """Rehearse the conversation ``said`` (oldest first) and explain its last turn."""
    bot = services().bot
    user = f"try-{uuid.uuid4().hex[:12]}"
    budget = content_budget()
    messages = [
        Message(
            channel="console",
            user=user,
            text=text,
            region=asker.region if i == 0 else None,  # where the asker starts; they may move
            max_bytes=budget,
        )
        for i, text in enumerate(said)
    ]
    key = f"console:{user}"
    setup = _binder(asker.bound_as, key) if asker.bound_as is not None else None
    turns = bot.explain(messages, setup=setup, drafts=asker.drafts)
    last = turns[-1]
    return {
        "turns": [_turn(t) for t in turns],
        "said": said,
        "last": explain(bot, last),
        "reply": last.reply,
        "region": last.region,
        "budget": budget,
        "answer_at": policy.ANSWER_AT,
        "clarify_at": policy.CLARIFY_AT,
    }


def _binder(citizen: int, key: str) -> Callable[[Rehearsable], None]:
    """Bind ``key`` to a demo person the way a citizen does: ID, name and phone, then the code
    the sandbox always sends."""
    person = CITIZENS[citizen]

    def bind(engine: Rehearsable) -> None:
        service.start_binding(engine, key, person.id_number, person.name, person.phone)
        service.confirm_binding(engine, key, "console", ONE_TIME_CODE)

    return bind


def _turn(turn: Rehearsed) -> dict[str, Any]:
    reply = turn.reply
    return {
        "said": turn.message.text,
        "reply": reply,
        "region": turn.region,
        "offered": [(c.faq_id, c.question) for c in reply.candidates],
    }


def explain(bot: Any, turn: Rehearsed) -> dict[str, Any] | None:
    """What understanding made of the turn's text on its own: normalised, classified, retrieved."""
    understood = turn.understood
    if understood is None:
        return None
    text = turn.message.text
    prediction = understood.prediction
    try:
        why = bot.understanding.classifier.explain(text, prediction.intent)
    except Exception:  # an explanation is a nicety; never fail the page for it
        why = []
    return {
        "text": text,
        "normalized": understood.normalized,
        "intent": prediction.intent,
        "confidence": prediction.confidence,
        "scores": sorted(prediction.scores.items(), key=lambda kv: -kv[1])[:4],
        "why": why,
        "hits": understood.hits,
    }
