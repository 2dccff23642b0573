"""Policy questions: answer from the knowledge base, clarify between close entries, or abstain.

The decision uses the calibrated hit score (see ``knowledge.index``): an answer — and so any
figure — is given only above ``ANSWER_AT``; between the two thresholds the citizen picks from
a numbered list of questions (no figures shown); below, the engine says it is not sure.
"""

from __future__ import annotations

from bot import texts
from bot.context import Turn
from bot.registry import handles
from bot.types import Candidate, Reply
from intents.taxonomy import POLICY
from knowledge.index import Hit, IndexedEntry

ANSWER_AT = 0.60
CLARIFY_AT = 0.20
MARGIN = 0.06  # a top hit this close to the next one is ambiguous, so we clarify
# A less certain top hit is still answered when nothing else comes near it.
LEAD_ANSWER_AT = 0.35
LEAD = 0.20
RELATED_AT = 0.08  # loosely related entries are listed (questions only) when we abstain


def candidates_of(hits: list[Hit]) -> list[Candidate]:
    return [Candidate(h.entry.id, h.entry.question, h.score) for h in hits[:3]]


def answer_entry(
    turn: Turn, entry: IndexedEntry, confidence: float, hits: list[Hit] | None = None
) -> Reply:
    body = (
        entry.answer.strip()
        + "\n"
        + texts.SOURCE_LINE.format(source=entry.source, region=entry.region)
    )
    turn.state.data["last_entry"] = entry.id
    turn.state.data.pop("last_candidates", None)
    return Reply(
        body,
        POLICY,
        confidence,
        "answered",
        faq_id=entry.id,
        region=entry.region,
        sources=[entry.source],
        candidates=candidates_of(hits or []),
    )


def ask_region(turn: Turn, hit: Hit, options: list[str] | None = None) -> Reply:
    """Ask where the asker is, keeping the question to answer when they say."""
    regions = turn.bot.understanding.regions
    if options is None:
        options = [c for r in hit.variants for c in regions.within(r) if regions.depth(c) >= 2]
        options = list(dict.fromkeys(options)) or regions.cities()
    turn.state.data["pending_region_question"] = turn.text
    text = texts.ASK_REGION.format(options="、".join(o for o in options[:4]))
    return Reply(
        text, POLICY, hit.score, "clarified", candidates=candidates_of(turn.understood.hits)
    )


def elsewhere(turn: Turn) -> Hit | None:
    """The question's best match, when it is on a topic only other places have entries for
    and sure enough (what a clear leader is answered at) to say so."""
    hit = turn.understood.elsewhere
    return hit if hit is not None and hit.score >= LEAD_ANSWER_AT else None


def not_here(turn: Turn, hit: Hit) -> Reply:
    """The asker's place has no entry on the topic: say which places have one and whom to ask
    (recorded like an abstention, for staff to fill in), and offer the entries that apply.
    When places inside the asker's have one (广东省 asker, 江门市 entry), ask which it is."""
    regions = turn.bot.understanding.regions
    if turn.region is None:  # not known after all: ask rather than say it is not here
        return ask_region(turn, hit)
    inside = [v for v in hit.variants if v != turn.region and turn.region in regions.ancestors(v)]
    if inside:
        return ask_region(turn, hit, inside)
    turn.state.data["last_abstained"] = turn.text
    text = texts.REGION_NOT_COVERED.format(
        question=hit.entry.question, regions="、".join(hit.variants), region=turn.region
    )
    near = max(CLARIFY_AT, hit.score - LEAD)  # nothing the best match is far ahead of
    related = [h for h in turn.understood.hits if h.score >= near][:3]
    if related:
        text += "\n" + _numbered(turn, related, texts.REGION_NOT_COVERED_OTHERS)
    return Reply(text, POLICY, hit.score, "abstained", candidates=candidates_of([hit, *related]))


def clarify(turn: Turn, hits: list[Hit], head: str = texts.CLARIFY_HEAD) -> Reply:
    other = elsewhere(turn)
    if other is not None:  # a list of weaker entries would look like an answer: say why not
        return not_here(turn, other)
    text = _numbered(turn, hits[:3], head)
    return Reply(text, POLICY, hits[0].score, "clarified", candidates=candidates_of(hits[:3]))


def _numbered(turn: Turn, hits: list[Hit], head: str) -> str:
    lines = [head] + [f"{i}. {_listed(turn, h)}" for i, h in enumerate(hits, 1)]
    lines.append(texts.CLARIFY_TAIL)
    turn.state.data["last_candidates"] = [h.entry.id for h in hits]
    return "\n".join(lines)


def _listed(turn: Turn, hit: Hit) -> str:
    """An entry's question as listed; with the asker's place unknown, a regional entry says
    whose it is (社保卡丢了怎么挂失补办？（金湖县）), so no one picks another place's unawares."""
    question = hit.entry.question
    region = hit.entry.region
    regions = turn.bot.understanding.regions
    if turn.region is None and regions.depth(region) > 0 and region[:2] not in question:
        return f"{question}（{region}）"
    return question


def abstain(turn: Turn, hits: list[Hit]) -> Reply:
    """Say we are not sure; if some entries are loosely related, list their questions only."""
    other = elsewhere(turn)
    if other is not None:
        return not_here(turn, other)
    turn.state.data["last_abstained"] = turn.text
    related = [h for h in hits[:3] if h.score >= RELATED_AT]
    if related:
        reply = clarify(turn, related, head=texts.ABSTAIN_WITH_CANDIDATES)
        reply.text += texts.ABSTAIN_RECORDED
        reply.outcome = "abstained"
        return reply
    return Reply(
        texts.ABSTAIN,
        POLICY,
        hits[0].score if hits else 0.0,
        "abstained",
        candidates=candidates_of(hits),
    )


def needs_region(turn: Turn, hit: Hit) -> bool:
    """The answer depends on the place and we do not know the asker's: the topic has no
    national entry, even when only one place has one (its instructions are not general)."""
    if turn.region is not None:
        return False
    return bool(hit.variants)


@handles(POLICY)
def policy(turn: Turn) -> Reply:
    hits = turn.understood.hits
    if not hits or hits[0].score < CLARIFY_AT:
        return abstain(turn, hits)
    top = hits[0]
    second = hits[1].score if len(hits) > 1 else 0.0
    clear_winner = top.score >= ANSWER_AT and top.score - second >= MARGIN
    far_ahead = top.score >= LEAD_ANSWER_AT and top.score - second >= LEAD
    if clear_winner or far_ahead:
        if needs_region(turn, top):
            return ask_region(turn, top)
        return answer_entry(turn, top.entry, top.score, hits)
    close = [h for h in hits[:3] if h.score >= CLARIFY_AT / 2]
    return clarify(turn, close)
