"""Policy questions: answer from the knowledge base, clarify between close entries, or abstain.

The decision reads the calibrated score of the best hit (``knowledge.scoring``, fitted on
questions as citizens ask them; the reliability table is in ``shebao eval``):

- **answer** when the leader is probably right (``ANSWER_AT``) and no other entry is as good
  (a true tie is within ``TIE`` of it), adding up to three related questions as 「猜你想问」 so
  the citizen can pick another with 「1」;
- in the **grey zone** (``GREY_AT`` up to ``ANSWER_AT``) ask the second opinion, an independent
  semantic ranking (``Understanding.agrees``, knowledge.semantic): answer when it agrees with
  the leader, clarify when it does not. Without a second opinion, a leader far ahead is answered;
- **clarify** with a numbered list of two or more questions (never one; no figures shown);
- **abstain** only when nothing is close (below ``CLARIFY_AT``), recorded for the staff.

Those four levels are in bot/thresholds.py (the intent arbitration reads ``ANSWER_AT`` too).
"""

from __future__ import annotations

from bot import grounded, texts
from bot.context import Turn
from bot.thresholds import ANSWER_AT, CLARIFY_AT, GREY_AT, TIE
from bot.types import Candidate, Reply
from intents.taxonomy import POLICY
from knowledge.index import Hit, IndexedEntry

# Without a second opinion, a grey-zone leader this high and this far ahead is still answered.
LEAD_AT = 0.40
LEAD = 0.20
RELATED_AT = 0.08  # loosely related entries are listed (questions only)
SUGGEST = 3  # 「猜你想问」 after an answer: questions only, so a looser bar than a list
SUGGEST_AT = 0.05


def candidates_of(hits: list[Hit]) -> list[Candidate]:
    return [Candidate(h.entry.id, h.entry.question, h.score) for h in hits[:3]]


def answer_entry(
    turn: Turn,
    entry: IndexedEntry,
    confidence: float,
    hits: list[Hit] | None = None,
    decision: str = "answer",
) -> Reply:
    """The entry's answer and source, then 「猜你想问」: related questions the citizen can pick."""
    related = [h for h in (hits or []) if h.entry.id != entry.id and h.score >= SUGGEST_AT]
    related = related[:SUGGEST]
    as_of = next((h.as_of for h in hits or [] if h.entry.id == entry.id and h.as_of), None)
    body = (
        (texts.AS_OF_HEAD.format(year=as_of) + "\n" if as_of else "")
        + entry.answer.strip()
        + "\n"
        + texts.SOURCE_LINE.format(source=entry.source, region=entry.region)
    )
    if related:
        lines = [texts.SUGGEST_HEAD]
        lines += [f"{i}. {h.entry.question}" for i, h in enumerate(related, 1)]
        body += "\n\n" + "\n".join(lines)
        turn.state.data["last_candidates"] = [h.entry.id for h in related]
    else:
        turn.state.data.pop("last_candidates", None)
    turn.state.data["last_entry"] = entry.id
    return Reply(
        body,
        POLICY,
        confidence,
        "answered",
        faq_id=entry.id,
        region=entry.region,
        sources=[entry.source],
        candidates=candidates_of(hits or []),
        decision=decision,
    )


def ask_region(turn: Turn, hit: Hit, options: list[str] | None = None) -> Reply:
    """Ask where the asker is, keeping the question to answer when they say."""
    regions = turn.bot.understanding.regions
    if options is None:
        options = [c for r in hit.variants for c in regions.within(r) if regions.depth(c) >= 2]
        options = list(dict.fromkeys(options)) or regions.cities()
    turn.state.data["pending_region_question"] = turn.message.text
    text = texts.ASK_REGION.format(options="、".join(o for o in options[:4]))
    return Reply(
        text, POLICY, hit.score, "clarified", candidates=candidates_of(turn.understood.hits)
    )


def elsewhere(turn: Turn) -> Hit | None:
    """The question's best match, when it is on a topic only other places have entries for
    and close enough to say so (no figure is given: only where to ask)."""
    hit = turn.understood.elsewhere
    return hit if hit is not None and hit.score >= CLARIFY_AT else None


def outranked(top: Hit, other: Hit) -> bool:
    """A match on a topic only other places have is sure and far ahead of the grey-zone leader."""
    return other.score >= ANSWER_AT and other.score - top.score >= LEAD


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
    turn.state.data["last_abstained"] = turn.message.text
    text = texts.REGION_NOT_COVERED.format(
        question=hit.entry.question, regions="、".join(hit.variants), region=turn.region
    )
    near = max(CLARIFY_AT, hit.score - LEAD)  # nothing the best match is far ahead of
    related = [h for h in turn.understood.hits if h.score >= near][:3]
    if related:
        text += "\n" + _numbered(turn, related, texts.REGION_NOT_COVERED_OTHERS)
    return Reply(text, POLICY, hit.score, "abstained", candidates=candidates_of([hit, *related]))


def clarify(
    turn: Turn, hits: list[Hit], head: str = texts.CLARIFY_HEAD, decision: str = "clarify"
) -> Reply:
    other = elsewhere(turn)
    if other is not None:  # a list of weaker entries would look like an answer: say why not
        return not_here(turn, other)
    text = _numbered(turn, hits[:3], head)
    return Reply(
        text,
        POLICY,
        hits[0].score,
        "clarified",
        candidates=candidates_of(hits[:3]),
        decision=decision,
    )


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
    turn.state.data["last_abstained"] = turn.message.text
    related = [h for h in hits[:3] if h.score >= RELATED_AT]
    if related:
        reply = clarify(turn, related, head=texts.ABSTAIN_WITH_CANDIDATES, decision="abstain")
        reply.text += texts.ABSTAIN_RECORDED
        reply.outcome = "abstained"
        return reply
    return Reply(
        texts.ABSTAIN,
        POLICY,
        hits[0].score if hits else 0.0,
        "abstained",
        candidates=candidates_of(hits),
        decision="abstain",
    )


def needs_region(turn: Turn, hit: Hit) -> bool:
    """The answer depends on the place and we do not know the asker's: the topic has no
    national entry, even when only one place has one (its instructions are not general)."""
    if turn.region is not None:
        return False
    return bool(hit.variants)


def decide(turn: Turn, hits: list[Hit]) -> str:
    """``answer``, ``grey-agreed``, ``grey-lead``, ``tie``, ``grey-disagreed`` or ``abstain``."""
    if not hits or hits[0].score < CLARIFY_AT:
        return "abstain"
    top = hits[0]
    runner_up = hits[1].score if len(hits) > 1 else 0.0
    if runner_up >= CLARIFY_AT and top.score - runner_up < TIE:
        return "tie"
    if top.score >= ANSWER_AT:
        return "answer"
    if top.score < GREY_AT:
        return "abstain-or-clarify"
    agrees = turn.bot.understanding.agrees(turn.understood.normalized, hits, turn.region)
    if agrees is None:
        far_ahead = top.score >= LEAD_AT and top.score - runner_up >= LEAD
        return "grey-lead" if far_ahead else "grey-unsure"
    return "grey-agreed" if agrees else "grey-disagreed"


def policy(turn: Turn) -> Reply:
    hits = turn.understood.hits
    decision = decide(turn, hits)
    quoted = grounded.answer(turn, hits, decision)  # no entry is sure: a document's own words
    if quoted is not None:
        return quoted
    other = elsewhere(turn)
    if decision.startswith("grey") and other is not None and outranked(hits[0], other):
        return not_here(turn, other)  # the question is that topic's: the leader only resembles it
    if decision in ("answer", "grey-agreed", "grey-lead"):
        top = hits[0]
        if needs_region(turn, top):
            return ask_region(turn, top)
        return answer_entry(turn, top.entry, top.score, hits, decision=decision)
    if other is not None:  # only other places have it: say so rather than list weaker entries
        return not_here(turn, other)
    if hits and hits[0].score >= CLARIFY_AT and needs_region(turn, hits[0]):
        return ask_region(turn, hits[0])  # told the place, the question is searched again there
    close = [h for h in hits[:3] if h.score >= CLARIFY_AT / 2]
    if decision == "abstain" or len(close) < 2:
        return abstain(turn, hits)
    return clarify(turn, close, decision=decision)
