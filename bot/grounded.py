"""Grounded answers: when no entry is confident but a policy document's passage is, quote it.

The reply is the passage's own sentence(s) that answer the question (knowledge.passages),
then "——摘自《title》文号 date（适用：region）", then, when an entry is close, a pointer to it
(「1」 opens it). A figure shown is one the quoted sentence states, and a quotation never joins
two passages or two documents.

A sure entry stands, except against a sure passage that is more specific: for an asker in that
place, a document of a place inside the entry's that matches at least as well (a city's new
notice against the province's entry), or a quote stating the year the question names where the
entry's answer does not (2020年广东基础养老金…).

The bar is deliberately high (``ANSWER_AT``; ``GREY_AT`` over a grey-zone entry): a weak passage
is not an answer, and answering wrongly is worse than abstaining, so below it the policy
decision goes on as without documents.
With the asker's place unknown, two documents of different places that answer about as well are
not chosen between. A passage of a document out of force answers only a question naming one of
its years, and says that year.
"""

from __future__ import annotations

import logging
import re
import weakref
from typing import TYPE_CHECKING

from bot import grounded_texts as texts
from bot.types import Candidate, Reply
from intents.taxonomy import POLICY
from knowledge.documents import count_answered
from knowledge.index import content_words
from knowledge.passage_store import LivePassages
from knowledge.passages import PassageHit

if TYPE_CHECKING:
    from bot.context import Turn
    from bot.understanding import Understanding
    from knowledge.index import Hit
    from shebao.db import Database

log = logging.getLogger(__name__)

ANSWER_AT = 0.55  # fitted by eye on tests/eval/documents_tune.jsonl, citizen_tune.jsonl
COVERAGE_AT = 0.60  # and most of the question's term weight in the quote itself
TIE = 0.05  # two places' documents this close, the place unknown: not chosen between
GREY_AT = 0.60  # over a grey-zone entry answer (bot/policy.py), a passage must be this sure
POINTER_AT = 0.20  # an entry this close is pointed to after the quotation
# A topic named alone (养老保险, 社保卡) asks nothing a sentence of a document could answer:
# the whole question is then "covered" by any sentence that names the topic.
MIN_WORDS = 2

_YEAR = re.compile(r"(?:19|20)\d\d(?=年)")
# A question of how to do something oneself (怎么领, 去哪办, 流程), and the words of a sentence
# that says how.
_HOW = re.compile(
    r"(怎么|怎样|如何|咋)(去|才能|可以|能)?(领|申请|申领|办|交|缴|报|补|查|认证|参保|转|取|激活|挂失)"
    r"|(去|到|在)(哪|哪里|哪儿)(办|领|交|缴|申请|认证)|流程|步骤|手续"
)
_PROCEDURE = re.compile(
    r"办理|申请|申领|登录|登陆|携带|持|凭|提交|到.{0,10}(窗口|网点|大厅|机构|中心|银行)|通过|扫码"
    r"|APP|app|小程序|网上|线上|网办|拨打|热线|可以|可在|可到|即可"
)
_LIVE: weakref.WeakKeyDictionary[Understanding, LivePassages] = weakref.WeakKeyDictionary()


def passages_of(understanding: Understanding, db: Database) -> LivePassages:
    """The live passage index of this engine (one per ``Understanding``: its normaliser,
    vocabulary and regions)."""
    live = _LIVE.get(understanding)
    if live is None:
        live = LivePassages(db, understanding.normalize, understanding.words, understanding.regions)
        _LIVE[understanding] = live
    return live


def share_passages(source: Understanding, target: Understanding, db: Database) -> None:
    """Let ``target`` (the same language, another entry index) quote ``source``'s passages."""
    _LIVE[target] = passages_of(source, db)


def warm(understanding: Understanding, db: Database) -> None:
    passages_of(understanding, db).current()


def _beats_sure_entry(turn: Turn, top: PassageHit, entry: Hit) -> bool:
    """A sure entry stands, except against a sure passage that is more specific: of a place
    inside the entry's (a city's notice against the province's entry), or stating the year the
    question names where the entry's answer does not."""
    regions = turn.bot.understanding.regions
    # Only for an asker known to be in that place, and only when the quote matches as well:
    # with the place unknown, a province's plan never displaces a national rule.
    if (
        turn.region is not None
        and regions.applies(top.document.region, turn.region)
        and regions.depth(top.document.region) > regions.depth(entry.entry.region)
        and top.score >= entry.score
    ):
        return True
    years = _YEAR.findall(turn.understood.text)
    missing = [y for y in years if y not in entry.entry.answer]
    return bool(missing) and any(y in top.quote for y in missing)


def best_passage(turn: Turn, bar: float = ANSWER_AT) -> PassageHit | None:
    """The passage that answers the turn's question, when one does confidently."""
    understanding = turn.bot.understanding
    index = passages_of(understanding, turn.bot.db).current()
    u = turn.understood
    if len(content_words(understanding.words(u.normalized))) < MIN_WORDS:
        return None
    hits = index.search(u.text, turn.region, understanding.today(), normalized=u.normalized)
    if not hits:
        return None
    top = hits[0]
    if top.score < bar or top.coverage < COVERAGE_AT:
        return None
    if top.figure_wanted and not top.figure_shown:
        return None
    if _HOW.search(u.normalized) and not _PROCEDURE.search(top.quote):
        return None  # asked how to do it: a sentence on what was achieved is no answer
    if turn.region is None:
        rivals = [
            h
            for h in hits[1:]
            if h.document.region != top.document.region and top.score - h.score < TIE
        ]
        if rivals:
            return None
    return top


def answer(turn: Turn, hits: list[Hit], decision: str) -> Reply | None:
    """The grounded reply, or None to let the entry decision go on."""
    sure = decision == "answer"
    grey = decision in ("grey-agreed", "grey-lead")
    try:
        top = best_passage(turn, GREY_AT if sure or grey else ANSWER_AT)
    except Exception:  # documents are a second source: never break the entry answer
        log.exception("passage search failed")
        return None
    if top is None:
        return None
    if sure and not _beats_sure_entry(turn, top, hits[0]):
        return None
    if grey and top.score <= hits[0].score:
        return None
    doc = top.document
    lines = [texts.QUOTE.format(quote=top.quote)]
    if top.dated is not None:
        lines.append(texts.DATED.format(year=top.dated))
    citation = doc.citation()
    lines.append(texts.CITATION.format(citation=citation, region=doc.region))
    if turn.region is None and turn.bot.understanding.regions.depth(doc.region) > 0:
        lines.append(texts.OTHER_PLACE.format(region=doc.region))
    near = [h for h in hits if h.applies and h.score >= POINTER_AT][:1]
    if near:
        lines.append(texts.POINTER.format(question=near[0].entry.question))
        turn.state.data["last_candidates"] = [near[0].entry.id]
    else:
        turn.state.data.pop("last_candidates", None)
    with turn.bot.db.session() as s:
        count_answered(s, top.passage.id)
    return Reply(
        "\n".join(lines),
        POLICY,
        top.score,
        "answered",
        region=doc.region,
        sources=[citation],
        candidates=[Candidate(h.entry.id, h.entry.question, h.score) for h in hits[:3]],
        decision="passage",
        passage=f"{doc.id}#{top.passage.position}",
    )
