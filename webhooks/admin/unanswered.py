"""The unanswered queue: questions the bot could not answer well, grouped by similarity.

An exchange is in the queue while staff have not triaged it (``Exchange.triage`` is null) and
the bot abstained on it or was not confident (``confidence < LOW_CONFIDENCE``). Hand-offs and
steps of a form are left out: those have their own inbox and are not questions to curate.

Clustering is greedy and cheap (rapidfuzz on the normalised text): each question joins the
first cluster whose leader it resembles closely enough, else it leads a new one. Clusters
are computed on every view from the newest ``LIMIT`` questions, so there is nothing to keep
in step; actions name the exchange ids they apply to.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from rapidfuzz import fuzz
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from bot.models import Exchange

LOW_CONFIDENCE = 0.6
SIMILAR_AT = 60.0  # rapidfuzz score (0–100) for two questions to share a cluster
LIMIT = 1000
EXCLUDED_OUTCOMES = ("handed_off", "form")


@dataclass
class Cluster:
    leader: str  # the normalised text every member resembles
    exchange_ids: list[int] = field(default_factory=list)
    texts: Counter[str] = field(default_factory=Counter)
    regions: Counter[str] = field(default_factory=Counter)
    first_at: datetime | None = None
    last_at: datetime | None = None
    outcomes: Counter[str] = field(default_factory=Counter)

    @property
    def count(self) -> int:
        return len(self.exchange_ids)

    @property
    def title(self) -> str:
        """The most often asked wording."""
        return self.texts.most_common(1)[0][0]

    def examples(self, n: int = 5) -> list[tuple[str, int]]:
        return self.texts.most_common(n)

    @property
    def ids_text(self) -> str:
        return ",".join(str(i) for i in self.exchange_ids)


def in_queue():  # type: ignore[no-untyped-def]
    """The SQL condition for an exchange to be in the queue."""
    return (
        Exchange.triage.is_(None)
        & or_(Exchange.outcome == "abstained", Exchange.confidence < LOW_CONFIDENCE)
        & Exchange.outcome.not_in(EXCLUDED_OUTCOMES)
    )


def queued(session: Session, limit: int = LIMIT) -> list[Exchange]:
    return list(
        session.scalars(
            select(Exchange).where(in_queue()).order_by(Exchange.created_at.desc()).limit(limit)
        )
    )


def similarity(a: str, b: str) -> float:
    """0–100: character order (ratio) or shared characters regardless of order."""
    return max(fuzz.ratio(a, b), 0.9 * fuzz.token_set_ratio(" ".join(a), " ".join(b)))


def cluster(exchanges: Iterable[Exchange], threshold: float = SIMILAR_AT) -> list[Cluster]:
    """Clusters, the largest first (ties: the most recent first)."""
    clusters: list[Cluster] = []
    for ex in exchanges:
        key = (ex.normalized or ex.message).strip()
        if not key:
            continue
        best, best_score = None, threshold
        for c in clusters:
            score = similarity(key, c.leader)
            if score >= best_score:
                best, best_score = c, score
        if best is None:
            best = Cluster(leader=key)
            clusters.append(best)
        best.exchange_ids.append(ex.id)
        best.texts[ex.message.strip()] += 1
        best.outcomes[ex.outcome] += 1
        if ex.region:
            best.regions[ex.region] += 1
        best.first_at = min(filter(None, (best.first_at, ex.created_at)))
        best.last_at = max(filter(None, (best.last_at, ex.created_at)))
    clusters.sort(key=lambda c: (-c.count, -(c.last_at or datetime.min).timestamp()))
    return clusters


def parse_ids(text: str | None) -> list[int]:
    out: list[int] = []
    for part in (text or "").replace(" ", ",").split(","):
        if part.strip().isdigit():
            out.append(int(part))
    return out[:LIMIT]


def questions_of(session: Session, ids: list[int]) -> list[str]:
    """The distinct wordings of these exchanges, most often asked first."""
    if not ids:
        return []
    rows = session.scalars(select(Exchange.message).where(Exchange.id.in_(ids))).all()
    counts = Counter(r.strip() for r in rows if r and r.strip())
    return [text for text, _ in counts.most_common()]


def triage(session: Session, ids: list[int], verdict: str) -> int:
    """Mark exchanges ``dismissed`` or ``resolved``; returns how many were still untriaged."""
    if not ids:
        return 0
    result = session.execute(
        update(Exchange)
        .where(Exchange.id.in_(ids), Exchange.triage.is_(None))
        .values(triage=verdict)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
