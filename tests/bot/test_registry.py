"""The engine's registry (bot/registry.py) and what the composition root puts in it
(app/registrations.py): every intent answered, nothing registered twice, commands tried in the
declared order, and the engine refusing a registry it could not fall back on."""

from __future__ import annotations

import re

import pytest

from app.registrations import registry
from bot.context import Turn
from bot.dialogue import State
from bot.engine import Bot
from bot.intake import before_understanding
from bot.personal import authorisation
from bot.registry import Registry
from bot.types import Message, Reply
from intents.taxonomy import INTENTS, POLICY
from shebao.settings import Settings


def _reply(text: str) -> Reply:
    return Reply(text, POLICY, 1.0)


def _turn(bot: Bot, text: str, state: State | None = None) -> Turn:
    return Turn(bot, Message("cli", "registry", text), state or State("cli:registry"), text)


def test_the_composition_root_answers_every_intent_and_continues_every_form() -> None:
    made = registry()
    assert set(made.intents) == set(INTENTS)
    assert made.form("bind") is not None and made.form("apply") is not None
    for name in (authorisation.CODE_AFTER_BINDING, authorisation.WHO_LOOKED_AFTER_BINDING):
        assert made.continuation(name) is not None, name


def test_nothing_is_registered_twice() -> None:
    made = registry()
    with pytest.raises(ValueError, match="registered twice"):
        made.register_handler(POLICY, lambda turn: _reply("again"))
    with pytest.raises(ValueError, match="registered twice"):
        made.register_continuation(authorisation.CODE_AFTER_BINDING, lambda turn: _reply("x"))
    form = made.form("bind")
    assert form is not None
    with pytest.raises(ValueError, match="registered twice"):
        made.register_form(form)


def test_a_registry_missing_an_intent_says_which() -> None:
    partial = Registry()
    partial.register_handler(POLICY, lambda turn: _reply("policy"))
    with pytest.raises(ValueError, match="chitchat"):
        partial.check(INTENTS)


def test_the_engine_refuses_a_registry_without_the_fallback_intent(bot: Bot) -> None:
    with pytest.raises(ValueError, match=POLICY):
        Bot(Settings(database_url=bot.db.url), bot.db, registry=Registry())


def test_commands_are_tried_in_the_order_they_were_registered(bot: Bot) -> None:
    seen: list[str] = []

    def declines(turn: Turn, match: re.Match[str]) -> Reply | None:
        seen.append("declines")
        return None  # lets the message go on to the next command

    def first(turn: Turn, match: re.Match[str]) -> Reply | None:
        seen.append("first")
        return _reply("first")

    def second(turn: Turn, match: re.Match[str]) -> Reply | None:
        seen.append("second")
        return _reply("second")

    routes = Registry()
    routes.register_command(r"授权码", declines)
    routes.register_command(r"授权.*", first)
    routes.register_command(r"授权码", second)
    reply = before_understanding(routes, _turn(bot, "授权码"))
    assert reply is not None and reply.text == "first"
    assert seen == ["declines", "first"]

    reversed_ = Registry()
    reversed_.register_command(r"授权码", second)
    reversed_.register_command(r"授权.*", first)
    reply = before_understanding(reversed_, _turn(bot, "授权码"))
    assert reply is not None and reply.text == "second"


def test_a_command_not_for_open_forms_leaves_an_open_form_its_message(bot: Bot) -> None:
    routes = Registry()
    routes.register_command(r"确认", lambda turn, match: _reply("command"), during_form=False)
    state = State("cli:registry-form")
    state.data["form"] = {"kind": "nonexistent", "step": "x"}  # open, of no registered kind
    reply = before_understanding(routes, _turn(bot, "确认", state))
    assert reply is None  # the form got the message (and, of no kind known, was dropped)
    assert "form" not in state.data
    assert before_understanding(routes, _turn(bot, "确认")) is not None  # no form: it runs
