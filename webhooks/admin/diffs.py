"""The comparison page's view of ``knowledge.curation.diff``: Chinese field names, and changes
marked in units a reader thinks in.

- status, region, dates and the like are one value each: the old value is struck out and the
  new one shown whole (the status by its Chinese name), never diffed letter by letter;
- lists (similar questions, keywords) by item, one a line;
- the answer by sentence, and inside a sentence that was reworded, by word (jieba);
- the other short texts (question, topic, source title) by word.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from knowledge import curation
from knowledge.vocabulary import load_vocabulary
from webhooks.admin import texts

LIST_FIELDS = frozenset({"similar_questions", "keywords"})
SENTENCE_FIELDS = frozenset({"answer"})
WORD_FIELDS = frozenset({"question", "topic", "source_title"})
#: A sentence: up to and including its closing mark (or a line break).
_SENTENCE = re.compile(r"[^。！？；!?;\n]+[。！？；!?;\n]*|[。！？；!?;\n]+")


@dataclass(frozen=True)
class ShownChange:
    field: str
    label: str
    kind: str  # "value" | "list" | "sentences" | "words"
    before: Markup
    after: Markup


def sentences(text: str) -> list[str]:
    return _SENTENCE.findall(text)


def words(text: str) -> list[str]:
    return list(load_vocabulary().tokenizer.lcut(text, HMM=False))


def _wrap(tag: str, units: Sequence[str], sep: str) -> str:
    return sep.join(f"<{tag}>{escape(u)}</{tag}>" for u in units)


def mark(
    before: Sequence[str],
    after: Sequence[str],
    sep: str = "",
    inner: Callable[[str, str], tuple[str, str]] | None = None,
) -> tuple[Markup, Markup]:
    """``before`` and ``after`` (lists of units) as HTML, removed units in <del>, added in <ins>.

    ``inner``, if given, marks a unit replaced one for one (a reworded sentence) in finer units.
    """
    old: list[str] = []
    new: list[str] = []
    matcher = difflib.SequenceMatcher(None, list(before), list(after), autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        a, b = before[i1:i2], after[j1:j2]
        if tag == "equal":
            old.append(sep.join(str(escape(u)) for u in a))
            new.append(sep.join(str(escape(u)) for u in b))
        elif tag == "replace" and inner is not None and len(a) == len(b):
            pairs = [inner(x, y) for x, y in zip(a, b, strict=True)]
            old.append(sep.join(p[0] for p in pairs))
            new.append(sep.join(p[1] for p in pairs))
        else:
            if a:
                old.append(_wrap("del", a, sep))
            if b:
                new.append(_wrap("ins", b, sep))
    return Markup(sep.join(p for p in old if p)), Markup(sep.join(p for p in new if p))


def by_words(a: str, b: str) -> tuple[str, str]:
    old, new = mark(words(a), words(b))
    return str(old), str(new)


def _value(name: str, value: str) -> str:
    return texts.STATUS_NAMES.get(value, value) if name == "status" else value


def shown(change: curation.FieldDiff) -> ShownChange:
    name = change.field
    label = texts.FIELD_NAMES.get(name, name)
    if name in LIST_FIELDS:
        old, new = mark(change.before.splitlines(), change.after.splitlines(), "\n")
        return ShownChange(name, label, "list", old, new)
    if name in SENTENCE_FIELDS:
        old, new = mark(sentences(change.before), sentences(change.after), inner=by_words)
        return ShownChange(name, label, "sentences", old, new)
    if name in WORD_FIELDS:
        old, new = mark(words(change.before), words(change.after))
        return ShownChange(name, label, "words", old, new)
    before, after = _value(name, change.before), _value(name, change.after)
    return ShownChange(
        name,
        label,
        "value",
        Markup(_wrap("del", [before], "")) if before else Markup("—"),
        Markup(_wrap("ins", [after], "")) if after else Markup("—"),
    )
