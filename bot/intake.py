"""What takes a message before the engine understands it: the personal commands the classifier
does not know, and an open form.

- commands (「授权码」, 「授权 123456」, 「结束代查」, 「取消授权」, 「谁查过我的信息」, …) are
  tried in the order the registry declares them; the first whose pattern matches the whole
  message and that returns a reply answers it;
- an open form (``state.data["form"]``) gets the message next: 「取消」 cancels it, 「继续」
  shows its current question again, 「转人工」 and anything that is clearly a different
  question make the form give up the turn (it returns None, stays open and paused) so the
  engine answers; the next message that fits the form's question, or 「继续」, resumes it.
"""

from __future__ import annotations

import re
from typing import Any

from bot.context import Turn
from bot.forms import pause
from bot.personal import texts as t
from bot.registry import Registry
from bot.types import Reply

_CANCEL = re.compile(
    r"^(取消|取消吧|不办了|算了|退出|不填了|放弃|不申请了|取消申请|不绑了|不绑定了"
    r"|取消办理)[。！!]?$"
)
_RESUME = re.compile(r"^(继续|继续办理|继续填写|继续申请|继续绑定|接着填|接着办)[。！!]?$")
_HANDOFF = re.compile(r"转人工|人工客服|找人工|人工服务|转接人工|真人")
_MORE = re.compile(r"^(更多|下一页|more|还有呢)$")


def before_understanding(registry: Registry, turn: Turn) -> Reply | None:
    """The reply to ``turn`` (its text: the message stripped) if a command or an open form
    takes it, else None."""
    state = turn.state
    form: dict[str, Any] | None = state.data.get("form")
    if form and settled(registry, turn, form):
        form = None  # done already (a crash lost the state's last save): not open any more
    plain = re.sub(r"[。！!]+$", "", turn.text)
    for route in registry.commands:
        if form and not route.during_form:
            continue
        match = route.pattern.fullmatch(plain)
        if match:
            reply = route.run(turn, match)
            if reply is not None:
                # apart from the test of form: mypy would narrow form to Any | None by the `is`
                still_open = state.data.get("form") is form
                if form and still_open:
                    pause(form)
                return reply
    if form:
        return continue_form(registry, turn, form)
    return None


def continue_form(registry: Registry, turn: Turn, form: dict[str, Any]) -> Reply | None:
    kind = registry.form(str(form.get("kind")))
    if kind is None:
        turn.state.pop("form")
        return None
    name = t.FORM_NAMES.get(kind.kind, "")
    if _CANCEL.match(turn.text):
        turn.state.pop("form")
        return Reply(t.CANCELLED, kind.intent, 1.0, "answered")
    if _HANDOFF.search(turn.text) or (_MORE.match(turn.text) and turn.state.data.get("more")):
        pause(form)
        return None
    if _RESUME.match(turn.text):
        form["paused"] = False
        form.pop("reminded", None)
        return Reply(
            t.FORM_RESUMED.format(form=name) + "\n" + kind.prompt(turn, form),
            kind.intent,
            1.0,
            "form",
        )
    reply = kind.step(turn, form)
    if reply is None:
        pause(form)
    else:
        form["paused"] = False
        form.pop("reminded", None)
    return reply


def settled(registry: Registry, turn: Turn, form: dict[str, Any]) -> bool:
    """Whether ``form`` was in fact completed although the state still holds it open, and so
    closed now (its kind's ``settled`` says)."""
    kind = registry.form(str(form.get("kind")))
    return kind is not None and kind.settled(turn, form)
