"""Ids for entries made in the console: generated, never typed by staff.

An entry's id is its primary key, in URLs, logs, exports and ``faq_id`` of every answer, so it
must be ASCII (``knowledge.schema``'s slug rule), unique, and never change. Staff do not type
or read it: they name an entry by its question (``knowledge.entry_picker``). Entries imported
from ``knowledge/content`` or ``shebao kb import`` keep the ids their files give.

The id is the pinyin of the question's first words (jieba, with the domain vocabulary, so
退休年龄 is one word), then the region's pinyin for a local entry, then ``-2``, ``-3`` … if that
is taken: 退休年龄是多少 in 江门市 → ``tuixiunianling-shi-duoshao-jiangmen``. The same shape
as the shipped ids (``cert-home-visit-jinhu``), readable for someone who reads Chinese when it
turns up in a log or a URL, and with no counter to keep: the database's primary key is the one
guard against two people creating the same question at the same moment. It is made once, from
the question as first written; a later edit of the question does not change it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from pypinyin import lazy_pinyin

from knowledge.vocabulary import load_vocabulary

MAX_WORDS = 6
MAX_STEM = 60  # characters of the question part; the whole id stays well under 120
NATIONAL = "全国"
#: Administrative suffixes left out of a region's pinyin: 江门市 → jiangmen.
_REGION_SUFFIX = re.compile(r"(省|市|区|县|自治州|自治区|特别行政区)$")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def _slug(text: str) -> str:
    return _NOT_SLUG.sub("-", text.lower()).strip("-")


def _pinyin(text: str) -> str:
    """``text`` in toneless pinyin, one word's syllables run together: 退休 → tuixiu."""
    return _slug("".join(lazy_pinyin(text)))


def stem(question: str, region: str = NATIONAL) -> str:
    """The id before any ``-2``: pinyin of the question's first words, and of a local region."""
    words = [_pinyin(w) for w in load_vocabulary().tokenizer.lcut(question, HMM=False)]
    parts: list[str] = []
    for word in filter(None, words):
        if len(parts) == MAX_WORDS or len("-".join([*parts, word])) > MAX_STEM:
            break
        parts.append(word)
    if not parts and words:  # one very long first word
        parts = [next(filter(None, words), "")[:MAX_STEM].strip("-")]
    text = "-".join(parts) or "entry"
    if region and region != NATIONAL:
        place = _pinyin(_REGION_SUFFIX.sub("", region) or region)
        if place and not text.endswith(place):
            text = f"{text}-{place}"
    if len(text) < 3:  # the slug rule wants three characters or more
        text = f"entry-{text}"
    return text


def generate(question: str, region: str, taken: Callable[[str], bool]) -> str:
    """A new id for an entry asking ``question`` in ``region``; ``taken(id)`` says whether an
    entry (of any status, archived too) already has that id."""
    base = stem(question, region)
    candidate, n = base, 1
    while taken(candidate):
        n += 1
        candidate = f"{base}-{n}"
    return candidate
