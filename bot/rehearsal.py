"""Dry runs of the engine (``Bot.explain``): a conversation answered as WeChat would answer it,
with nothing kept.

A rehearsal runs every message through ``Bot.handle`` on a rehearsal of the database
(``Database.rehearsal``): what the turns write — dialogue state, the exchange record, a hand-off,
a binding, an application kept for sending — is read back by the later turns of the same run and
rolled back at its end, so trying never counts as a citizen's question, never reaches the
unanswered queue and leaves no row behind. The staff console keeps only what was said and
rehearses the conversation from its first message each time, so forms that span several turns
(binding, the 失业金 application) behave as they do in WeChat.

- **Drafts**: with ``drafts=True`` every draft, entry in review and pending edit is made live
  inside the rehearsal first, and the index is built from that, so staff try text before it is
  published.
- **The core services**: the embedded sandbox holds demo people only and is used as it is. A
  real core (``CORE_BASE_URL``) is read but never written to: in a rehearsal its writes
  (verification texts, applications, card-loss reports) fail as ``CoreUnavailable``.
- **Set-up**: ``setup`` runs on the rehearsing engine before the first message, e.g. to bind
  the simulated user to a sandbox person (the console does that through the personal-services
  API).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from bot.dialogue import DialogueStore
from bot.types import Message, Reply
from bot.understanding import Understanding, Understood
from knowledge.curation import rehearse_drafts
from proxy.core import CoreServices
from proxy.errors import CoreUnavailable
from shebao.db import Database
from shebao.settings import Settings

#: Longest conversation a console simulation replays (each request replays all of it).
MAX_TURNS = 30

#: The core services' methods that change something at the core.
CORE_WRITES = frozenset(
    {
        "start_verification",
        "confirm_verification",
        "create_unemployment_application",
        "report_card_loss",
    }
)


class Rehearsable(Protocol):
    """What a rehearsal needs of the engine (``bot.engine.Bot``)."""

    settings: Settings
    db: Database
    understanding: Understanding

    @property
    def core(self) -> CoreServices: ...

    def handle(self, message: Message) -> Reply: ...

    def using(
        self, db: Database, core: CoreServices, understanding: Understanding
    ) -> Rehearsable: ...


@dataclass
class Rehearsed:
    """One turn of a rehearsal: what was said, the reply, the asker's region and the dialogue
    state after it."""

    message: Message
    reply: Reply
    region: str | None
    state: dict[str, Any] = field(default_factory=dict)
    # What understanding makes of the text on its own, in the region the asker was in (the
    # engine may have read it otherwise: as a pick from a list, a place, a form's answer).
    understood: Understood | None = None


class ReadOnlyCore:
    """A real core as a rehearsal may use it: reads pass, writes fail as the core being down."""

    def __init__(self, core: CoreServices) -> None:
        self._core = core

    def __getattr__(self, name: str) -> Any:
        if name in CORE_WRITES:
            return _refused
        return getattr(self._core, name)


def _refused(*_args: object, **_kwargs: object) -> Any:
    raise CoreUnavailable("试问不会写入业务系统", code="rehearsal")


def is_sandbox(settings: Settings) -> bool:
    """Whether the core services are the embedded sandbox (demo people, safe to write to)."""
    return not settings.core_base_url


def rehearse(
    bot: Rehearsable,
    messages: Sequence[Message],
    *,
    setup: Callable[[Rehearsable], None] | None = None,
    drafts: bool = False,
    today: date | None = None,
) -> list[Rehearsed]:
    """Answer ``messages`` in order as one conversation; return each turn. Writes nothing."""
    if len(messages) > MAX_TURNS:
        raise ValueError(f"a rehearsal replays at most {MAX_TURNS} messages")
    core = bot.core if is_sandbox(bot.settings) else ReadOnlyCore(bot.core)
    with bot.db.rehearsal() as db:
        understanding = bot.understanding
        if drafts:
            with db.session() as s:
                made_live = rehearse_drafts(s)
            if made_live:  # an index of its own, built from the rehearsal's rows
                day = today or bot.understanding.fixed_today
                understanding = Understanding(db, day, bot.understanding.opinion)
        twin = bot.using(db, core, understanding)  # type: ignore[arg-type]
        if setup is not None:
            setup(twin)
        dialogue = DialogueStore(db)
        turns: list[Rehearsed] = []
        for message in messages:
            before = message.region or (turns[-1].region if turns else None)
            understood = understanding.understand(message.text, before) if message.text else None
            reply = twin.handle(message)
            state = dialogue.load(f"{message.channel}:{message.user}")
            turns.append(Rehearsed(message, reply, state.region, dict(state.data), understood))
        return turns
