"""The understanding pipeline the engine calls: normalise, classify, retrieve.

Holds the parts that are expensive to build (vocabulary, classifier, index) and keeps the index
up to date without a restart:

- **A publish** moves the knowledge base's generation counter, and logs the entries it changed
  (``knowledge.changelog``). At most every ``RELOAD_CHECK_SECONDS`` a request looks at the
  counter; a worker at generation N that sees N+k reads the entries changed since N and applies
  just those to its index (``KnowledgeIndex.apply``: re-tokenises only them), moving each into
  the index, into dated history or out, as its status and effective dates say now. The request
  that notices applies a few publishes itself (tens of milliseconds at 10,000 entries; other
  requests meanwhile keep the index they have); more are applied in the background.
- **The date turning over** (entries coming into force, or going to dated history, at midnight),
  and a change log that cannot say what changed (a generation missing from it, or too many
  entries changed to be worth it), rebuild the whole index in the background, the old one
  serving until the new one is ready.

``benchmarks/publish.py`` measures the time from a publish to another engine's answer.

Thread safety: indexes are immutable snapshots, swapped whole. Updating and rebuilding happen
under one lock (``_lock``) and end by assigning ``_index`` once; a request takes ``index`` once
and searches that snapshot (with its dated history), so it never sees a half-updated index.
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
from knowledge import changelog
from knowledge.index import Hit, IndexedEntry, KnowledgeIndex, entry_from_row
from knowledge.models import Entry, KbState
from knowledge.regions import Regions, load_regions
from knowledge.semantic import SecondOpinion
from knowledge.vocabulary import Vocabulary, load_vocabulary
from knowledge.years import named_year
from shebao import clock
from shebao.db import Database

RELOAD_CHECK_SECONDS = 0.5  # how often a request looks at the generation counter (one read)
# At most this many changed entries are applied by the request that notices them (tens of
# milliseconds at 10,000 entries); more are applied in the background, the old index serving.
APPLIED_IN_REQUEST = 50
# More changed entries than this are a bulk import: rebuilding costs about as much and is simpler.
MOST_APPLIED = 2000
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
        self._updating = threading.Event()  # an update or rebuild runs in the background
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
        if index is None:
            with self._lock:
                if self._index is None:
                    self._build(self._current_generation())
                assert self._index is not None
                return self._index
        if index.built_for != self.today():
            self._update_in_background()  # the date turned over: a rebuild
            return index
        generation = self._current_generation()
        if generation == self._generation:
            return index
        if self._lock.acquire(blocking=False):  # else another thread is at it: keep this one
            try:
                if generation != self._generation:  # (not brought up to date meanwhile)
                    changed = self._changed_since(self._generation, generation)
                    if changed is not None and len(changed) <= APPLIED_IN_REQUEST:
                        self._apply(changed, generation)
                    else:  # a bulk import, or the log cannot say: not in a citizen's request
                        self._update_in_background()
            finally:
                self._lock.release()
        return self._index or index

    def _update_in_background(self) -> None:
        if self._updating.is_set():
            return
        self._updating.set()

        def update() -> None:
            try:
                self.refresh()
            finally:
                self._updating.clear()

        threading.Thread(target=update, name="index-update", daemon=True).start()

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
        opinion, first = self.opinion, self._index or self.index

        def warm() -> None:
            index = first
            try:
                while True:  # until the newest index is warm (an update may land meanwhile)
                    opinion.warm(index)
                    if self._index is index or self._index is None:
                        break
                    index = self._index
            finally:
                self._opinion_warming.clear()

        threading.Thread(target=warm, name="opinion-warm", daemon=True).start()

    def is_stale(self) -> bool:
        """Whether staff have published since the index was built."""
        return self._index is None or self._current_generation() != self._generation

    def refresh(self, full: bool = False) -> KnowledgeIndex:
        """Bring the index up to date now (tests and the staff console's "try a question" want
        no delay): the changed entries only, unless ``full`` or the log cannot say which."""
        with self._lock:
            generation = self._current_generation()
            if full or not self._catch_up(generation):
                self._build(generation)
            self._checked_at = time.monotonic()
            assert self._index is not None
            return self._index

    def _current_generation(self) -> int:
        with self.db.session() as s:
            state = s.get(KbState, 1)
            return state.generation if state else 0

    def _catch_up(self, generation: int) -> bool:
        """Apply the entries changed since the index's generation (caller holds ``_lock``).
        False: the index cannot be brought up to date so, and must be rebuilt."""
        index = self._index
        if index is None or index.built_for != self.today():
            return False
        changed = self._changed_since(self._generation, generation)
        if changed is None or len(changed) > MOST_APPLIED:
            return False
        self._apply(changed, generation)
        return True

    def _changed_since(self, held: int, generation: int) -> set[str] | None:
        if generation == held:
            return set()
        with self.db.session() as s:
            return changelog.changed_since(s, held, generation)

    def _apply(self, changed: set[str], generation: int) -> None:
        """Re-index ``changed`` as they are now (caller holds ``_lock``): into the index, into
        dated history, or out of both."""
        index, today = self._index, self.today()
        assert index is not None
        if not changed:
            self._generation = generation
            return
        with self.db.session() as s:
            rows = {r.id: r for r in s.scalars(select(Entry).where(Entry.id.in_(sorted(changed))))}
        serving: dict[str, IndexedEntry | None] = {}
        past: dict[str, IndexedEntry | None] = {}
        for entry_id in changed:
            serving[entry_id], past[entry_id] = _placement(rows.get(entry_id), today)
        updated = index.apply(serving)
        if index.history is not None:
            updated.history = index.history.apply(past)
        elif any(past.values()):
            updated.history = self._new_index([e for e in past.values() if e is not None], today)
        self._swap(updated, generation)

    def _swap(self, index: KnowledgeIndex, generation: int) -> None:
        self._index, self._generation = index, generation
        if self.opinion is not None and self.opinion.ready:
            self._warm_opinion_in_background()  # only new or changed questions are embedded

    def _new_index(self, entries: list[IndexedEntry], today: date) -> KnowledgeIndex:
        ordered = sorted(entries, key=lambda e: e.id)
        return KnowledgeIndex(ordered, self.normalize, self.words, self.regions, today)

    def _build(self, generation: int) -> None:
        """Index every entry afresh (caller holds ``_lock``): those in force on ``today()``, and
        those out of force since as dated history. Entries are indexed in id order."""
        today = self.today()
        with self.db.session() as s:
            rows = s.scalars(select(Entry).where(Entry.status == "published")).all()
            entries = [entry_from_row(r) for r in rows if r.in_force(today)]
            expired = [entry_from_row(r) for r in rows if r.effective_to and r.effective_to < today]
        index = self._new_index(entries, today)
        if expired:
            index.history = self._new_index(expired, today)
        self._swap(index, generation)

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


def _placement(row: Entry | None, today: date) -> tuple[IndexedEntry | None, IndexedEntry | None]:
    """Where an entry goes now: (in the index, in dated history); None: not there."""
    if row is None or row.status != "published":
        return None, None
    entry = entry_from_row(row)
    if row.in_force(today):
        return entry, None
    if row.effective_to is not None and row.effective_to < today:
        return None, entry
    return None, None  # not in force yet: it comes in when the date does (a rebuild)
