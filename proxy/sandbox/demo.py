"""The sandbox's demo citizens and its illustrative figures (not official rates or amounts).

Listed in proxy/README.md; the one-time code of every sandbox verification is ``123456``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

ONE_TIME_CODE = "123456"
CODE_VALID_MINUTES = 10
CODE_MAX_WRONG = 5

# 临时挂失 lapses if not made formal; regions use 7 to 15 days. The real core sets it.
CARD_LOSS_VALID_DAYS = 15

# Illustrative monthly contribution bases (缴费基数) by year, and rates (personal, unit).
BASE_BY_YEAR = {
    2019: Decimal("3400"),
    2020: Decimal("3600"),
    2021: Decimal("3800"),
    2022: Decimal("4000"),
    2023: Decimal("4200"),
    2024: Decimal("4400"),
    2025: Decimal("4588"),
    2026: Decimal("4800"),
}
RATES = {
    "pension": (Decimal("0.08"), Decimal("0.16")),
    "unemployment": (Decimal("0.002"), Decimal("0.008")),
    "work_injury": (Decimal("0"), Decimal("0.002")),
    "medical": (Decimal("0.02"), Decimal("0.055")),
}

# Illustrative monthly 失业保险金 by region (90% of a made-up local minimum wage).
MONTHLY_BENEFIT = {"江门市": Decimal("1710.00"), "茂名市": Decimal("1575.00")}
DEFAULT_MONTHLY_BENEFIT = Decimal("1710.00")


@dataclass(frozen=True)
class DemoCitizen:
    name: str
    id_number: str
    phone: str
    region: str
    card_account: str  # 社保卡 financial account number
    insured_from: str | None = None  # first month of contributions, "YYYY-MM"
    insured_to: str | None = None  # last month
    gaps: tuple[tuple[str, str], ...] = ()  # months without contributions, ends included
    left_on: date | None = None
    leaving_reason: str | None = None
    pension_by_year: tuple[tuple[int, Decimal], ...] = ()  # paid on the 15th of each month
    pension_to: str | None = None


CITIZENS = (
    DemoCitizen(
        name="陈小明",
        id_number="440703199001011239",
        phone="13800138000",
        region="江门市",
        card_account="6217857000012391239",
        insured_from="2019-08",
        insured_to="2026-10",
        gaps=(("2021-03", "2021-04"),),
        left_on=date(2026, 10, 31),
        leaving_reason="layoff",
    ),
    DemoCitizen(
        name="李秀英",
        id_number="440902195603152422",
        phone="13900139000",
        region="茂名市",
        card_account="6217857000024222422",
        pension_by_year=(
            (2024, Decimal("2265.10")),
            (2025, Decimal("2310.43")),
            (2026, Decimal("2355.37")),
        ),
        pension_to="2026-11",
    ),
    DemoCitizen(
        name="黄志强",
        id_number="440781198808083019",
        phone="13700137000",
        region="江门市",
        card_account="6217857000030193019",
        insured_from="2026-03",
        insured_to="2026-10",
        left_on=date(2026, 10, 31),
        leaving_reason="contract_expired",
    ),
)
