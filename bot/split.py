"""Splitting a message that holds several questions (volunteers paste them from group chats)."""

from __future__ import annotations

import re

_NUMBERED = re.compile(r"(?:^|\s|[。？！?!；;])(?:[（(]?\d{1,2}[)）.、．:：]|[①②③④⑤⑥⑦⑧⑨⑩])\s*")
_SENTENCE = re.compile(r"(?<=[？?])|\n+")
MIN_CHARS = 5


def split_questions(text: str) -> list[str]:
    """The questions in ``text``, in order; one element when it is a single question."""
    pieces = [p for p in _NUMBERED.split(text) if p and p.strip()]
    if len(pieces) <= 1:
        pieces = [p for p in _SENTENCE.split(text) if p and p.strip()]
    questions = [p.strip(" ，,。；;") for p in pieces]
    questions = [q for q in questions if len(re.sub(r"\W", "", q)) >= MIN_CHARS]
    return questions if len(questions) > 1 else [text]
