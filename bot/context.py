"""One turn of a conversation, as every handler, form and command sees it: ``Turn``.

A turn is the engine (``Engine``: the narrow view of ``bot.engine.Bot`` a turn may use), the
message, the user's dialogue state, the words the turn works on and what was understood of
them (computed on first use: an open form's answer is often never classified). ``Routes`` is
what a turn may look up in the engine's registry (bot/registry.py), ``Handler`` the shape of an
intent's handler. This module imports nothing above the understanding pipeline and the
dialogue state, so everything the engine dispatches to can depend on it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Protocol

from bot.backend import Backend
from bot.dialogue import DialogueStore, State
from bot.types import Message, Reply
from bot.understanding import Understanding, Understood
from shebao.db import Database
from shebao.settings import Settings

#: An intent's handler, and what a form opened on the way to something else continues with.
Handler = Callable[["Turn"], Reply]


class Routes(Protocol):
    """The registry as a turn sees it: an intent's handler, a continuation by name."""

    def handler(self, intent: str) -> Handler | None: ...

    def continuation(self, name: str) -> Handler | None: ...


class Engine(Backend, Protocol):
    """What a turn may use of the engine: settings, database and core (``Backend``), the
    understanding pipeline, the dialogue store and the registry's routes."""

    understanding: Understanding
    dialogue: DialogueStore

    @property
    def registry(self) -> Routes: ...


class Turn:
    """One message on its way through the engine.

    ``text`` is what the turn works on: the message stripped (commands and open forms), or the
    question understood (an intent's handler; one of several pasted at once, a disputed answer's
    new wording). ``message.text`` is the message as it came.
    """

    def __init__(
        self,
        bot: Engine,
        message: Message,
        state: State,
        text: str,
        understood: Understood | None = None,
    ) -> None:
        self.bot = bot
        self.message = message
        self.state = state
        self.text = text
        self._understood = understood

    def __repr__(self) -> str:  # never the text: it may be an ID or card number
        return f"Turn({self.message.channel}, {self.state.user_key})"

    @property
    def understood(self) -> Understood:
        if self._understood is None:
            self._understood = self.bot.understanding.understand(self.text, self.state.region)
        return self._understood

    @property
    def region(self) -> str | None:
        return self.state.region

    @property
    def db(self) -> Database:
        return self.bot.db

    @property
    def settings(self) -> Settings:
        return self.bot.settings

    @property
    def user_key(self) -> str:
        return self.state.user_key

    def asking(self, text: str) -> Turn:
        """This turn as if ``text`` had been asked now (the question asked before binding)."""
        message = dataclasses.replace(self.message, text=text)
        understood = self.bot.understanding.understand(text, self.state.region)
        return Turn(self.bot, message, self.state, understood.text or text, understood)

    def continuing(self, text: str) -> Turn:
        """A turn on ``text`` for the same message (a continuation after a form)."""
        return Turn(self.bot, self.message, self.state, text)
