"""Fitting a reply into a channel's byte limit: cut at a sentence boundary, keep the rest."""

from __future__ import annotations

import re

_BOUNDARY = re.compile(r"(?<=[。！？；\n!?;])")


def utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def cut(text: str, max_bytes: int, hint: str) -> tuple[str, str]:
    """(what fits, with ``hint`` appended if cut; the remainder). Never splits a character."""
    if utf8_len(text) <= max_bytes:
        return text, ""
    budget = max_bytes - utf8_len(hint)
    head = ""
    for piece in _BOUNDARY.split(text):
        if utf8_len(head + piece) > budget:
            break
        head += piece
    if not head:  # no sentence boundary early enough: cut at a character
        encoded = text.encode("utf-8")[:budget]
        head = encoded.decode("utf-8", errors="ignore")
    return head.rstrip() + hint, text[len(head) :].lstrip()
