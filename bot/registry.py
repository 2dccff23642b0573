"""The engine's registry: which handler answers each intent, the form kinds, what continues
after a form opened on the way to something else, and the commands the classifier does not
know, tried in the order they were registered.

It is filled by explicit ``register_*`` calls in the composition root (app/registrations.py),
in an order declared there, and handed to the ``Bot``; nothing registers itself on import.
A second handler for one intent (or form kind, or continuation) is refused, so a registration
cannot silently replace another.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from bot.context import Handler, Turn
from bot.forms import FormKind
from bot.types import Reply

#: A command: the turn and the match of its pattern; None lets the message go on.
Command = Callable[[Turn, "re.Match[str]"], Reply | None]


@dataclass(frozen=True)
class CommandRoute:
    """A command and the pattern a whole message (stripped) must match for it."""

    pattern: re.Pattern[str]
    run: Command
    during_form: bool  # also tried while a form is open (else the form gets the message)


class Registry:
    def __init__(self) -> None:
        self._handlers: dict[str, Handler] = {}
        self._forms: dict[str, FormKind] = {}
        self._continuations: dict[str, Handler] = {}
        self._commands: list[CommandRoute] = []

    # -- filling it (the composition root) ------------------------------------------------

    def register_handler(self, intent: str, handler: Handler) -> None:
        _unique(self._handlers, intent, "intent")
        self._handlers[intent] = handler

    def register_form(self, form: FormKind) -> None:
        _unique(self._forms, form.kind, "form kind")
        self._forms[form.kind] = form

    def register_continuation(self, name: str, continuation: Handler) -> None:
        _unique(self._continuations, name, "continuation")
        self._continuations[name] = continuation

    def register_command(self, pattern: str, command: Command, *, during_form: bool = True) -> None:
        """``command`` for messages matching ``pattern`` (the whole message, stripped), tried
        after the commands registered before it."""
        self._commands.append(CommandRoute(re.compile(pattern), command, during_form))

    def check(self, intents: Iterable[str]) -> Registry:
        """This registry, if every one of ``intents`` has a handler (else ``ValueError``)."""
        missing = [i for i in intents if i not in self._handlers]
        if missing:
            raise ValueError("no handler for " + ", ".join(missing))
        return self

    # -- reading it (the engine, its turns) --------------------------------------------------

    def handler(self, intent: str) -> Handler | None:
        return self._handlers.get(intent)

    def continuation(self, name: str) -> Handler | None:
        return self._continuations.get(name)

    def form(self, kind: str) -> FormKind | None:
        return self._forms.get(kind)

    @property
    def intents(self) -> tuple[str, ...]:
        return tuple(self._handlers)

    @property
    def commands(self) -> tuple[CommandRoute, ...]:
        return tuple(self._commands)


def _unique(table: Mapping[str, object], key: str, what: str) -> None:
    if key in table:
        raise ValueError(f"{what} {key!r} registered twice")
