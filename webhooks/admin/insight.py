"""「数据洞察」: what people ask, as server-rendered SVG charts and as CSV downloads.

Over the last N days (China time): questions per day; the share answered / clarified /
abstained / handed off, overall and per day (per week over 90 days), and how often the bot was
unsure (confidence below the queue's threshold) whatever it then did; the questions that most
often ended unanswered (conversation turns left out, as in the queue); the entries most
answered from; the commonest intents; the busiest hours of the day; the answers citizens said
were wrong, per day. Figures come from ``bot.models.Exchange`` and ``bot.models.Dispute``.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from flask import Blueprint, Response, abort, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Exchange
from knowledge.models import Entry
from knowledge.schema import question_key
from shebao import clock
from webhooks.admin import charts, disputed, texts, unanswered
from webhooks.admin.web import LOCAL, record, transaction

bp = Blueprint("insight", __name__, url_prefix="/insight")

DAYS = (7, 30, 90)
SHARE_OUTCOMES = ("answered", "clarified", "abstained", "handed_off")
KINDS = ("daily", "outcomes", "rates", "unanswered", "entries", "intents", "hours")
#: Over this many days, the outcome rates are shown per week rather than per day.
WEEKLY_FROM = 60
TOP_UNANSWERED = 10


@dataclass
class Figures:
    days: int
    since: date
    total: int
    daily: list[tuple[date, int]]
    outcomes: list[tuple[str, int, float]]  # outcome, count, share in %
    entries: list[tuple[str, str, int]]  # faq_id, question, answers
    intents: list[tuple[str, int]]
    hours: list[int]  # 24 counts, China time
    # (first day of the period, questions, {outcome: share in %}) per day or week
    rates: list[tuple[date, int, dict[str, float]]]
    unsure: int  # questions answered with confidence below unanswered.LOW_CONFIDENCE
    unanswered: list[tuple[str, int]]  # the wordings that most often ended unanswered

    @property
    def unsure_share(self) -> float:
        return 100.0 * self.unsure / self.total if self.total else 0.0

    @property
    def weekly(self) -> bool:
        return self.days >= WEEKLY_FROM


def figures(s: Session, days: int, today: date | None = None) -> Figures:
    today = today or clock.china_today()
    since = today - timedelta(days=days - 1)
    since_utc = datetime.combine(since, datetime.min.time(), LOCAL).astimezone(UTC)
    rows = s.execute(
        select(
            Exchange.created_at,
            Exchange.outcome,
            Exchange.intent,
            Exchange.faq_id,
            Exchange.confidence,
            Exchange.message,
        ).where(Exchange.created_at >= since_utc.replace(tzinfo=None))
    ).all()
    per_day: Counter[date] = Counter()
    hours = [0] * 24
    outcomes: Counter[str] = Counter()
    intents: Counter[str] = Counter()
    answered_from: Counter[str] = Counter()
    step = 7 if days >= WEEKLY_FROM else 1
    per_period: dict[date, Counter[str]] = {}
    unsure = 0
    not_answered: Counter[str] = Counter()
    wording: dict[str, str] = {}
    for created, outcome, intent, faq_id, confidence, message in rows:
        local = created.replace(tzinfo=UTC).astimezone(LOCAL)
        per_day[local.date()] += 1
        hours[local.hour] += 1
        outcomes[outcome] += 1
        intents[intent] += 1
        period = since + timedelta(days=(local.date() - since).days // step * step)
        per_period.setdefault(period, Counter())[outcome] += 1
        if confidence < unanswered.LOW_CONFIDENCE:
            unsure += 1
        if faq_id and outcome == "answered":
            answered_from[faq_id] += 1
        if outcome == "abstained" and message and not unanswered.is_conversation_turn(message):
            key = question_key(message)
            wording.setdefault(key, message.strip())
            not_answered[key] += 1
    total = len(rows)
    top = answered_from.most_common(10)
    questions = dict(
        s.execute(select(Entry.id, Entry.question).where(Entry.id.in_([i for i, _ in top]))).all()
    )
    order = [*SHARE_OUTCOMES, *sorted(set(outcomes) - set(SHARE_OUTCOMES))]
    return Figures(
        days=days,
        since=since,
        total=total,
        daily=[
            (since + timedelta(days=i), per_day[since + timedelta(days=i)]) for i in range(days)
        ],
        outcomes=[(o, outcomes[o], 100.0 * outcomes[o] / total if total else 0.0) for o in order],
        entries=[(faq_id, questions.get(faq_id, faq_id), n) for faq_id, n in top],
        intents=intents.most_common(12),
        hours=hours,
        rates=[
            (period, sum(c.values()), _shares(c))
            for period in (since + timedelta(days=i) for i in range(0, days, step))
            for c in [per_period.get(period, Counter())]
        ],
        unsure=unsure,
        unanswered=[(wording[k], n) for k, n in not_answered.most_common(TOP_UNANSWERED)],
    )


def _shares(counts: Counter[str]) -> dict[str, float]:
    total = sum(counts.values())
    return {o: 100.0 * counts[o] / total if total else 0.0 for o in SHARE_OUTCOMES}


RATE_SERIES = [(o, texts.OUTCOME_NAMES[o]) for o in SHARE_OUTCOMES]


def _days() -> int:
    days = request.args.get("days", 30, type=int) or 30
    return days if days in DAYS else 30


@bp.get("")
def index() -> str:
    days = _days()
    with transaction() as s:
        f = figures(s, days)
        disputes = disputed.per_day(s, f.since, days)
    every = 1 if days <= 10 else 5 if days <= 31 else 15
    chart = {
        "daily": charts.columns(
            [d.strftime("%m-%d") for d, _ in f.daily],
            [n for _, n in f.daily],
            "每日提问量",
            every=every,
        ),
        "disputes": charts.columns(
            [d.strftime("%m-%d") for d, _ in disputes],
            [n for _, n in disputes],
            "每日答错反馈",
            every=every,
        ),
        "outcomes": charts.bars(
            [texts.OUTCOME_NAMES.get(o, o) for o, _, _ in f.outcomes],
            [round(p, 1) for _, _, p in f.outcomes],
            "回答结果占比",
            unit="%",
        ),
        "entries": charts.bars(
            [q for _, q, _ in f.entries], [n for _, _, n in f.entries], "回答最多的条目"
        ),
        "intents": charts.bars(
            [texts.INTENT_NAMES.get(i, i) for i, _ in f.intents],
            [n for _, n in f.intents],
            "意图分布",
        ),
        "hours": charts.columns(
            [f"{h}时" for h in range(24)], f.hours, "提问时段（北京时间）", every=3
        ),
        "rates": charts.stacked(
            [d.strftime("%m-%d") for d, _, _ in f.rates],
            [[shares[o] for o in SHARE_OUTCOMES] for _, _, shares in f.rates],
            RATE_SERIES,
            "回答结果比例（按周）" if f.weekly else "回答结果比例（按天）",
            every=2 if f.weekly else every,
        ),
        "rates_legend": charts.legend(RATE_SERIES),
        "unanswered": charts.bars(
            [q for q, _ in f.unanswered], [n for _, n in f.unanswered], "最常未能回答的问题"
        ),
    }
    return render_template(
        "admin/insight.html",
        f=f,
        chart=chart,
        days=days,
        all_days=DAYS,
        kinds=KINDS,
        disputes_total=sum(n for _, n in disputes),
        low=unanswered.LOW_CONFIDENCE,
    )


@bp.get("/<kind>.csv")
def download(kind: str) -> Response:
    if kind not in KINDS:
        abort(404)
    days = _days()
    with transaction() as s:
        f = figures(s, days)
        record(s, "insight_csv", kind, days=days)
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    if kind == "daily":
        w.writerow(["date", "questions"])
        w.writerows((d.isoformat(), n) for d, n in f.daily)
    elif kind == "outcomes":
        w.writerow(["outcome", "questions", "share_percent"])
        w.writerows((o, n, f"{p:.1f}") for o, n, p in f.outcomes)
    elif kind == "rates":
        w.writerow(["period_start", "questions", *(f"{o}_percent" for o in SHARE_OUTCOMES)])
        w.writerows(
            (d.isoformat(), n, *(f"{shares[o]:.1f}" for o in SHARE_OUTCOMES))
            for d, n, shares in f.rates
        )
    elif kind == "unanswered":
        w.writerow(["question", "times_unanswered"])
        w.writerows(f.unanswered)
    elif kind == "entries":
        w.writerow(["faq_id", "question", "answers"])
        w.writerows(f.entries)
    elif kind == "intents":
        w.writerow(["intent", "questions"])
        w.writerows(f.intents)
    else:
        w.writerow(["hour_china_time", "questions"])
        w.writerows(enumerate(f.hours))
    name = f"shebao-{kind}-{days}d-{f.since.isoformat()}.csv"
    return Response(
        out.getvalue().encode("utf-8-sig"),
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
