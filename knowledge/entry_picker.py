"""Finding an entry by what it asks, for staff who must name one (the unanswered queue's 加入已有
条目的问法, 答错反馈's 市民其实想问的条目): they search its questions, never type its id.

Every entry that is not archived is a candidate, drafts and entries in review too (a citizen's
wording may belong to an entry not yet published). A candidate is scored by its best question,
the standard one or any of its other ways of asking, against what staff typed, both with
punctuation and spacing set aside and synonyms folded (社会保障卡 = 社保卡):

- 100 when the typed text is inside the question (退休 in 法定退休年龄是多少);
- else the better of rapidfuzz's ``partial_ratio`` (the best-aligned stretch: 退休年纪 against
  退休年龄) and the share of the typed text's character pairs found in the question (words in
  another order: 养老金怎么领 against 领取养老金).

Candidates under ``AT_LEAST`` are left out; the rest come best first, the standard question
before another way of asking at the same score. It reads the entries from the database at each
search (a console page, not the bot's hot path), so what was saved a moment ago is found.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz
from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge.models import Entry
from knowledge.schema import question_key
from knowledge.vocabulary import load_vocabulary

AT_LEAST = 55.0
LIMIT = 12


@dataclass(frozen=True)
class Match:
    id: str
    question: str  # the standard question
    region: str
    status: str
    matched: str | None  # the other way of asking that matched, when not the standard question
    score: float


@lru_cache(maxsize=8192)
def folded(text: str) -> str:
    """``text`` as compared: punctuation and spacing out, lower case, synonyms folded."""
    return question_key("".join(load_vocabulary().tokens(text)))


def _pairs(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)} or {text}


def score(query: str, question: str) -> float:
    """0–100: how well ``question`` answers to what staff typed (both already ``folded``)."""
    if not query or not question:
        return 0.0
    if query in question:
        return 100.0
    pairs = _pairs(query)
    covered = 100.0 * len(pairs & _pairs(question)) / len(pairs)
    return max(fuzz.partial_ratio(query, question), covered)


def find(session: Session, text: str, limit: int = LIMIT) -> list[Match]:
    """The entries (not archived) whose questions match ``text``, best first."""
    query = folded(text.strip())
    if not query:
        return []
    rows = session.execute(
        select(Entry.id, Entry.question, Entry.similar_questions, Entry.region, Entry.status)
        .where(Entry.status != "archived")
        .order_by(Entry.id)
    )
    found: list[tuple[float, int, int, Match]] = []
    for entry_id, question, similar, region, status in rows:
        best, matched = score(query, folded(question)), None
        for other in similar or []:
            s = score(query, folded(other))
            if s > best:
                best, matched = s, other
        if best >= AT_LEAST:
            match = Match(entry_id, question, region, status, matched, best)
            found.append((-best, matched is not None, len(question), match))
    found.sort(key=lambda t: t[:3])
    return [m for *_, m in found[:limit]]


def _national_first(region: str) -> tuple[bool, str]:
    return region != "全国", region


def topics(session: Session) -> dict[str, str]:
    """Every topic of an entry not archived → how staff recognise it: its question (the
    national entry's, else the first by id) and the regions it is answered for, so an entry is
    made a regional variant of another by picking a question, not by typing a topic id."""
    rows = session.execute(
        select(Entry.topic, Entry.question, Entry.region)
        .where(Entry.status != "archived")
        .order_by(Entry.topic, Entry.id)
    )
    questions: dict[str, str] = {}
    regions: dict[str, list[str]] = {}
    for topic, question, region in rows:
        if topic not in questions or region == "全国":
            questions[topic] = question
        regions.setdefault(topic, []).append(region)
    labels: dict[str, str] = {}
    for topic in sorted(questions, key=lambda t: questions[t]):
        where = "、".join(sorted(set(regions[topic]), key=_national_first))
        labels[topic] = f"{questions[topic]}（{where}）"
    return labels
