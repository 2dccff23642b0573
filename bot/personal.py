"""Personal services (own records, binding, applications, benefit calculation).

Until identity binding and the core-services client are wired in, each of these intents is
recognised and answered honestly: the citizen is told what is needed, never a made-up figure.
"""

from __future__ import annotations

from bot import texts
from bot.context import Turn
from bot.registry import handles
from bot.types import Reply
from intents.taxonomy import (
    APPLY_UNEMPLOYMENT,
    BIND,
    CONTRIBUTIONS,
    PENSION,
    UNEMPLOYMENT_STATUS,
)


@handles(CONTRIBUTIONS, PENSION, UNEMPLOYMENT_STATUS, APPLY_UNEMPLOYMENT, BIND)
def personal(turn: Turn) -> Reply:
    prediction = turn.understood.prediction
    return Reply(texts.NEED_BINDING, prediction.intent, prediction.confidence, "form")
