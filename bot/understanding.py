"""The understanding pipeline the engine calls: normalise, classify, retrieve.

Holds the parts that are expensive to build (vocabulary, classifier, index) and rebuilds the
index when staff publish (the knowledge base's generation counter moves) or the day changes,
so every worker answers from new text within seconds without a restart.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import date
from functools import cache

from sqlalchemy import select

from intents.classifier import IntentClassifier, Prediction
from intents.normalize import Normalizer, TypoCorrector
from knowledge.index import Hit, KnowledgeIndex, entry_from_row
from knowledge.models import Entry, KbState
from knowledge.regions import Regions, load_regions
from knowledge.semantic import SecondOpinion
from knowledge.vocabulary import Vocabulary, load_vocabulary
from knowledge.years import named_year
from shebao import clock
from shebao.db import Database

RELOAD_CHECK_SECONDS = 2.0
VERDICTS_KEPT = 256  # the second opinion's recent verdicts (one embedding each)
# A history hit this good is what a question naming its year means, so it leads today's hits
# by more than bot.policy.TIE (answered, not a tie).
YEAR_FLOOR = 0.45
YEAR_LEAD = 0.06


@dataclass
class Understood:
    text: str
    normalized: str
    prediction: Prediction
    hits: list[Hit]
    # The best match among topics only other places have, when it beats every hit: the engine
    # says so rather than answer or offer something else (see bot.policy.not_here).
    elsewhere: Hit | None = None


def build_normalizer(vocabulary: Vocabulary) -> Normalizer:
    corrector = TypoCorrector.build(vocabulary.domain_words, vocabulary.tokenizer.FREQ)
    return Normalizer(corrector)


@cache
def shared_language() -> tuple[Normalizer, IntentClassifier]:
    """The normaliser and classifier: pure functions of the shipped data, built once."""
    normalize = build_normalizer(load_vocabulary())
    return normalize, IntentClassifier(normalize)


def with_history(hits: list[Hit], past: list[Hit]) -> list[Hit]:
    """Today's hits and those of the year the question named, best first. A good match of that
    year leads: the question named its year, which today's entry does not answer."""
    lead = hits[0].score if hits else 0.0
    for hit in past:
        if hit.score >= YEAR_FLOOR:
            hit.score = min(max(hit.score, lead + YEAR_LEAD), 0.99)
    return sorted(hits + past, key=lambda h: -h.score)[: max(len(hits), len(past))]


class Understanding:
    def __init__(
        self, db: Database, today: date | None = None, opinion: SecondOpinion | None = None
    ) -> None:
        self.db = db
        self.fixed_today = today
        self.regions: Regions = load_regions()
        self.vocabulary = load_vocabulary()
        self.normalize, self.classifier = shared_language()
        self._lock = threading.Lock()
        self._generation = -1
        self._checked_at = 0.0
        self._index: KnowledgeIndex | None = None
        self._rebuilding = threading.Event()
        self._opinion_warming = threading.Event()
        self._verdicts: dict[tuple[str, str, str | None], bool | None] = {}
        # An independent opinion for the grey zone (knowledge.semantic), warmed per index.
        self.opinion = opinion if opinion is not None and opinion.enabled else None

    def today(self) -> date:
        return self.fixed_today or clock.china_today()

    def words(self, normalized: str) -> list[str]:
        return self.vocabulary.tokens(normalized)

    @property
    def index(self) -> KnowledgeIndex:
        """The current index. A stale one keeps serving while its successor is built."""
        now = time.monotonic()
        index = self._index
        if index is not None and now - self._checked_at < RELOAD_CHECK_SECONDS:
            return index
        self._checked_at = now
        generation = self._current_generation()
        if index is not None and generation == self._generation and index.built_for == self.today():
            return index
        if index is None:
            with self._lock:
                if self._index is None:
                    self._index = self._build(generation)
                return self._index
        if not self._rebuilding.is_set():
            self._rebuilding.set()
            threading.Thread(target=self._rebuild, args=(generation,), daemon=True).start()
        return index

    def _rebuild(self, generation: int) -> None:
        try:
            self._index = self._build(generation)
            if self.opinion is not None:
                self.opinion.warm(self._index)  # only new or changed questions are embedded
        finally:
            self._rebuilding.clear()

    def warm(self) -> None:
        """Build the index and the second opinion's vectors now (start-up, before traffic)."""
        index = self.index
        if self.opinion is not None:
            self.opinion.warm(index)

    def agrees(self, normalized: str, hits: list[Hit], region: str | None) -> bool | None:
        """Whether the second opinion agrees that ``hits[0]`` is right; None: no opinion."""
        if self.opinion is None:
            return None
        if not self.opinion.ready:  # e.g. the first question of a command: warm it meanwhile
            self._warm_opinion_in_background()
            return None
        key = (normalized, hits[0].entry.id if hits else "", region)
        if key in self._verdicts:  # the intent and the decision of one turn ask alike
            return self._verdicts[key]
        verdict = self.opinion.judge(normalized, hits, region)
        agrees = None if verdict is None else verdict.agrees
        if len(self._verdicts) >= VERDICTS_KEPT:
            self._verdicts.clear()
        self._verdicts[key] = agrees
        return agrees

    def _warm_opinion_in_background(self) -> None:
        if self._opinion_warming.is_set() or self.opinion is None:
            return
        self._opinion_warming.set()
        opinion, index = self.opinion, self.index

        def warm() -> None:
            try:
                opinion.warm(index)
            finally:
                self._opinion_warming.clear()

        threading.Thread(target=warm, name="opinion-warm", daemon=True).start()

    def is_stale(self) -> bool:
        """Whether staff have published since the index was built."""
        return self._index is None or self._current_generation() != self._generation

    def refresh(self) -> KnowledgeIndex:
        """Rebuild now (tests and the staff console's "try a question" want no delay)."""
        with self._lock:
            self._index = self._build(self._current_generation())
            self._checked_at = time.monotonic()
            return self._index

    def _current_generation(self) -> int:
        with self.db.session() as s:
            state = s.get(KbState, 1)
            return state.generation if state else 0

    def _build(self, generation: int) -> KnowledgeIndex:
        today = self.today()
        with self.db.session() as s:
            rows = s.scalars(
                select(Entry).where(Entry.status == "published").order_by(Entry.id)
            ).all()
            entries = [entry_from_row(r) for r in rows if r.in_force(today)]
            expired = [entry_from_row(r) for r in rows if r.effective_to and r.effective_to < today]
        self._generation = generation
        index = KnowledgeIndex(entries, self.normalize, self.words, self.regions, today)
        if expired:
            index.history = KnowledgeIndex(expired, self.normalize, self.words, self.regions, today)
        return index

    def understand(self, text: str, region: str | None) -> Understood:
        normalized = self.normalize(text)
        prediction = self.classifier.predict(text, normalized=normalized)
        index = self.index
        hits, elsewhere = index.search_with_elsewhere(text, region, normalized=normalized)
        year = named_year(normalized, self.today())
        if year is not None:  # a past year named: that year's entries compete too
            past = index.search_history(text, year, region, normalized=normalized)
            if past:
                hits = with_history(hits, past)
        return Understood(text, normalized, prediction, hits, elsewhere)
