"""``shebao eval``: intent accuracy, retrieval ranking and answer correctness on a question set.

Row format (JSON lines): ``{"text", "region"?, "intents": [...], "entry"?: id, "facts"?: [...]}``;
a fact is a substring the answer must contain, alternatives separated by ``|``.
"""

from __future__ import annotations

import json
import re
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.types import Message, Reply
from intents.taxonomy import INTENTS, POLICY

_SPACES = re.compile(r"\s+")
_PLURAL = {"entry": "entries", "passage": "passages"}
BINS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.01)


@dataclass
class Row:
    text: str
    intents: list[str]
    region: str | None = None
    entry: str | None = None
    facts: list[str] = field(default_factory=list)
    style: str | None = None


@dataclass
class Outcome:
    row: Row
    reply: Reply
    intent_ok: bool
    rank: int | None  # 1-based rank of the expected entry, None if absent or not expected
    facts_ok: bool | None  # None when the row states no facts
    wrong: bool
    # The engine's best candidate, and whether its entry's answer states the row's facts.
    top_score: float | None = None
    top_right: bool | None = None


@dataclass
class Report:
    outcomes: list[Outcome]

    def _share(self, items: list[Outcome], pred: Any) -> float:
        return sum(1 for o in items if pred(o)) / len(items) if items else 0.0

    def figures(self) -> dict[str, Any]:
        all_ = self.outcomes
        policy = [o for o in all_ if POLICY in o.row.intents and o.row.intents[0] == POLICY]
        with_entry = [o for o in all_ if o.row.entry]
        with_facts = [o for o in policy if o.row.facts]
        gold = Counter(o.row.intents[0] for o in all_)
        predicted = Counter(o.reply.intent for o in all_)
        per_intent = {}
        for intent in INTENTS:
            tp = sum(1 for o in all_ if o.reply.intent == intent and intent in o.row.intents)
            per_intent[intent] = {
                "support": gold[intent],
                "precision": tp / predicted[intent] if predicted[intent] else None,
                "recall": (
                    sum(1 for o in all_ if o.row.intents[0] == intent and o.intent_ok)
                    / gold[intent]
                )
                if gold[intent]
                else None,
            }
        confusions = Counter((o.row.intents[0], o.reply.intent) for o in all_ if not o.intent_ok)
        return {
            "rows": len(all_),
            "intent_accuracy": self._share(all_, lambda o: o.intent_ok),
            "per_intent": per_intent,
            "confusions": [
                {"expected": a, "got": b, "count": n} for (a, b), n in confusions.most_common(12)
            ],
            "entry_rows": len(with_entry),
            "entry_top1": self._share(with_entry, lambda o: o.rank == 1),
            "entry_top3": self._share(with_entry, lambda o: o.rank is not None and o.rank <= 3),
            "mrr": (
                sum(1.0 / o.rank for o in with_entry if o.rank) / len(with_entry)
                if with_entry
                else 0.0
            ),
            "fact_rows": len(with_facts),
            "fact_in_answer": self._share(with_facts, lambda o: bool(o.facts_ok)),
            "answered_wrongly": self._share(all_, lambda o: o.wrong),
            "policy_answered_wrongly": self._share(policy, lambda o: o.wrong),
            "abstained": self._share(all_, lambda o: o.reply.outcome == "abstained"),
            "policy_abstained": self._share(policy, lambda o: o.reply.outcome == "abstained"),
            "policy_clarified": self._share(policy, lambda o: o.reply.outcome == "clarified"),
            "grey_zone": self._share(policy, lambda o: (o.reply.decision or "").startswith("grey")),
            "by_source": self.by_source(),
            "reliability": self.reliability(),
        }

    def by_source(self) -> dict[str, dict[str, int]]:
        """Answers from entries and from documents' passages, each: how many, with the facts
        right, wrong (as ``judge`` counts them: wrong facts, wrong entry or wrong intent)."""
        out: dict[str, dict[str, int]] = {}
        for source in ("entry", "passage"):
            mine = [o for o in self.outcomes if _answered_from(o.reply) == source]
            out[source] = {
                "answers": len(mine),
                "right_fact": sum(1 for o in mine if o.facts_ok is True),
                "wrong": sum(1 for o in mine if o.wrong),
            }
        return out

    def reliability(self) -> list[dict[str, Any]]:
        """Predicted against observed, per score bin: of the policy rows with facts, how often
        the best candidate's entry states them, against its mean calibrated score."""
        rows = [o for o in self.outcomes if o.top_score is not None and o.top_right is not None]
        table = []
        for low, high in zip(BINS, BINS[1:], strict=False):
            inside = [o for o in rows if low <= (o.top_score or 0.0) < high]
            if inside:
                table.append(
                    {
                        "bin": f"{low:.2f}–{min(high, 1.0):.2f}",
                        "rows": len(inside),
                        "predicted": sum(o.top_score or 0.0 for o in inside) / len(inside),
                        "observed": sum(1 for o in inside if o.top_right) / len(inside),
                    }
                )
        return table


def _answered_from(reply: Reply) -> str | None:
    if reply.outcome != "answered":
        return None
    if reply.passage is not None:
        return "passage"
    return "entry" if reply.faq_id is not None else None


def load_rows(path: Path) -> list[Row]:
    rows = []
    for line in path.read_text("utf-8").splitlines():
        if line.strip():
            raw = json.loads(line)
            rows.append(
                Row(
                    text=raw["text"],
                    intents=list(raw["intents"]),
                    region=raw.get("region"),
                    entry=raw.get("entry"),
                    facts=list(raw.get("facts") or []),
                    style=raw.get("style"),
                )
            )
    return rows


def facts_present(answer: str, facts: list[str]) -> bool:
    """Every fact (one of its ``|`` alternatives) in the answer; spaces do not count (a quoted
    document writes 1.35 万亿元 where a curator writes 1.35万亿元)."""
    answer = _SPACES.sub("", answer)
    return all(any(_SPACES.sub("", alt) in answer for alt in fact.split("|")) for fact in facts)


def judge(row: Row, reply: Reply) -> Outcome:
    intent_ok = reply.intent in row.intents
    ranked: list[str] = []
    for fid in [reply.faq_id, *(c.faq_id for c in reply.candidates)]:
        if fid and fid not in ranked:
            ranked.append(fid)
    rank = ranked.index(row.entry) + 1 if row.entry in ranked else None
    # An answer from an entry, or a grounded one quoting a document's passage (bot/grounded.py).
    answered = reply.outcome == "answered" and (
        reply.faq_id is not None or reply.passage is not None
    )
    facts_ok = facts_present(reply.text, row.facts) if row.facts else None
    wrong = answered and (
        (row.entry is not None and reply.faq_id != row.entry and facts_ok is not True)
        or (row.entry is None and facts_ok is False)
        or reply.intent not in row.intents
    )
    return Outcome(row, reply, intent_ok, rank, facts_ok, wrong)


def evaluate_rows(bot: Any, rows: list[Row]) -> Report:
    outcomes = []
    for row in rows:
        msg = Message(
            channel="eval", user=f"eval-{uuid.uuid4().hex}", text=row.text, region=row.region
        )
        outcome = judge(row, bot.handle(msg))
        top = outcome.reply.candidates[0] if outcome.reply.candidates else None
        entry = bot.understanding.index.get(top.faq_id) if top else None
        if top is not None and entry is not None and row.facts and POLICY in row.intents:
            outcome.top_score = top.score
            outcome.top_right = facts_present(entry.answer, row.facts)
        outcomes.append(outcome)
    return Report(outcomes)


def format_report(report: Report, show_errors: bool = False) -> str:
    f = report.figures()
    pct = "{:.1%}".format
    lines = [
        f"rows {f['rows']}",
        f"intent accuracy        {pct(f['intent_accuracy'])}",
        f"entry top-1 / top-3    {pct(f['entry_top1'])} / {pct(f['entry_top3'])}"
        f"   MRR {f['mrr']:.3f}   (rows with an expected entry: {f['entry_rows']})",
        f"right fact in answer   {pct(f['fact_in_answer'])}   (policy rows with facts: "
        f"{f['fact_rows']})",
        f"answered wrongly       {pct(f['answered_wrongly'])}   (policy rows: "
        f"{pct(f['policy_answered_wrongly'])})",
        f"abstained              {pct(f['abstained'])}   (policy rows: "
        f"{pct(f['policy_abstained'])}, clarified {pct(f['policy_clarified'])})",
        f"grey zone (second opinion asked)  {pct(f['grey_zone'])} of policy rows",
        *(
            f"answers from {_PLURAL[source]:9} {n['answers']:>4}   right fact {n['right_fact']:>4}"
            f"   wrong {n['wrong']:>3}"
            for source, n in f["by_source"].items()
        ),
        "",
        "calibration: best candidate's score against how often its entry states the facts",
        f"{'score':>11} {'rows':>5} {'predicted':>9} {'observed':>8}",
        *(
            f"{b['bin']:>11} {b['rows']:>5} {b['predicted']:>9.2f} {b['observed']:>8.2f}"
            for b in f["reliability"]
        ),
        "",
        f"{'intent':32} {'support':>7} {'precision':>9} {'recall':>7}",
    ]
    for intent, m in f["per_intent"].items():
        p = "-" if m["precision"] is None else pct(m["precision"])
        r = "-" if m["recall"] is None else pct(m["recall"])
        lines.append(f"{intent:32} {m['support']:>7} {p:>9} {r:>7}")
    if f["confusions"]:
        lines += ["", "confusions (expected → got):"]
        lines += [f"  {c['expected']} → {c['got']}: {c['count']}" for c in f["confusions"]]
    if show_errors:
        lines += ["", "rows that went wrong:"]
        for o in report.outcomes:
            if not o.intent_ok or o.wrong or (o.row.entry and o.rank != 1) or o.facts_ok is False:
                lines.append(
                    f"  [{o.reply.outcome} {o.reply.intent} {o.reply.confidence:.2f}"
                    f" {o.reply.passage or o.reply.faq_id}] {o.row.text} (want"
                    f" {o.row.intents[0]} {o.row.entry} {o.row.facts}; rank {o.rank})"
                )
    return "\n".join(lines)
