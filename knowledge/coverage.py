"""The coverage report of a document: every sentence that states a figure, a date, a count or a
name, and whether a citizen asking about it gets it from an entry, from the document's own
words (a grounded answer), or neither; or why it is deliberately left out.

- **entry**: a published entry in force, of the document's region or one above or below it,
  states every figure of the sentence;
- **passage**: the passage index finds the sentence by its own wording (figures taken out) and
  quotes it, so a grounded answer can say it;
- **excluded**: listed with a reason (``knowledge/documents/manifest.yaml`` for the seeds);
- **open**: none of these: a curator should write an entry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge.document_models import Document
from knowledge.documents import exclusions, figures_of, sentences
from knowledge.models import Entry
from knowledge.passages import PassageIndex
from knowledge.regions import Regions

_NAME = re.compile(r"[“《]([^”》]{2,14})[”》]")
_SPACES = re.compile(r"\s+")
_NUMBERING = re.compile(r"^(?:专栏\s*\d+|\d+\s*[.、．])\s*")
_FACT = re.compile(r"\d(?:[.,]\d+)?\s*[%％元万亿人项个家条张笔年月日岁倍]|\d\.\d")
_PERIODS = frozenset({"十二五", "十三五", "十四五", "十五五"})
_SENTENCE_END = re.compile(r"[。！？；]")
_HAN = re.compile(r"[\u4e00-\u9fff]+")
SAME_TOPIC = 0.3  # share of the sentence's bigrams an entry's answer must have to state it
HEADING = "a heading: it names a topic, the sentences under it state the facts"


@dataclass
class SentenceCoverage:
    position: int  # the passage's
    passage_id: int
    sentence: str
    figures: list[str]
    status: str  # entry | passage | excluded | open
    entries: list[str] = field(default_factory=list)
    reason: str | None = None


def facts_of(sentence: str) -> list[str]:
    """The figures (with a unit, a decimal point or a %: 242.5元, 85%, 2183个, 2025年) and quoted
    names (“赣服通”, 《社会保险法》) a sentence states; list numbers (1. 2、 专栏3) and the
    plan periods (十四五) are not facts."""
    body = _NUMBERING.sub("", sentence)
    found = [f.strip() for f in figures_of(body) if _FACT.search(f)]
    found += [m.group(1) for m in _NAME.finditer(body) if m.group(1) not in _PERIODS]
    return list(dict.fromkeys(f for f in found if f))


def _bare(text: str) -> str:
    return _SPACES.sub("", text)


def _pairs(text: str) -> set[str]:
    """The character bigrams of the text's Chinese runs."""
    return {r[i : i + 2] for r in _HAN.findall(text) for i in range(len(r) - 1)}


def _shared(sentence: set[str], answer: set[str]) -> float:
    return len(sentence & answer) / len(sentence) if sentence else 0.0


def coverage(
    session: Session, document_id: str, index: PassageIndex, regions: Regions, today: date
) -> list[SentenceCoverage]:
    doc = session.get(Document, document_id)
    if doc is None:
        return []
    excluded = exclusions().get(doc.id, [])
    nearby = set(regions.ancestors(doc.region)) | set(regions.within(doc.region))
    entries = [
        e
        for e in session.scalars(select(Entry).where(Entry.status == "published"))
        if e.in_force(today) and e.region in nearby
    ]
    answers = [(e.id, _bare(e.answer), _pairs(e.answer)) for e in entries]
    out: list[SentenceCoverage] = []
    for passage in doc.passages:
        for sentence in sentences(passage.text):
            facts = facts_of(sentence)
            if not facts:
                continue
            item = SentenceCoverage(passage.position, passage.id, sentence, facts, "open")
            reason = next((r for t, r in excluded if t in sentence), None)
            if reason is None and not _SENTENCE_END.search(sentence) and not _FACT.search(sentence):
                reason = HEADING
            numbers = [_bare(f) for f in facts]
            said = _pairs(sentence)
            stating = [
                i
                for i, a, pairs in answers
                if all(n in a for n in numbers) and _shared(said, pairs) >= SAME_TOPIC
            ]
            if reason is not None:
                item.status, item.reason = "excluded", reason
            elif stating:
                item.status, item.entries = "entry", stating[:3]
            elif _quotable(index, doc, sentence, facts, today):
                item.status = "passage"
            out.append(item)
    return out


def _quotable(
    index: PassageIndex, doc: Document, sentence: str, facts: list[str], today: date
) -> bool:
    """Whether the passage index, asked in the sentence's own words without its figures, quotes
    this document stating them."""
    query = sentence
    for f in facts:
        query = query.replace(f, " ")
    hits = index.search(query, doc.region, today, limit=1)
    return (
        bool(hits)
        and hits[0].document.id == doc.id
        and any(_bare(f) in _bare(hits[0].quote) for f in facts)
    )


def summary(items: list[SentenceCoverage]) -> dict[str, int]:
    counts = {"entry": 0, "passage": 0, "excluded": 0, "open": 0}
    for item in items:
        counts[item.status] += 1
    return counts
