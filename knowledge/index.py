"""The retrieval index: BM25 over words and character bigrams, then a rapidfuzz rerank.

Every question of every entry in force is a document; an entry scores as its best question
plus a little for its answer and keywords. Scoring is sparse-matrix arithmetic over the
query's terms only (scipy), so it grows with the postings touched, not with Python loops over
entries; the rerank looks at the top few entries only.

Updating per entry: tokenising the texts (normalisation, jieba) is what costs, so the index keeps
each entry's tokenised texts (term columns and counts, laid end to end in arrays).
``KnowledgeIndex.apply`` makes a *new* index with some entries added, replaced or removed: it
tokenises only those, copies the unchanged entries' parts as a few array slices, and recomputes
the weights over all entries (BM25's idf and average length change with any entry) in one
vectorised pass. The result searches exactly as an index built afresh from the same entries
in the same order: same hits, same scores, same order (no arithmetic depends on column numbers).

Thread safety: an index is an immutable snapshot. ``apply`` never changes the index it is called
on; the caller swaps its reference to the new one (``bot.understanding``), so a search runs on
one whole snapshot, old or new, never a half-updated one. Snapshots derived from one another
share their ``TermSpace``, which is append-only (a term keeps its column forever); each snapshot
sees only the columns its own entries use (``_column``), so terms added later, or no longer used
by any of its entries, are unknown to it, as they would be to an index built afresh.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
from rapidfuzz import fuzz
from scipy import sparse

from knowledge.regions import Regions
from knowledge.scoring import Calibration, Features, load_calibration

if TYPE_CHECKING:  # only the type: the index itself stays free of the database layer
    from knowledge.models import Entry

K1 = 1.2
B = 0.75
ANSWER_WEIGHT = 0.25
BIGRAM_WEIGHT = 0.6
RERANK_DEPTH = 20
ELSEWHERE_DEPTH = 3  # entries of topics the asker's place lacks, looked at more closely
STOPWORDS = frozenset(
    "我 你 您 他 她 的 了 吗 呢 吧 啊 呀 嘛 么 是 有 在 和 与 及 或 就 都 也 还 要 想 能 可以 会 "
    "请问 问 一下 问一下 我想 想问 请 帮 帮我 怎么 怎么样 怎样 如何 什么 哪里 哪儿 多少 几 "
    "个 这 那 这个 那个 咨询 谢谢 麻烦 老师 你好 您好".split()
)


@dataclass
class IndexedEntry:
    id: str
    topic: str
    question: str
    questions: list[str]
    answer: str
    region: str
    category: str
    source: str
    keywords: list[str] = field(default_factory=list)
    effective_from: date | None = None
    effective_to: date | None = None

    def in_force_during(self, year: int) -> bool:
        """Whether the entry was in force at some time in ``year``."""
        starts_after = self.effective_from is not None and self.effective_from.year > year
        ended_before = self.effective_to is not None and self.effective_to.year < year
        return not (starts_after or ended_before)


@dataclass
class Hit:
    entry: IndexedEntry
    score: float  # 0..1, the combined score used for the decision
    similarity: float  # 0..1, best rapidfuzz similarity to one of the entry's questions
    coverage: float  # 0..1, share of the query's term weight the best question contains
    matched_question: str
    matched_terms: list[str]
    variants: list[str] = field(default_factory=list)  # regions of other variants of the topic
    features: Features | None = None
    # The past year the question named, when the hit is an entry of that year's history (out
    # of force today): the answer says which year it is for.
    as_of: int | None = None
    # False: the best match is an entry for other places only (the topic has no variant for the
    # asker's region); it is kept so the engine can say so instead of answering something else.
    applies: bool = True


Analyzer = Callable[[str], list[str]]


def bigrams(text: str) -> list[str]:
    return [text[i : i + 2] for i in range(len(text) - 1)] or ([text] if text else [])


def content_words(words: list[str]) -> list[str]:
    return [w for w in words if w not in STOPWORDS and w.strip()]


class TermSpace:
    """Maps the terms of a text (words and bigrams) to columns, and back.

    Append-only: a column, once given, keeps its term (``names``), so several indexes may share
    one space while it grows (see the module docstring)."""

    def __init__(self, words: Analyzer) -> None:
        self.words = words
        self.columns: dict[str, int] = {}
        self.names: list[str] = []  # column -> term
        self.word_columns: set[int] = set()  # the columns of words ("w:…"), not bigrams

    def analyse(self, normalized: str) -> tuple[list[str], list[str]]:
        """(every word, the terms), from one tokenisation of ``normalized``."""
        words = self.words(normalized)
        return words, self.terms_of(normalized, content_words(words))

    def terms(self, normalized: str) -> list[str]:
        return self.analyse(normalized)[1]

    @staticmethod
    def terms_of(normalized: str, content: list[str]) -> list[str]:
        return ["w:" + w for w in content] + ["b:" + b for b in bigrams(normalized)]

    def add(self, terms: Sequence[str]) -> list[int]:
        out: list[int] = []
        for term in terms:
            col = self.columns.get(term)
            if col is None:
                col = len(self.names)
                self.names.append(term)  # named before it can be looked up
                if term.startswith("w:"):
                    self.word_columns.add(col)
                self.columns[term] = col
            out.append(col)
        return out


@dataclass(frozen=True)
class _Analysed:
    """One entry's texts, tokenised. An index lays its entries' arrays end to end
    (``_lay_out``); ``apply`` copies unchanged entries' parts out of them, so an update tokenises
    only the entries it changes."""

    entry: IndexedEntry
    q_text: tuple[str, ...]  # each question, normalised
    q_words: tuple[str, ...]  # … its words, space-separated (the rerank's token_set_ratio)
    # Per question: column -> count x (1 for a word, BIGRAM_WEIGHT for a bigram), in the order
    # the terms first occur in the question.
    q_terms: tuple[dict[int, float], ...]
    q_lengths: np.ndarray  # terms per question, repeats counted (BM25's document length)
    q_distinct: np.ndarray  # distinct columns per question
    q_cols: np.ndarray  # the distinct columns of each question, one after the other
    q_counts: np.ndarray  # … how often each occurs
    q_weights: np.ndarray  # … its ``q_terms`` weight
    a_length: int  # the same for the answer and keywords, one document
    a_cols: np.ndarray
    a_counts: np.ndarray


def _analyse(entry: IndexedEntry, space: TermSpace, normalize: Callable[[str], str]) -> _Analysed:
    q_text: list[str] = []
    q_words: list[str] = []
    q_terms: list[dict[int, float]] = []
    lengths: list[int] = []
    cols: list[int] = []
    counts: list[int] = []
    for q in entry.questions:
        norm = normalize(q)
        tokens, terms = space.analyse(norm)
        doc = space.add(terms)
        counted = Counter(doc)
        q_text.append(norm)
        q_words.append(" ".join(tokens))
        q_terms.append(
            {c: n * (1.0 if c in space.word_columns else BIGRAM_WEIGHT) for c, n in counted.items()}
        )
        lengths.append(len(doc))
        cols += counted.keys()
        counts += counted.values()
    body = normalize(entry.answer + " " + " ".join(entry.keywords))
    a_doc = space.add(space.terms(body))
    a_counted = Counter(a_doc)
    return _Analysed(
        entry,
        tuple(q_text),
        tuple(q_words),
        tuple(q_terms),
        np.array(lengths, dtype=np.int64),
        np.array([len(t) for t in q_terms], dtype=np.int64),
        np.array(cols, dtype=np.int32),
        np.array(counts, dtype=np.int32),
        np.array([w for t in q_terms for w in t.values()], dtype=np.float64),
        len(a_doc),
        np.array(list(a_counted), dtype=np.int32),
        np.array(list(a_counted.values()), dtype=np.int32),
    )


def _concat(arrays: list[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate(arrays) if arrays else np.zeros(0, dtype=dtype)


# The arrays kept per entry, laid end to end over the index (``_lay_out``), each with the group
# whose offsets say where an entry's part begins: per question, per distinct question term, per
# distinct answer term, per entry.
_KINDS = {
    "q_lengths": "question",
    "q_distinct": "question",
    "q_cols": "term",
    "q_counts": "term",
    "q_weights": "term",
    "a_cols": "answer",
    "a_counts": "answer",
    "a_length": "entry",
}
_DTYPES = {"q_weights": np.float64, "q_cols": np.int32, "q_counts": np.int32}
_DTYPES |= {"a_cols": np.int32, "a_counts": np.int32}  # the rest: np.int64
_SIZES: dict[str, Callable[[_Analysed], int]] = {
    "question": lambda a: len(a.q_text),
    "term": lambda a: len(a.q_cols),
    "answer": lambda a: len(a.a_cols),
    "entry": lambda a: 1,
}


def _own(a: _Analysed, kind: str) -> np.ndarray:
    if kind == "a_length":
        return np.array([a.a_length], dtype=np.int64)
    array: np.ndarray = getattr(a, kind)
    return array


def _lay_out(
    pieces: Sequence[range | _Analysed], old: KnowledgeIndex | None
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """(each kind's array over all entries, each group's offsets: entries + 1 of them), from new
    entries and runs of ``old``'s (sliced out of its arrays: a few pieces, not one per entry)."""
    offsets: dict[str, np.ndarray] = {}
    for group, size in _SIZES.items():
        sizes: list[np.ndarray] = []
        for p in pieces:
            if isinstance(p, range):
                assert old is not None
                sizes.append(np.diff(old._offsets[group][p.start : p.stop + 1]))
            else:
                sizes.append(np.array([size(p)], dtype=np.int64))
        counted = np.cumsum(_concat(sizes, np.int64))
        offsets[group] = np.concatenate(([0], counted)).astype(np.int64)
    arrays: dict[str, np.ndarray] = {}
    for kind, group in _KINDS.items():
        parts: list[np.ndarray] = []
        for p in pieces:
            if isinstance(p, range):
                assert old is not None
                at = old._offsets[group]
                parts.append(old._arrays[kind][int(at[p.start]) : int(at[p.stop])])
            else:
                parts.append(_own(p, kind))
        arrays[kind] = _concat(parts, _DTYPES.get(kind, np.int64))
    return arrays, offsets


def _bm25(
    lengths: np.ndarray, rows: np.ndarray, cols: np.ndarray, counts: np.ndarray, n_terms: int
) -> tuple[sparse.csc_matrix, np.ndarray, np.ndarray]:
    """(BM25 weights of documents x terms, idf per term, document frequency per term), from
    each document's length and its distinct terms (``rows``, ``cols``) with their counts."""
    n = len(lengths)
    lengths = lengths.astype(np.float64)
    counts = counts.astype(np.float64)
    avg = float(lengths.mean()) if n else 1.0
    df = np.bincount(cols, minlength=n_terms).astype(np.float64)
    idf = np.log(1.0 + (n - df + 0.5) / (df + 0.5))
    norm = K1 * (1 - B + B * lengths[rows] / max(avg, 1e-9))
    weights = idf[cols] * counts * (K1 + 1) / (counts + norm)
    matrix = sparse.csc_matrix((weights, (rows, cols)), shape=(n, n_terms))
    return matrix, idf, df


class KnowledgeIndex:
    """An immutable index of the entries in force on ``built_for``, in the order given.

    ``apply`` returns a new index with some entries changed (see the module docstring)."""

    def __init__(
        self,
        entries: list[IndexedEntry],
        normalize: Callable[[str], str],
        words: Analyzer,
        regions: Regions,
        built_for: date,
        calibration: Calibration | None = None,
    ) -> None:
        self.calibration = calibration or load_calibration()
        self.normalize = normalize
        self.regions = regions
        self.built_for = built_for
        self.space = TermSpace(words)
        # Entries out of force since (their effective_to has passed), searched only for a
        # question that names a year they were in force: see ``search_history``.
        self.history: KnowledgeIndex | None = None
        self._stack([_analyse(e, self.space, normalize) for e in entries])

    def apply(self, changes: Mapping[str, IndexedEntry | None]) -> KnowledgeIndex:
        """A new index with ``changes`` made: each entry id to its entry now (added, or
        replacing the one held) or to None (removed). A replaced entry keeps its place; a new
        one goes where ordering by id puts it (``bot.understanding`` builds in id order). Only
        the changed entries are tokenised. ``self`` is left as it was; ``history`` is carried
        over unchanged."""
        replaced: dict[int, _Analysed] = {}
        gone: set[int] = set()
        added: list[IndexedEntry] = []
        for entry_id, entry in changes.items():
            at = self.by_id.get(entry_id)
            if entry is None:
                if at is not None:
                    gone.add(at)
            elif at is not None:
                replaced[at] = _analyse(entry, self.space, self.normalize)
            else:
                added.append(entry)
        kept = [i for i in range(len(self.entries)) if i not in gone]
        ids = [self.entries[i].id for i in kept]
        order: list[int | _Analysed] = [replaced.get(i, i) for i in kept]
        for entry in sorted(added, key=lambda e: e.id):
            at = bisect.bisect_left(ids, entry.id)
            ids.insert(at, entry.id)
            order.insert(at, _analyse(entry, self.space, self.normalize))
        pieces: list[range | _Analysed] = []
        for item in order:  # runs of kept entries are copied as slices, not entry by entry
            last = pieces[-1] if pieces else None
            if isinstance(item, int) and isinstance(last, range) and last.stop == item:
                pieces[-1] = range(last.start, item + 1)
            else:
                pieces.append(range(item, item + 1) if isinstance(item, int) else item)
        new = object.__new__(KnowledgeIndex)
        new.calibration = self.calibration
        new.normalize = self.normalize
        new.regions = self.regions
        new.built_for = self.built_for
        new.space = self.space
        new.history = self.history
        new._stack(pieces, self)
        return new

    def _stack(
        self, pieces: Sequence[range | _Analysed], old: KnowledgeIndex | None = None
    ) -> None:
        """Every weight of the index from the tokenised entries, vectorised: ``pieces`` are
        tokenised entries, and runs of ``old``'s entries (copied as slices of its arrays)."""
        self.entries: list[IndexedEntry] = []
        self.q_text: list[str] = []
        self.q_words: list[str] = []
        self.q_terms: list[dict[int, float]] = []
        for piece in pieces:
            if isinstance(piece, range):
                assert old is not None
                at = old._offsets["question"]
                questions = slice(int(at[piece.start]), int(at[piece.stop]))
                self.entries += old.entries[piece.start : piece.stop]
                self.q_text += old.q_text[questions]
                self.q_words += old.q_words[questions]
                self.q_terms += old.q_terms[questions]
            else:
                self.entries.append(piece.entry)
                self.q_text += piece.q_text
                self.q_words += piece.q_words
                self.q_terms += piece.q_terms
        arrays, offsets = _lay_out(pieces, old)
        self._arrays: dict[str, np.ndarray] = arrays
        self._offsets: dict[str, np.ndarray] = offsets
        n_terms = self.n_terms = len(self.space.names)
        self.starts = self._offsets["question"][:-1]
        lengths, distinct, cols = arrays["q_lengths"], arrays["q_distinct"], arrays["q_cols"]
        rows = np.repeat(np.arange(len(lengths), dtype=np.int64), distinct)
        self.q_matrix, self.idf, q_df = _bm25(lengths, rows, cols, arrays["q_counts"], n_terms)
        answers = np.diff(self._offsets["answer"])
        a_rows = np.repeat(np.arange(len(self.entries), dtype=np.int64), answers)
        self.a_matrix, _, a_df = _bm25(
            arrays["a_length"], a_rows, arrays["a_cols"], arrays["a_counts"], n_terms
        )
        # The columns some entry of this index uses: the terms an index built afresh knows.
        self.present = (q_df + a_df) > 0
        # Each question's term weight (idf x weight), summed in the question's term order.
        indptr = np.concatenate(([0], np.cumsum(distinct))).astype(np.int64)
        weighted = sparse.csr_matrix(
            (arrays["q_weights"], cols, indptr), shape=(len(lengths), n_terms)
        )
        self.q_mass = weighted @ self.idf
        self._region_masks: dict[tuple[str, ...], tuple[np.ndarray, np.ndarray]] = {}
        self.by_topic: dict[str, list[int]] = {}
        for e_i, entry in enumerate(self.entries):
            self.by_topic.setdefault(entry.topic, []).append(e_i)
        self.by_id = {e.id: i for i, e in enumerate(self.entries)}
        self.max_idf = float(self.idf[self.present].max()) if self.present.any() else 1.0

    def _column(self, term: str) -> int | None:
        """The term's column, if an entry of this index uses the term."""
        col = self.space.columns.get(term)
        if col is None or col >= self.n_terms or not self.present[col]:
            return None
        return col

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, entry_id: str) -> IndexedEntry | None:
        i = self.by_id.get(entry_id)
        if i is None:
            return self.history.get(entry_id) if self.history is not None else None
        return self.entries[i]

    def search_history(
        self, text: str, year: int, region: str | None = None, normalized: str | None = None
    ) -> list[Hit]:
        """Hits among the entries out of force today that were in force in ``year``."""
        if self.history is None or not len(self.history):
            return []
        hits = self.history.search(text, region, normalized=normalized)
        past = [h for h in hits if h.applies and h.entry.in_force_during(year)]
        for hit in past:
            hit.as_of = year
        return past

    def _region_masks_for(self, region: str) -> tuple[np.ndarray, np.ndarray]:
        """(entries of topics with a variant for ``region``, entries of topics without one).

        Every variant of a covered topic is in the first: variants ask the same question, so the
        topic is found through any of their wordings and then served as the asker's variant.
        Kept per chain of served regions, so every asker in 广州市, or in a place not known at
        all, shares one pair however many places people name."""
        chain = self.regions.served_chain(region)
        masks = self._region_masks.get(chain)
        if masks is None:
            covered = {e.topic for e in self.entries if e.region in chain}
            ours = np.array([e.topic in covered for e in self.entries], dtype=bool)
            masks = (ours, ~ours)
            self._region_masks[chain] = masks
        return masks

    def _term_weights(self, terms: list[str]) -> tuple[list[int], np.ndarray, float]:
        counts = Counter(terms)
        cols: list[int] = []
        weights: list[float] = []
        total = 0.0
        for term, n in counts.items():
            scale = 1.0 if term.startswith("w:") else BIGRAM_WEIGHT
            col = self._column(term)
            idf = self.idf[col] if col is not None else self.max_idf
            total += idf * scale * n
            if col is not None:
                cols.append(col)
                weights.append(scale * n)
        return cols, np.array(weights, dtype=np.float64), total

    def search(
        self, text: str, region: str | None = None, limit: int = 5, normalized: str | None = None
    ) -> list[Hit]:
        """The entries that may be served in ``region`` for ``text``, best first."""
        return self.search_with_elsewhere(text, region, limit, normalized)[0]

    def search_with_elsewhere(
        self, text: str, region: str | None = None, limit: int = 5, normalized: str | None = None
    ) -> tuple[list[Hit], Hit | None]:
        """``search``, and the best match among topics only other places have, when it scores
        above everything that may be served (marked ``applies=False``; never to be served)."""
        if not self.entries:
            return [], None
        query = normalized if normalized is not None else self.normalize(text)
        if not query:
            return [], None
        words = content_words(self.space.words(query))
        cols, weights, total = self._term_weights(self.space.terms_of(query, words))
        if not cols:
            return [], None
        q_scores = self.q_matrix[:, cols] @ weights
        e_scores = np.maximum.reduceat(q_scores, self.starts) if len(self.starts) else q_scores
        e_scores = e_scores + ANSWER_WEIGHT * (self.a_matrix[:, cols] @ weights)
        col_set = dict(zip(cols, weights, strict=True))
        unknown = (
            sum(1 for w in words if self._column("w:" + w) is None) / len(words) if words else 0.0
        )
        query_words = " ".join(words)

        def ranked(scores: np.ndarray, depth: int, best: float | None = None) -> list[Hit]:
            depth = min(depth, int(np.count_nonzero(scores > 0)))
            if depth == 0:
                return []
            top = np.argpartition(-scores, depth - 1)[:depth]
            best = best or float(scores[top].max())
            hits = [
                self._rerank(
                    int(i), query, query_words, unknown, col_set, total, float(scores[i]) / best
                )
                for i in top
            ]
            hits.sort(key=lambda h: -h.score)
            return self._resolve_topics(hits, region)

        if region is None:
            return ranked(e_scores, RERANK_DEPTH)[:limit], None
        ours, theirs = self._region_masks_for(region)
        hits = ranked(np.where(ours, e_scores, -1.0), RERANK_DEPTH)[:limit]
        elsewhere = np.where(theirs, e_scores, -1.0)
        if float(elsewhere.max(initial=-1.0)) <= 0:
            return hits, None
        best_all = float(max(e_scores[ours].max(initial=0.0), elsewhere.max()))
        floor = hits[0].score if hits else 0.0
        above = [h for h in ranked(elsewhere, ELSEWHERE_DEPTH, best_all) if h.score > floor]
        return hits, (above[0] if above else None)

    def _rerank(
        self,
        e_i: int,
        query: str,
        query_words: str,
        unknown: float,
        cols: dict[int, float],
        total: float,
        relative: float,
    ) -> Hit:
        start = int(self.starts[e_i])
        end = int(self.starts[e_i + 1]) if e_i + 1 < len(self.starts) else len(self.q_text)
        best: tuple[float, Features, int, set[int]] | None = None
        for qi in range(start, end):
            cand = self.q_text[qi]
            shared = [c for c in self.q_terms[qi] if c in cols]  # in the question's order
            cov = sum(self.idf[c] * cols[c] for c in shared) / total if total else 0.0
            q_mass = self.q_mass[qi]
            q_cov = (
                sum(self.idf[c] * self.q_terms[qi][c] for c in shared) / q_mass if q_mass else 0.0
            )
            f = Features(
                ratio=fuzz.ratio(query, cand) / 100.0,
                words=fuzz.token_set_ratio(query_words, self.q_words[qi]) / 100.0,
                coverage=min(cov, 1.0),
                question_coverage=min(q_cov, 1.0),
                relative=relative,
                word_match=1.0 if any(c in self.space.word_columns for c in shared) else 0.0,
                short=1.0 if len(query) <= 4 else 0.0,
                unknown=unknown,
            )
            p = self.calibration.probability(f)
            if best is None or p > best[0]:
                best = (p, f, qi, set(shared))
        assert best is not None
        p, f, qi, matched = best
        return Hit(
            self.entries[e_i],
            p,
            f.ratio,
            f.coverage,
            self.q_text[qi],
            sorted(self._term_name(c) for c in matched),
            features=f,
        )

    def _term_name(self, col: int) -> str:
        return self.space.names[col][2:]

    def variants(self, topic: str) -> list[IndexedEntry]:
        return [self.entries[i] for i in self.by_topic.get(topic, [])]

    def variant_for(self, topic: str, region: str | None) -> IndexedEntry | None:
        """The topic's entry for ``region``: the most specific one that applies there."""
        usable = [
            v
            for v in self.variants(topic)
            if region is not None and self.regions.applies(v.region, region)
        ]
        return max(usable, key=lambda v: self.regions.depth(v.region)) if usable else None

    def _resolve_topics(self, hits: list[Hit], region: str | None) -> list[Hit]:
        """One hit per topic; the asker's most specific regional variant wins. With the region
        unknown, a topic's national entry stands for it; a topic without one keeps the regions
        of its variants (so the engine asks where the asker is)."""
        seen: set[str] = set()
        out: list[Hit] = []
        for hit in hits:
            topic = hit.entry.topic
            if topic in seen:
                continue
            seen.add(topic)
            variants = self.variants(topic)
            if region is not None:
                own = self.variant_for(topic, region)
                if own is None:  # only other places have it: never served as if it were ours
                    hit.applies = False
                    hit.variants = sorted({v.region for v in variants})
                else:
                    hit.entry = own
                    hit.variants = []
            else:
                national = [v for v in variants if self.regions.parent.get(v.region, "") is None]
                if national:  # valid wherever the asker is, so no need to ask where
                    hit.entry = national[0]
                    hit.variants = []
                else:
                    hit.variants = sorted({v.region for v in variants})
            out.append(hit)
        return out


def entry_from_row(row: Entry) -> IndexedEntry:
    """An ``IndexedEntry`` from a ``knowledge.models.Entry``."""
    questions = [row.question, *(row.similar_questions or [])]
    return IndexedEntry(
        id=row.id,
        topic=row.topic or row.id,
        question=row.question,
        questions=questions,
        answer=row.answer,
        region=row.region,
        category=row.category,
        source=row.source_label(),
        keywords=list(row.keywords or []),
        effective_from=row.effective_from,
        effective_to=row.effective_to,
    )
