"""Multi-turn forms (binding, the 失业保险金 application): what a form kind is, and the tools
form kinds are written with.

A form kind (``FormKind``) has a ``kind``, the ``intent`` its replies are filed under, and
``prompt(turn, form)``, ``step(turn, form) -> Reply | None`` and ``settled(turn, form)``; it is
registered in the engine's registry (bot/registry.py) by the composition root. Its state is
``state.data["form"]`` (``start_form``). How an open form gets a message first, and the
commands the classifier does not know, is bot/intake.py; ``remind`` adds, to the first answer
given while a form is paused, one line saying how to go on.
"""

from __future__ import annotations

import re
from typing import Any, Protocol

from bot.context import Turn
from bot.dialogue import State
from bot.personal import texts as t
from bot.types import Reply
from intents.taxonomy import (
    APPLY_UNEMPLOYMENT,
    BIND,
    CALC_UNEMPLOYMENT,
    CHITCHAT,
    CONTRIBUTIONS,
    HANDOFF,
    OUT_OF_SCOPE,
    PENSION,
    POLICY,
    REPORT_COMPLAINT,
    REPORT_FRAUD,
    UNEMPLOYMENT_STATUS,
)

_QUESTION = re.compile(
    r"[吗么？?]$|怎么|怎样|如何|多少|多久|几个月|哪里|哪儿|什么|为什么|能不能"
    r"|可不可以|是否|能否|可以吗"
)
_STRONG = (
    CONTRIBUTIONS,
    PENSION,
    UNEMPLOYMENT_STATUS,
    APPLY_UNEMPLOYMENT,
    BIND,
    CALC_UNEMPLOYMENT,
    REPORT_FRAUD,
    REPORT_COMPLAINT,
)
STRONG_AT = 0.8
ANSWER_AT = 0.62


class FormKind(Protocol):
    kind: str
    intent: str

    def prompt(self, turn: Turn, form: dict[str, Any]) -> str: ...

    def step(self, turn: Turn, form: dict[str, Any]) -> Reply | None: ...

    def settled(self, turn: Turn, form: dict[str, Any]) -> bool:
        """Whether ``form`` was in fact completed although the state still holds it open (and
        so is closed now): the application form is when its key was sent to the core before
        the process died."""
        ...


def clearly_else(turn: Turn, own_intent: str) -> bool:
    """Whether the message is clearly not an answer to the form's question."""
    text = turn.text.strip()
    u = turn.understood
    intent, confidence = u.prediction.intent, u.prediction.confidence
    top = u.hits[0].score if u.hits else 0.0
    if intent == HANDOFF and confidence >= 0.5:
        return True
    if intent == own_intent:
        return False
    if (
        _QUESTION.search(text)
        and len(text) >= 4
        and (intent not in (CHITCHAT, OUT_OF_SCOPE) or top >= 0.5)
    ):
        return True
    if intent in _STRONG and confidence >= STRONG_AT:
        return True
    return intent == POLICY and confidence >= STRONG_AT and top >= ANSWER_AT


def start_form(state: State, kind: str, *, step: str, **extra: Any) -> dict[str, Any]:
    form: dict[str, Any] = {"kind": kind, "step": step, **extra}
    state.data["form"] = form
    return form


def form_reply(
    kind: FormKind,
    turn: Turn,
    form: dict[str, Any],
    error: str | None = None,
    *,
    reprompt: bool = True,
) -> Reply:
    """The form's next question, after ``error`` (why the last answer was not taken) if any."""
    parts = [error] if error else []
    if reprompt or not error:
        parts.append(kind.prompt(turn, form))
    return Reply("\n".join(parts), kind.intent, 1.0, "form")


def pause(form: dict[str, Any]) -> None:
    form["paused"] = True


def remind(state: State, reply: Reply) -> Reply:
    """Add, once per pause, how to go on with the form the citizen left open."""
    form = state.data.get("form")
    if form and form.get("paused") and not form.get("reminded") and reply.outcome != "form":
        form["reminded"] = True
        name = t.FORM_NAMES.get(str(form.get("kind")), "")
        reply.text += t.FORM_REMINDER.format(form=name)
    return reply
