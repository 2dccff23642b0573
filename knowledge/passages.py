"""The passage index: BM25 over the passages of the policy documents, then sentence selection.

It sits beside the entry index (``knowledge.index``) and shares its approach: words and character
bigrams of the normalised text, BM25 weights in a sparse matrix, scoring that touches only the
query's columns. Documents are kept as segments: updating one document re-tokenises only its
passages, and the weighting over all passages is one vectorised pass (no Python loop over
passages), so a city's tens of thousands of passages stay fast to search and to update.

The same rules as for entries decide what may be served: a document's region must contain the
asker's (``Regions.applies``; with no region known, any, and the answer says whose it is), and
it must be in force today. An out-of-force document answers only a question that names one of
its years (dated history), and the answer says so.

A hit is the passage's sentence (or two neighbouring sentences) that covers the most of the
query's term weight, quoted as written and trimmed at clause boundaries to ``MAX_QUOTE``
characters; it never joins text of two passages, let alone two documents.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from scipy import sparse

from knowledge.index import BIGRAM_WEIGHT, K1, STOPWORDS, Analyzer, B, TermSpace, bigrams
from knowledge.regions import Regions

MAX_QUOTE = 220  # characters of quotation at most; a WeChat reply also carries the citation
DEPTH = 24  # passages looked at closely (sentence selection)
PAIR_GAIN = 0.12  # a neighbouring sentence is added when it covers this much more of the query
YEAR_BONUS = 0.15  # a sentence stating the year the question names
# Words that ask rather than say what is asked about: left out of the query's terms.
QUESTION_WORDS = STOPWORDS | frozenset(
    "现在 目前 大概 大约 一般 具体 到底 究竟 啥 咋 哪个 哪些 多久 多长 几年 几个 几项 几家 几条 "
    "情况 知道 告诉 了解 听说 说 哦 嗯 呃 最近 有没有 没有 是不是 能不能 可不可以 钱 多 少 "
    "哪 哪年 时候 什么时候 那边 这边 那里 这里 我们 咱们 他们 俺 人家 能够 应该 需要 得 该 "
    "呀 哈 哟 嘞 喽 咯 么 啦 吧 呗 共 一共 总共 大家 给 对 把 被 让".split()
)
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?:年|\b)")
_YEAR_TEXT = re.compile(r"(?<!\d)(?:19|20)\d\d\s*年?(?:度|底|初|末)?")
_WANTS_FIGURE = re.compile(
    r"多少|几|多高|多大|比例|比率|百分之|标准|金额|数额|人数|目标|涨了|增长|增幅"
)
_HAS_FIGURE = re.compile(r"\d|[一二三四五六七八九十百千万两]+(?:个|项|家|条|万|亿|成|倍)")
_CLAUSE = re.compile(r"[^，,；;：:、]*[，,；;：:、]?")


@dataclass(frozen=True)
class IndexedDocument:
    id: str
    title: str
    number: str | None
    date_label: str
    issued: date
    region: str
    effective_from: date | None
    effective_to: date | None
    in_force_status: bool  # status is in_force (not withdrawn)
    version: int

    def citation(self) -> str:
        parts = [self.title if self.title.startswith("《") else f"《{self.title}》"]
        if self.number:
            parts.append(self.number)
        parts.append(self.date_label)
        return " ".join(parts)

    def in_force(self, today: date) -> bool:
        if not self.in_force_status:
            return False
        if self.effective_from and self.effective_from > today:
            return False
        return not (self.effective_to and self.effective_to < today)

    def years(self) -> set[int]:
        """The years the document speaks for: its date's and its effective period's."""
        first = (self.effective_from or self.issued).year
        last = (self.effective_to or self.issued).year
        return set(range(min(first, last), max(first, last) + 1)) | {self.issued.year}


@dataclass(frozen=True)
class IndexedPassage:
    id: int
    document_id: str
    position: int
    text: str


@dataclass
class PassageHit:
    passage: IndexedPassage
    document: IndexedDocument
    quote: str  # the sentence(s) that answer, as written (trimmed with …)
    score: float  # 0..1, the calibrated-by-hand confidence of the quote
    coverage: float  # share of the query's term weight the quote contains
    context: float  # … the quote, its passage's heading and the document's title contain
    matched: list[str] = field(default_factory=list)
    dated: int | None = None  # the year named, when the document is out of force today
    figure_wanted: bool = False
    figure_shown: bool = False


def query_terms(normalized: str, words: Analyzer, places: Callable[[str], bool]) -> list[str]:
    """The terms of what is asked about: content words (not question words, not place names)
    and the bigrams of each run of them."""
    runs: list[str] = []
    run = ""
    content: list[str] = []
    for w in words(normalized):
        if w in QUESTION_WORDS or not w.strip() or places(w):
            if run:
                runs.append(run)
            run = ""
            continue
        content.append(w)
        run += w
    if run:
        runs.append(run)
    terms = ["w:" + w for w in content]
    for r in runs:
        terms += ["b:" + b for b in bigrams(r)] if len(r) > 1 else []
    return terms


class _Segment:
    """One document's passages, tokenised: term columns per sentence."""

    def __init__(
        self,
        document: IndexedDocument,
        passages: list[IndexedPassage],
        space: TermSpace,
        normalize: Callable[[str], str],
        split: Callable[[str], list[str]],
    ) -> None:
        self.document = document
        self.passages = passages
        self.sentences: list[list[str]] = []
        self.sentence_cols: list[list[np.ndarray]] = []
        self.passage_cols: list[np.ndarray] = []
        self.title_cols = frozenset(space.add(space.terms(normalize(document.title))))
        for p in passages:
            said = split(p.text)
            cols = [np.array(space.add(space.terms(normalize(s))), dtype=np.int32) for s in said]
            self.sentences.append(said)
            self.sentence_cols.append(cols)
            self.passage_cols.append(np.concatenate(cols) if cols else np.zeros(0, dtype=np.int32))


@dataclass
class _Stacked:
    """Every segment's passages as one weighted matrix (rows: passages, in segment order)."""

    segments: list[_Segment]
    doc_of: np.ndarray  # row → index into segments
    local: np.ndarray  # row → the passage's index within its segment
    matrix: sparse.csc_matrix
    idf: np.ndarray
    max_idf: float
    masks: dict[tuple[str, ...], np.ndarray] = field(default_factory=dict)


class PassageIndex:
    """Passages of every document, searchable; ``update`` and ``remove`` one document at a time."""

    def __init__(
        self,
        normalize: Callable[[str], str],
        words: Analyzer,
        regions: Regions,
        split: Callable[[str], list[str]],
    ) -> None:
        self.normalize = normalize
        self.words = words
        self.regions = regions
        self.split = split
        self.space = TermSpace(words)
        self.segments: dict[str, _Segment] = {}
        self._dirty = True
        self._place_words: dict[str, bool] = {}
        self._stacked = _Stacked([], np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32),
                                 sparse.csc_matrix((0, 0)), np.zeros(0), 1.0)  # fmt: skip

    def __len__(self) -> int:
        return sum(len(s.passages) for s in self.segments.values())

    def versions(self) -> dict[str, int]:
        return {doc_id: seg.document.version for doc_id, seg in self.segments.items()}

    def update(self, document: IndexedDocument, passages: list[IndexedPassage]) -> None:
        """Add or replace one document's passages (only they are tokenised)."""
        self.segments[document.id] = _Segment(
            document, passages, self.space, self.normalize, self.split
        )
        self._dirty = True

    def remove(self, document_id: str) -> None:
        if self.segments.pop(document_id, None) is not None:
            self._dirty = True

    def documents(self) -> list[IndexedDocument]:
        return [s.document for s in self.segments.values()]

    # -- weighting ------------------------------------------------------------------------------

    def stack(self) -> None:
        """BM25 weights over every passage, from the segments' term columns: O(postings). The
        result replaces the previous one in one assignment, so a search running meanwhile keeps
        a consistent view."""
        self._dirty = False
        segments = list(self.segments.values())
        rows: list[np.ndarray] = []
        cols: list[np.ndarray] = []
        doc_of: list[np.ndarray] = []
        local: list[np.ndarray] = []
        n = 0
        for d_i, seg in enumerate(segments):
            for pc in seg.passage_cols:
                rows.append(np.full(len(pc), n, dtype=np.int64))
                cols.append(pc.astype(np.int64))
                n += 1
            doc_of.append(np.full(len(seg.passages), d_i, dtype=np.int32))
            local.append(np.arange(len(seg.passages), dtype=np.int32))
        n_terms = len(self.space.columns)
        r = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
        c = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
        tf = sparse.coo_matrix((np.ones(len(r)), (r, c)), shape=(n, n_terms)).tocsr()
        tf.sum_duplicates()
        lengths = np.asarray(tf.sum(axis=1)).ravel()
        avg = float(lengths.mean()) if n else 1.0
        df = np.bincount(tf.indices, minlength=n_terms).astype(np.float64)
        idf = np.log(1.0 + (n - df + 0.5) / (df + 0.5))
        coo = tf.tocoo()
        norm = K1 * (1 - B + B * lengths[coo.row] / max(avg, 1e-9))
        data = idf[coo.col] * coo.data * (K1 + 1) / (coo.data + norm)
        self._stacked = _Stacked(
            segments,
            np.concatenate(doc_of) if doc_of else np.zeros(0, dtype=np.int32),
            np.concatenate(local) if local else np.zeros(0, dtype=np.int32),
            sparse.csc_matrix((data, (coo.row, coo.col)), shape=(n, n_terms)),
            idf,
            float(idf.max()) if n_terms else 1.0,
        )

    def _is_place(self, word: str) -> bool:
        known = self._place_words.get(word)
        if known is None:
            known = len(word) >= 2 and self.regions.find(word, whole=True) is not None
            self._place_words[word] = known
        return known

    def _region_mask(self, st: _Stacked, region: str) -> np.ndarray:
        chain = self.regions.served_chain(region)
        mask = st.masks.get(chain)
        if mask is None:
            ok = np.array([seg.document.region in chain for seg in st.segments], dtype=bool)
            mask = ok[st.doc_of] if len(st.doc_of) else np.zeros(0, dtype=bool)
            st.masks[chain] = mask
        return mask

    # -- search ---------------------------------------------------------------------------------

    def search(
        self,
        text: str,
        region: str | None,
        today: date,
        limit: int = 3,
        normalized: str | None = None,
    ) -> list[PassageHit]:
        """The passages that may be served in ``region`` today for ``text``, best quote first."""
        if self._dirty:
            self.stack()
        st = self._stacked
        if not st.segments:
            return []
        # A year named is a condition (which documents, which sentence), not a term to match.
        years = {int(y) for y in _YEAR.findall(text)}
        query = normalized if normalized is not None else self.normalize(text)
        if years:
            query = self.normalize(_YEAR_TEXT.sub("", text)) or query
        terms = query_terms(query, self.words, self._is_place)
        if not terms:
            return []
        counts = Counter(terms)
        weight_of: dict[int, float] = {}
        total = 0.0
        matched_names: dict[int, str] = {}
        for term, k in counts.items():
            scale = 1.0 if term.startswith("w:") else BIGRAM_WEIGHT
            col = self.space.columns.get(term)
            total += (st.idf[col] if col is not None else st.max_idf) * scale * k
            if col is not None:
                weight_of[col] = weight_of.get(col, 0.0) + scale * k
                matched_names[col] = term[2:]
        if not weight_of or total <= 0:
            return []
        cols = list(weight_of)
        weights = np.array([weight_of[c] for c in cols])
        scores = st.matrix[:, cols] @ weights
        allowed = (
            np.ones(len(scores), dtype=bool) if region is None else self._region_mask(st, region)
        )
        dated: dict[int, int | None] = {}
        for d_i, seg in enumerate(st.segments):
            doc = seg.document
            if doc.in_force(today):
                dated[d_i] = None
            else:
                in_years = sorted(years & doc.years()) if doc.in_force_status else []
                dated[d_i] = in_years[0] if in_years else -1
        blocked = [d for d, y in dated.items() if y == -1]
        if blocked:
            allowed = allowed & ~np.isin(st.doc_of, blocked)
        scores = np.where(allowed, scores, 0.0)
        depth = min(DEPTH, int(np.count_nonzero(scores > 0)))
        if depth == 0:
            return []
        top = np.argpartition(-scores, depth - 1)[:depth]
        wants_figure = bool(_WANTS_FIGURE.search(text))
        place = self.regions.find(text)
        hits: list[PassageHit] = []
        for i in top:
            d_i = int(st.doc_of[i])
            seg = st.segments[d_i]
            broader = place is not None and seg.document.region != place
            hit = self._select(
                seg,
                st.idf,
                int(st.local[i]),
                weight_of,
                total,
                matched_names,
                wants_figure,
                broader,
                {str(y) for y in years} if dated[d_i] is None else set(),
            )
            if hit is not None:
                hit.dated = dated[d_i]
                hits.append(hit)
        hits.sort(key=lambda h: (-h.score, -h.coverage))
        return hits[:limit]

    def _select(
        self,
        seg: _Segment,
        idf: np.ndarray,
        p_i: int,
        weight_of: dict[int, float],
        total: float,
        names: dict[int, str],
        wants_figure: bool,
        broader: bool = False,
        years: set[str] | None = None,
    ) -> PassageHit | None:
        said = seg.sentences[p_i]
        cols = seg.sentence_cols[p_i]
        if not said:
            return None
        sets = [set(c.tolist()) & weight_of.keys() for c in cols]

        def cover(found: Iterable[int]) -> float:
            return float(sum(idf[c] * weight_of[c] for c in found)) / total

        best: tuple[float, int, int] | None = None  # (coverage, first, last)
        for i, found in enumerate(sets):
            c = cover(found)
            if years and any(y in said[i].replace(" ", "") for y in years):
                c += YEAR_BONUS  # the year asked about is the sentence's
            if wants_figure and not _HAS_FIGURE.search(said[i]):
                c *= 0.6  # a figure is asked: a sentence without one answers it less
            if best is None or c > best[0]:
                best = (c, i, i)
        assert best is not None
        coverage, first, last = best
        for j in (first - 1, first + 1):  # a neighbour that adds what the sentence lacks
            if 0 <= j < len(sets):
                both = cover(sets[first] | sets[j])
                if both - coverage >= PAIR_GAIN:
                    coverage, first, last = both, min(first, j), max(first, j)
                    break
        found = set().union(*sets[first : last + 1])
        heading = said[0] if first > 0 and "。" not in said[0] else ""
        context_cols = found | (seg.title_cols & weight_of.keys())
        if heading:
            context_cols |= sets[0]
        context = cover(context_cols)
        chosen = said[first : last + 1]
        quote = "".join(chosen)
        figure_shown = bool(_HAS_FIGURE.search(quote))
        if len(quote) > MAX_QUOTE:
            weights = {names[c]: float(idf[c] * weight_of[c]) for c in found}
            quote = trim(quote, weights, MAX_QUOTE)
            figure_shown = bool(_HAS_FIGURE.search(quote))
        if broader:  # the question names a place inside the document's: a figure for the
            coverage *= BROADER  # whole province answers a city's question less well
            context *= BROADER
        score = confidence(min(coverage, 1.0), min(context, 1.0), wants_figure, figure_shown)
        return PassageHit(
            seg.passages[p_i],
            seg.document,
            quote,
            score,
            min(coverage, 1.0),
            min(context, 1.0),
            sorted(names[c] for c in found),
            figure_wanted=wants_figure,
            figure_shown=figure_shown,
        )


# A hand-set logistic blend, deliberately cautious (bot/grounded.py answers only well above
# it): most of the query's weight must be in the quoted sentence itself, and a question for a
# figure must be answered by a sentence that states one.
BIAS = -7.0
W_COVERAGE = 8.0
W_CONTEXT = 2.5
W_NO_FIGURE = -2.5
BROADER = 0.85


def confidence(coverage: float, context: float, wants_figure: bool, figure_shown: bool) -> float:
    z = BIAS + W_COVERAGE * coverage + W_CONTEXT * context
    if wants_figure and not figure_shown:
        z += W_NO_FIGURE
    return 1.0 / (1.0 + math.exp(-z))


def trim(text: str, matched: dict[str, float], limit: int) -> str:
    """``text`` cut to ``limit`` characters at clause boundaries (，；：、), around the clause with
    the most weight of matched terms; what is left out is marked with …"""
    clauses = [c for c in _CLAUSE.findall(text) if c]
    if len(clauses) <= 1:
        return text[: limit - 1] + "…"
    hits = [sum(w for m, w in matched.items() if m in c) for c in clauses]
    best = max(range(len(clauses)), key=lambda i: (hits[i], -i))
    first = last = best
    size = len(clauses[best])
    while True:
        grown = False
        for j in (last + 1, first - 1):
            if 0 <= j < len(clauses) and size + len(clauses[j]) <= limit - 2:
                if j > last:
                    last = j
                else:
                    first = j
                size += len(clauses[j])
                grown = True
                break
        if not grown:
            break
    out = "".join(clauses[first : last + 1])
    if len(out) > limit - 2:
        out = out[: limit - 2]
    if first > 0:
        out = "…" + out
    if last < len(clauses) - 1:
        out = out.rstrip("，,；;：:、") + "…"
    return out
