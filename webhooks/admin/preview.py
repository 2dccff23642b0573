"""The reply to an entry as a citizen would see it in WeChat, for the editor's preview.

The text is built exactly as the engine answers (``bot.texts.SOURCE_LINE`` after the answer)
and cut as the engine cuts it for WeChat (``bot.shaping.cut`` at the passive reply's byte
budget, the rest on 「更多」), so the preview shows the message bubbles the citizen gets.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from types import SimpleNamespace
from typing import Any

from bot import texts as bot_texts
from bot.shaping import cut, utf8_len
from knowledge.models import Entry

PASSIVE_LIMIT = 2048  # WeChat's passive text reply, XML envelope included, in UTF-8 bytes
# A typical Official Account id and openid, to size the XML envelope around the content.
_TYPICAL = SimpleNamespace(target="gh_" + "0" * 12, source="o" + "0" * 27)


def content_budget() -> int:
    """Bytes left for the reply text once WeChat's XML envelope is counted."""
    try:
        from webhooks.wechat.protocol import content_budget as envelope_budget

        return int(envelope_budget(_TYPICAL))  # type: ignore[arg-type]
    except ImportError:  # the webhook is optional for the console
        return PASSIVE_LIMIT - 200


@dataclass(frozen=True)
class Preview:
    text: str  # the whole reply
    bubbles: list[str]  # what each message shows: the first reply, then each 「更多」
    size: int  # UTF-8 bytes of the whole reply
    budget: int  # bytes one passive reply may carry
    chars: int  # characters of the answer alone (the schema's limit counts these)

    @property
    def over(self) -> bool:
        return self.size > self.budget


def source_label(data: dict[str, Any]) -> str:
    entry = Entry(
        source_title=data.get("source_title") or "",
        source_number=data.get("source_number") or None,
        source_date=_date(data.get("source_date")),
    )
    return entry.source_label()


def reply_text(data: dict[str, Any]) -> str:
    """The engine's answer for an entry with this snapshot-format ``data``."""
    return (
        (data.get("answer") or "").strip()
        + "\n"
        + bot_texts.SOURCE_LINE.format(source=source_label(data), region=data.get("region") or "")
    )


def preview(data: dict[str, Any]) -> Preview:
    text = reply_text(data)
    budget = content_budget()
    bubbles: list[str] = []
    rest = text
    while rest and len(bubbles) < 10:
        head, rest = cut(rest, budget, bot_texts.MORE_HINT)
        bubbles.append(head)
    return Preview(text, bubbles, utf8_len(text), budget, len((data.get("answer") or "").strip()))


def _date(value: Any) -> date | None:
    if not value:
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
