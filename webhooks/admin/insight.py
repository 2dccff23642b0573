"""「数据洞察」: what people ask, as server-rendered SVG charts and as CSV downloads.

Over the last N days (China time): questions per day; the share answered / clarified /
abstained / handed off; the entries most answered from; the commonest intents; the busiest
hours of the day; the answers citizens said were wrong, per day. Figures come from
``bot.models.Exchange`` and ``bot.models.Dispute``.
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
from shebao import clock
from webhooks.admin import charts, disputed, texts
from webhooks.admin.web import LOCAL, record, transaction

bp = Blueprint("insight", __name__, url_prefix="/insight")

DAYS = (7, 30, 90)
SHARE_OUTCOMES = ("answered", "clarified", "abstained", "handed_off")
KINDS = ("daily", "outcomes", "entries", "intents", "hours")


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


def figures(s: Session, days: int, today: date | None = None) -> Figures:
    today = today or clock.china_today()
    since = today - timedelta(days=days - 1)
    since_utc = datetime.combine(since, datetime.min.time(), LOCAL).astimezone(UTC)
    rows = s.execute(
        select(Exchange.created_at, Exchange.outcome, Exchange.intent, Exchange.faq_id).where(
            Exchange.created_at >= since_utc.replace(tzinfo=None)
        )
    ).all()
    per_day: Counter[date] = Counter()
    hours = [0] * 24
    outcomes: Counter[str] = Counter()
    intents: Counter[str] = Counter()
    answered_from: Counter[str] = Counter()
    for created, outcome, intent, faq_id in rows:
        local = created.replace(tzinfo=UTC).astimezone(LOCAL)
        per_day[local.date()] += 1
        hours[local.hour] += 1
        outcomes[outcome] += 1
        intents[intent] += 1
        if faq_id and outcome == "answered":
            answered_from[faq_id] += 1
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
    )


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
    }
    return render_template(
        "admin/insight.html",
        f=f,
        chart=chart,
        days=days,
        all_days=DAYS,
        kinds=KINDS,
        disputes_total=sum(n for _, n in disputes),
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
