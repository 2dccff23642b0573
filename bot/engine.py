"""The conversation engine (placeholder until the understanding pipeline lands)."""

from __future__ import annotations

import time

from bot.models import Exchange
from bot.types import Message, Reply
from shebao.db import Database
from shebao.masking import mask_text
from shebao.settings import Settings


class Bot:
    def __init__(self, settings: Settings, db: Database) -> None:
        self.settings = settings
        self.db = db

    def handle(self, message: Message) -> Reply:
        started = time.perf_counter()
        reply = Reply(text=f"收到：{message.text}", intent="out_of_scope", confidence=0.0,
                      outcome="abstained")
        with self.db.session() as s:
            s.add(Exchange(channel=message.channel, user_key=message.user,
                           message=mask_text(message.text), intent=reply.intent,
                           confidence=reply.confidence, outcome=reply.outcome,
                           reply=mask_text(reply.text),
                           latency_ms=(time.perf_counter() - started) * 1000))
        return reply
