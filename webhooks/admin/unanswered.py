"""The unanswered queue: questions the bot could not answer well, grouped by similarity.

An exchange is in the queue while staff have not triaged it (``Exchange.triage`` is null) and
the bot abstained on it or was not confident (``confidence < LOW_CONFIDENCE``). Only questions
belong there, so these are left out:

- hand-offs and steps of a form (their own inbox; not questions to curate);
- own-record lookups and actions, by intent (``personal.*``, binding, applying, reports): the
  knowledge base cannot answer "my pension", whatever its confidence;
- turns of a conversation (``is_conversation_turn``): a bare place name (江门, a reply to "which
  region?"), a list number (1, 12), a reply to a list or question (都不是, 好的).

Clustering is greedy and cheap: each question joins the cluster whose leader it resembles most,
if closely enough, else it leads a new one. Resemblance (``similarity``) is about what is
asked, not how: the content words (jieba with the domain vocabulary, synonyms folded: 社保卡 =
社会保障卡) once 怎么, 吗, 我想问 and the like are set aside, compared as sets and as
character pairs; the whole texts' order-aware ratio counts only with a margin (a typo). So
生育津贴怎么算 and 工伤津贴怎么算, or 养老 and 养老金怎么领, are not one cluster. Clusters
are computed on every view from the newest ``LIMIT`` questions, so there is nothing to keep
in step; actions name the exchange ids they apply to.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from rapidfuzz import fuzz
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from bot.models import Exchange
from knowledge.places import prepare
from knowledge.regions import load_regions
from knowledge.schema import question_key
from knowledge.vocabulary import load_vocabulary

LOW_CONFIDENCE = 0.6
SIMILAR_AT = 60.0  # rapidfuzz score (0–100) for two questions to share a cluster
LIMIT = 1000
EXCLUDED_OUTCOMES = ("handed_off", "form")
#: Intents that are not policy questions: own records, actions, reports (the DESIGN taxonomy).
EXCLUDED_INTENT_PREFIXES = ("personal.", "account.", "apply.", "report.", "handoff.")
#: Replies to a list or to a question of the bot's: a turn of the conversation, not a question.
REPLY_WORDS = frozenset(
    "都不是 不是 都不对 不对 对 是 是的 对的 对呀 好 好的 好吧 嗯 嗯嗯 哦 噢 行 可以 没有 没了 "
    "其他 别的 换一个 不用 不用了 算了 知道了 明白了 收到 谢谢 谢谢你 多谢 ok".split()
)
_PUNCTUATION = re.compile(r"[\s，。、！？!?,.~～…“”\"'：:；;（）()【】\[\]]+")
_LIST_NUMBER = re.compile(r"^(第|选)?([0-9０-９]+|[一二三四五六七八九十两]+)(个|条|项|号)?$")
_PLACE_PREFIX = re.compile(r"^(我在|我是|在|是)")


def is_conversation_turn(text: str) -> bool:
    """A message that only makes sense as a reply inside a conversation: a bare place name, a
    list number, 都不是 and the like. Such turns are not questions to curate."""
    bare = _PUNCTUATION.sub("", text).lower()
    if not bare or bare in REPLY_WORDS or _LIST_NUMBER.match(bare):
        return True
    names = load_regions().gazetteer.names
    place = _PLACE_PREFIX.sub("", prepare(bare))
    return place in names or place + "市" in names


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
    condition = (
        Exchange.triage.is_(None)
        & or_(Exchange.outcome == "abstained", Exchange.confidence < LOW_CONFIDENCE)
        & Exchange.outcome.not_in(EXCLUDED_OUTCOMES)
    )
    for prefix in EXCLUDED_INTENT_PREFIXES:
        condition &= Exchange.intent.not_like(f"{prefix}%")
    return condition


def queued(session: Session, limit: int = LIMIT) -> list[Exchange]:
    """The questions in the queue, newest first (conversation turns left out)."""
    rows = session.scalars(
        select(Exchange).where(in_queue()).order_by(Exchange.created_at.desc()).limit(limit)
    )
    return [ex for ex in rows if not is_conversation_turn(ex.normalized or ex.message)]


def queued_count(session: Session) -> int:
    """How many questions are in the queue (as ``queued`` counts them)."""
    texts = session.execute(
        select(Exchange.normalized, Exchange.message).where(in_queue()).limit(LIMIT * 10)
    )
    return sum(
        1 for normalized, message in texts if not is_conversation_turn(normalized or message)
    )


#: Words that say how something is asked, not what: left out when questions are compared.
FRAME_WORDS = frozenset(
    "怎么 怎么办 怎么样 怎样 如何 咋 咋办 吗 呢 啊 呀 吧 的 了 在 能 能不能 不能 可以 可不可以 "
    "我 我的 我们 你 你们 想 想问 问问 请问 一下 是 是不是 有 有没有 要 需要 哪些 什么 哪里 "
    "哪个 去 还 和 跟 办理 办".split()
)
#: The whole texts' ratio counts this much less than the words (it rewards shared frames).
RATIO_MARGIN = 20.0
_NOT_WORD = re.compile(r"^[\W_]+$")


@lru_cache(maxsize=4096)
def _content(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """(the content words with synonyms folded, the character pairs of the content words)."""
    vocabulary = load_vocabulary()
    words = [
        w
        for w in vocabulary.tokenizer.lcut(text, HMM=False)
        if w not in FRAME_WORDS and not _NOT_WORD.match(w)
    ]
    joined = "".join(words)
    pairs = frozenset(joined[i : i + 2] for i in range(len(joined) - 1)) or frozenset({joined})
    return frozenset(vocabulary.canonical.get(w, w) for w in words), pairs


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    union = a | b
    return 100.0 * len(a & b) / len(union) if union else 0.0


def similarity(a: str, b: str) -> float:
    """0–100: how far two questions ask the same thing (see the module's doc)."""
    (words_a, pairs_a), (words_b, pairs_b) = _content(a), _content(b)
    return max(
        _jaccard(words_a, words_b),
        _jaccard(pairs_a, pairs_b),
        fuzz.ratio(a, b) - RATIO_MARGIN,
    )


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
    """The distinct wordings of these exchanges, most often asked first. Wordings that differ
    only in punctuation or spacing count as one (the first seen is kept); turns are left out."""
    if not ids:
        return []
    rows = session.scalars(select(Exchange.message).where(Exchange.id.in_(ids))).all()
    counts = Counter(r.strip() for r in rows if r and r.strip() and not is_conversation_turn(r))
    out: list[str] = []
    seen: set[str] = set()
    for text, _ in counts.most_common():
        key = question_key(text)
        if key not in seen:
            seen.add(key)
            out.append(text)
    return out


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
