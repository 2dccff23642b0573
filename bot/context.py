"""One turn of a conversation: the message, the user's state and what was understood."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.dialogue import State
from bot.types import Message

if TYPE_CHECKING:
    from bot.engine import Bot
    from bot.understanding import Understood


@dataclass
class Turn:
    bot: Bot
    message: Message
    state: State
    understood: Understood
    region: str | None

    @property
    def text(self) -> str:
        return self.message.text
