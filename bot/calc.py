"""``calc.unemployment_benefit``: how long and how much 失业保险金 would be for the asker.

Months come from 失业保险条例 第十七条 (1–5 years of contributions: up to 12 months; 5–10: up to
18; 10 or more: up to 24). The monthly amount is never computed from memory: it is the
knowledge base's entry on the topic ``unemployment-benefit-monthly-amount`` for the asker's
region, quoted with its source; with no region known, the citizen is asked for it. For a
bound citizen who states no years, the months are the core's count of their 失业保险
contributions, and the region their 参保地.
"""

from __future__ import annotations

import re

from bot.context import Turn
from bot.personal import texts as personal_texts
from bot.personal.records import recorded_unemployment_months
from bot.types import Reply
from intents.taxonomy import CALC_UNEMPLOYMENT

AMOUNT_TOPIC = "unemployment-benefit-monthly-amount"
DURATION_TOPIC = "unemployment-benefit-duration"
ARTICLE = "《失业保险条例》第十七条（国务院令第258号）"
_CN = {
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "十": 10,
}
_YEARS = re.compile(r"([0-9]+(?:\.[0-9]+)?|[零一二两三四五六七八九十]+)\s*(?:年|年半)")
_MONTHS = re.compile(r"([0-9]+|[零一二两三四五六七八九十]+)\s*个月")


def chinese_number(text: str) -> float:
    if re.fullmatch(r"[0-9.]+", text):
        return float(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_CN.get(tens, 1) if tens else 1) * 10 + (_CN.get(ones, 0) if ones else 0)
    return float(_CN.get(text, 0))


def contribution_years(text: str) -> float | None:
    """Years of contributions stated in ``text`` (交了6年 / 五年半 / 18个月), or None."""
    if re.search(r"不到一年|不满一年|不够一年|不足一年|不到1年|不满1年", text):
        return 0.5
    m = _YEARS.search(text)
    if m:
        years = chinese_number(m.group(1))
        return years + 0.5 if "年半" in m.group(0) else years
    m = _MONTHS.search(text)
    if m:
        return chinese_number(m.group(1)) / 12
    return None


def max_months(years: float) -> int:
    if years < 1:
        return 0
    if years < 5:
        return 12
    if years < 10:
        return 18
    return 24


def duration_sentence(years: float) -> str:
    months = max_months(years)
    shown = f"{years:g}年" if years >= 1 else "不满1年"
    if months == 0:
        return (
            f"按{ARTICLE}，失业前累计缴费满1年才能领取失业保险金；您缴费{shown}，暂不符合领取条件。"
        )
    return f"按{ARTICLE}，累计缴费{shown}，失业保险金最长可领{months}个月（全国统一规定）。"


def record_sentence(months: int) -> str:
    """The duration for a bound citizen, from the core's count of 失业保险 months."""
    if max_months(months / 12) == 0:
        return personal_texts.CALC_FROM_RECORD_NONE.format(months=months, article=ARTICLE)
    return personal_texts.CALC_FROM_RECORD.format(
        months=months, article=ARTICLE, max_months=max_months(months / 12)
    )


def calc_unemployment(turn: Turn) -> Reply:
    text = turn.understood.normalized
    years = contribution_years(turn.bot.understanding.normalize.readable(turn.message.text))
    parts: list[str] = []
    sources = [ARTICLE]
    faq_id = None
    entry_region = None
    index = turn.bot.understanding.index
    duration = index.variants(DURATION_TOPIC)
    if duration:  # the entry that states the same rule, so the answer is traceable to it
        faq_id, entry_region = duration[0].id, duration[0].region
    recorded = recorded_unemployment_months(turn) if years is None else None
    region = turn.region or (recorded[1] if recorded else None)
    if years is not None:
        parts.append(duration_sentence(years))
    elif recorded is not None:
        parts.append(record_sentence(recorded[0]))
        years = recorded[0] / 12
    else:
        parts.append(
            f"按{ARTICLE}：累计缴费满1年不足5年最长领12个月，满5年不足10年最长18个月，"
            "10年以上最长24个月。告诉我您交了几年，我帮您算。"
        )
    wants_amount = years is None or any(w in text for w in ("多少钱", "多少", "金额", "每月"))
    if wants_amount and (years is None or max_months(years) > 0):
        entry = index.variant_for(AMOUNT_TOPIC, region)
        if entry is not None:
            parts.append(f"每月金额（{entry.region}）：{entry.answer}")
            sources.append(entry.source)
            faq_id, entry_region = entry.id, entry.region
        else:
            parts.append(
                "每月金额各地不同，请告诉我您参保的城市（如：江门、茂名），我再告诉您当地标准。"
            )
    return Reply(
        "\n".join(parts) + "\n——依据：" + "；".join(sources),
        CALC_UNEMPLOYMENT,
        turn.understood.prediction.confidence,
        "answered",
        faq_id=faq_id,
        region=entry_region,
        sources=sources,
    )
