"""Multi-turn forms (binding, the 失业保险金 application) and the personal-service commands.

The engine calls ``before_understanding`` before it classifies a message, and ``remind`` on the
reply it is about to send:

- personal commands that the classifier does not know (「授权码」, 「授权 123456」, 「结束代查」,
  「取消授权」, 「解除绑定」, …) are answered at once;
- an open form (``state.data["form"]``) gets the message first: 「取消」 cancels it,
  「继续」 shows its current question again, 「转人工」 and anything that is clearly a different
  question make the form give up the turn (it returns None, stays open and paused) so the
  engine answers; the next message that fits the form's question, or 「继续」, resumes it.
- ``remind`` adds one line to the first answer given while a form is paused, saying how to go on.

A form kind is an object with ``kind``, ``intent``, ``prompt(ctx, form)`` and
``step(ctx, form) -> Reply | None``, registered with ``register_form``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from bot.context import Turn
from bot.dialogue import State
from bot.personal import texts as t
from bot.types import Message, Reply
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

if TYPE_CHECKING:
    from bot.understanding import Understood
    from shebao.db import Database
    from shebao.settings import Settings

_CANCEL = re.compile(
    r"^(取消|取消吧|不办了|算了|退出|不填了|放弃|不申请了|取消申请|不绑了|不绑定了"
    r"|取消办理)[。！!]?$"
)
_RESUME = re.compile(r"^(继续|继续办理|继续填写|继续申请|继续绑定|接着填|接着办)[。！!]?$")
_HANDOFF = re.compile(r"转人工|人工客服|找人工|人工服务|转接人工|真人")
_MORE = re.compile(r"^(更多|下一页|more|还有呢)$")
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

    def prompt(self, ctx: FormContext, form: dict[str, Any]) -> str: ...

    def step(self, ctx: FormContext, form: dict[str, Any]) -> Reply | None: ...


FORMS: dict[str, FormKind] = {}
F = TypeVar("F", bound=FormKind)


def register_form(kind: F) -> F:
    FORMS[kind.kind] = kind
    return kind


@dataclass
class FormContext:
    """One message as the personal services see it: the engine, the message, the user's state."""

    bot: Any  # bot.engine.Bot (a Backend with an understanding pipeline)
    message: Message
    state: State
    text: str
    _understood: Understood | None = field(default=None, repr=False)

    @classmethod
    def from_turn(cls, turn: Turn) -> FormContext:
        return cls(
            turn.bot, turn.message, turn.state, turn.understood.text or turn.text, turn.understood
        )

    @property
    def backend(self) -> Any:
        return self.bot

    @property
    def db(self) -> Database:
        return self.bot.db  # type: ignore[no-any-return]

    @property
    def settings(self) -> Settings:
        return self.bot.settings  # type: ignore[no-any-return]

    @property
    def user_key(self) -> str:
        return self.state.user_key

    @property
    def understood(self) -> Understood:
        if self._understood is None:
            self._understood = self.bot.understanding.understand(self.text, self.state.region)
        return self._understood

    def turn(self) -> Turn:
        return Turn(self.bot, self.message, self.state, self.understood, self.state.region)

    def turn_for(self, text: str) -> Turn:
        """A turn as if ``text`` had been asked now (the question asked before binding)."""
        message = dataclasses.replace(self.message, text=text)
        understood = self.bot.understanding.understand(text, self.state.region)
        return Turn(self.bot, message, self.state, understood, self.state.region)

    def clearly_else(self, own_intent: str) -> bool:
        """Whether the message is clearly not an answer to the form's question."""
        text = self.text.strip()
        u = self.understood
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
    ctx: FormContext,
    form: dict[str, Any],
    error: str | None = None,
    *,
    reprompt: bool = True,
) -> Reply:
    """The form's next question, after ``error`` (why the last answer was not taken) if any."""
    parts = [error] if error else []
    if reprompt or not error:
        parts.append(kind.prompt(ctx, form))
    return Reply("\n".join(parts), kind.intent, 1.0, "form")


# -- commands the classifier does not know -------------------------------------------------------

Command = Callable[[FormContext, "re.Match[str]"], Reply | None]
_COMMANDS: list[tuple[re.Pattern[str], Command, bool]] = []


def command(pattern: str, *, during_form: bool = True) -> Callable[[Command], Command]:
    """Register a handler for messages matching ``pattern`` (whole message, stripped)."""

    def register(fn: Command) -> Command:
        _COMMANDS.append((re.compile(pattern), fn, during_form))
        return fn

    return register


Continuation = Callable[[FormContext], Reply]
CONTINUATIONS: dict[str, Continuation] = {}


def continuation(name: str) -> Callable[[Continuation], Continuation]:
    """Register what to do after a form that was opened on the way to something else."""

    def register(fn: Continuation) -> Continuation:
        CONTINUATIONS[name] = fn
        return fn

    return register


# -- the engine's hooks -------------------------------------------------------------------------


def before_understanding(bot: Any, message: Message, state: State, text: str) -> Reply | None:
    """The reply to ``text`` if a personal command or an open form takes it, else None."""
    from bot.personal import volunteer

    volunteer.mark_role(bot.db, message, state.user_key)
    ctx = FormContext(bot, message, state, text.strip())
    form: dict[str, Any] | None = state.data.get("form")
    if form and settled(ctx, form):
        form = None  # done already (a crash lost the state's last save): not open any more
    plain = re.sub(r"[。！!]+$", "", ctx.text)
    for pattern, fn, during_form in _COMMANDS:
        if form and not during_form:
            continue
        match = pattern.fullmatch(plain)
        if match:
            reply = fn(ctx, match)
            if reply is not None:
                # apart from the test of form: mypy would narrow form to Any | None by the `is`
                still_open = state.data.get("form") is form
                if form and still_open:
                    _pause(form)
                return reply
    if form:
        return continue_form(ctx, form)
    return None


def continue_form(ctx: FormContext, form: dict[str, Any]) -> Reply | None:
    kind = FORMS.get(str(form.get("kind")))
    if kind is None:
        ctx.state.pop("form")
        return None
    name = t.FORM_NAMES.get(kind.kind, "")
    if _CANCEL.match(ctx.text):
        ctx.state.pop("form")
        return Reply(t.CANCELLED, kind.intent, 1.0, "answered")
    if _HANDOFF.search(ctx.text) or (_MORE.match(ctx.text) and ctx.state.data.get("more")):
        _pause(form)
        return None
    if _RESUME.match(ctx.text):
        form["paused"] = False
        form.pop("reminded", None)
        return Reply(
            t.FORM_RESUMED.format(form=name) + "\n" + kind.prompt(ctx, form),
            kind.intent,
            1.0,
            "form",
        )
    reply = kind.step(ctx, form)
    if reply is None:
        _pause(form)
    else:
        form["paused"] = False
        form.pop("reminded", None)
    return reply


def settled(ctx: FormContext, form: dict[str, Any]) -> bool:
    """Whether ``form`` was in fact completed although the state still holds it open, and so
    closed now (a form kind with a ``settled(ctx, form)`` says; the application form does when
    its key was sent to the core before the process died)."""
    kind = FORMS.get(str(form.get("kind")))
    check = getattr(kind, "settled", None)
    return bool(check(ctx, form)) if check is not None else False


def _pause(form: dict[str, Any]) -> None:
    form["paused"] = True


def remind(state: State, reply: Reply) -> Reply:
    """Add, once per pause, how to go on with the form the citizen left open."""
    form = state.data.get("form")
    if form and form.get("paused") and not form.get("reminded") and reply.outcome != "form":
        form["reminded"] = True
        name = t.FORM_NAMES.get(str(form.get("kind")), "")
        reply.text += t.FORM_REMINDER.format(form=name)
    return reply
