"""The conversation engine: one entry point ``Bot.handle(Message) -> Reply``."""

from bot.types import Message, Reply

__all__ = ["Message", "Reply"]
