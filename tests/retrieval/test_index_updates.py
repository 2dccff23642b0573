"""``KnowledgeIndex.apply``: an index updated entry by entry searches exactly as one built afresh.

A seeded random sequence of edits (new entries, new answers and questions, a move to another
region, a topic shared by variants, removals, an id coming back) is applied one at a time; at
checkpoints every search (hits, scores, order, the best match elsewhere) is compared with a fresh
build of the same entries in id order.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from bot.understanding import shared_language
from knowledge.index import Hit, IndexedEntry, KnowledgeIndex
from knowledge.regions import Regions, load_regions
from knowledge.vocabulary import load_vocabulary

TODAY = date(2026, 6, 1)
TEMPLATES = [
    "{a}{b}怎么办理",
    "{r}{a}需要什么材料",
    "我想问{a}的{b}",
    "{r}的{a}标准是多少",
    "{b}{a}去哪里办",
]
SEARCH_REGIONS = [None, "江门市", "赣县区", "广东省", "北京市"]


class Corpus:
    """Random entries over the domain vocabulary and the served regions."""

    def __init__(self, seed: int, regions: Regions) -> None:
        self.rng = random.Random(seed)
        vocabulary = load_vocabulary()
        self.words = sorted(w for w in vocabulary.domain_words if len(w) >= 2)[:400]
        self.regions = sorted(regions.parent)
        self.made = 0

    def questions(self, region: str) -> list[str]:
        a, b = self.rng.sample(self.words, 2)
        return [t.format(a=a, b=b, r=region) for t in self.rng.sample(TEMPLATES, 3)]

    def entry(self, entry_id: str | None = None, topic: str | None = None) -> IndexedEntry:
        self.made += 1
        entry_id = entry_id or f"e-{self.made:03d}"
        region = self.rng.choice(self.regions)
        qs = self.questions(region)
        a, b, c = self.rng.sample(self.words, 3)
        return IndexedEntry(
            id=entry_id,
            topic=topic or entry_id,
            question=qs[0],
            questions=qs,
            answer=f"{region}{a}{b}{c}的办理说明。",
            region=region,
            category="测试",
            source="测试数据",
            keywords=[a, b],
        )

    def edit(
        self, held: dict[str, IndexedEntry], gone: list[str]
    ) -> tuple[str, IndexedEntry | None]:
        """One random change: (entry id, the entry now or None for removed)."""
        kind = self.rng.choice(
            ["add", "add", "answer", "questions", "region", "topic", "remove", "back"]
        )
        ids = sorted(held)
        if kind == "back" and gone:
            entry_id = self.rng.choice(gone)
            return entry_id, self.entry(entry_id)
        if kind in ("add", "back") or len(ids) < 5:
            new = self.entry()
            return new.id, new
        entry_id = self.rng.choice(ids)
        old = held[entry_id]
        if kind == "answer":
            a, b = self.rng.sample(self.words, 2)
            return entry_id, replace(old, answer=f"改过的答案：{a}{b}。", keywords=[b])
        if kind == "questions":
            qs = self.questions(old.region)
            return entry_id, replace(old, question=qs[0], questions=qs)
        if kind == "region":
            return entry_id, replace(old, region=self.rng.choice(self.regions))
        if kind == "topic":  # becomes a variant of another entry's topic
            other = held[self.rng.choice(ids)]
            return entry_id, replace(old, topic=other.topic)
        return entry_id, None


def described(hits: list[Hit]) -> list[tuple[Any, ...]]:
    return [
        (
            h.entry.id,
            h.score,
            h.similarity,
            h.coverage,
            h.matched_question,
            tuple(h.matched_terms),
            tuple(h.variants),
            h.applies,
        )
        for h in hits
    ]


def searches(index: KnowledgeIndex, queries: list[str]) -> list[Any]:
    out: list[Any] = []
    for q in queries:
        for region in SEARCH_REGIONS:
            hits, elsewhere = index.search_with_elsewhere(q, region, limit=8)
            out.append((q, region, described(hits), described([elsewhere] if elsewhere else [])))
    return out


@pytest.mark.parametrize("seed", [14, 2026])
def test_edits_applied_one_by_one_search_as_a_fresh_build(seed: int) -> None:
    normalize, _ = shared_language()
    vocabulary = load_vocabulary()
    regions = load_regions()
    corpus = Corpus(seed, regions)

    def fresh(entries: dict[str, IndexedEntry]) -> KnowledgeIndex:
        ordered = [entries[i] for i in sorted(entries)]
        return KnowledgeIndex(ordered, normalize, vocabulary.tokens, regions, TODAY)

    held = {e.id: e for e in (corpus.entry() for _ in range(40))}
    gone: list[str] = []
    index = fresh(held)
    space = index.space
    for step in range(1, 41):
        changes: dict[str, IndexedEntry | None] = {}
        for _ in range(corpus.rng.choice([1, 1, 2, 4])):  # one publish, or an import of several
            entry_id, entry = corpus.edit(held, gone)
            changes[entry_id] = entry
            if entry is None:
                held.pop(entry_id, None)
                gone.append(entry_id)
            else:
                held[entry_id] = entry
                gone = [g for g in gone if g != entry_id]
        before = index
        index = index.apply(changes)
        assert index is not before and index.space is space  # a new snapshot, not a rebuild
        assert [e.id for e in index.entries] == sorted(held)
        if step % 10 == 0:
            queries = [q for e in list(held.values())[::3] for q in e.questions[:2]]
            queries += [corpus.rng.choice(corpus.words) + "怎么办", "完全无关的一句话"]
            assert searches(index, queries) == searches(fresh(held), queries)


def test_an_update_leaves_the_old_snapshot_as_it_was() -> None:
    normalize, _ = shared_language()
    vocabulary = load_vocabulary()
    regions = load_regions()
    corpus = Corpus(7, regions)
    entries = sorted((corpus.entry() for _ in range(20)), key=lambda e: e.id)
    old = KnowledgeIndex(entries, normalize, vocabulary.tokens, regions, TODAY)
    queries = [e.question for e in entries]
    seen = searches(old, queries)
    changed = replace(
        entries[3], question="一个全新的说法", questions=["一个全新的说法", "新问法二"]
    )
    new = old.apply({entries[3].id: changed, entries[5].id: None, "zz-new": corpus.entry("zz-new")})
    assert searches(old, queries) == seen  # searches on the old snapshot are untouched
    assert old.get(entries[5].id) is not None and new.get(entries[5].id) is None
    assert new.search("一个全新的说法")[0].entry.id == entries[3].id
    assert all(h.entry.id != entries[3].id for h in old.search("一个全新的说法")[:1])
    # Terms added to the shared space by the update are unknown to the old snapshot, as they
    # would be to a fresh build of its entries.
    later = [
        t
        for t in old.space.terms(normalize("一个全新的说法"))
        if old.space.columns[t] >= old.n_terms
    ]
    assert later and all(old._column(t) is None for t in later)
