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


def ask_region(turn: Turn, hit: Hit) -> Reply:
    options = [r for r in hit.variants if turn.bot.understanding.regions.depth(r) >= 2]
    options = options or turn.bot.understanding.regions.cities()
    turn.state.data["pending_region_question"] = turn.text
    text = texts.ASK_REGION.format(options="、".join(o for o in options[:4]))
    return Reply(text, POLICY, hit.score, "clarified", candidates=candidates_of([hit]))


def clarify(turn: Turn, hits: list[Hit], head: str = texts.CLARIFY_HEAD) -> Reply:
    chosen = hits[:3]
    lines = [head] + [f"{i}. {h.entry.question}" for i, h in enumerate(chosen, 1)]
    lines.append(texts.CLARIFY_TAIL)
    turn.state.data["last_candidates"] = [h.entry.id for h in chosen]
    return Reply(
        "\n".join(lines), POLICY, chosen[0].score, "clarified", candidates=candidates_of(chosen)
    )


def abstain(turn: Turn, hits: list[Hit]) -> Reply:
    """Say we are not sure; if some entries are loosely related, list their questions only."""
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
    """The answer differs by place and we do not know the asker's place."""
    if turn.region is not None:
        return False
    return len(hit.variants) > 1


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
