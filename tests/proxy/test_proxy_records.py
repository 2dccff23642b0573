"""Own records through the HTTP client: contributions with gaps, pension payments, eligibility."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from proxy_helpers import CHEN, HUANG, LI, bind

from proxy.client import HttpCoreServices
from proxy.core import InsuranceType, InvalidRequest, NotFound


def test_contributions_by_type_with_the_gap(core: HttpCoreServices) -> None:
    chen = bind(core, CHEN)

    record = core.contributions(chen.person_ref)

    assert [i.type for i in record.insurances] == list(InsuranceType)
    for insurance in record.insurances:
        # 2019-08 to 2026-10 is 87 months, less the two of the gap
        assert insurance.total_months == 85
        assert (insurance.first_month, insurance.last_month) == ("2019-08", "2026-10")
        assert [(g.first, g.last, g.months) for g in insurance.gaps] == [("2021-03", "2021-04", 2)]
        assert len(insurance.months) == 85
    pension = record.of(InsuranceType.PENSION)
    assert pension is not None
    latest = pension.months[-1]
    assert latest.month == "2026-10"
    assert latest.personal == latest.base * Decimal("0.08")


def test_contributions_of_one_type_in_a_range(core: HttpCoreServices) -> None:
    chen = bind(core, CHEN)

    record = core.contributions(
        chen.person_ref,
        insurance_type=InsuranceType.UNEMPLOYMENT,
        from_month="2021-01",
        to_month="2021-12",
    )

    (unemployment,) = record.insurances
    assert unemployment.type is InsuranceType.UNEMPLOYMENT
    assert unemployment.total_months == 10
    assert [m.month for m in unemployment.months][:3] == ["2021-01", "2021-02", "2021-05"]
    assert [(g.first, g.last) for g in unemployment.gaps] == [("2021-03", "2021-04")]


def test_a_bad_month_and_an_unknown_person_are_refused(core: HttpCoreServices) -> None:
    chen = bind(core, CHEN)
    with pytest.raises(InvalidRequest):
        core.contributions(chen.person_ref, from_month="2021-13")
    with pytest.raises(NotFound):
        core.contributions("psn_nobody")


def test_pension_payments_latest_twelve_months(core: HttpCoreServices) -> None:
    li = bind(core, LI)

    payments = core.pension_payments(li.person_ref)

    assert payments.receiving is True
    assert payments.monthly_amount == Decimal("2355.37")
    assert len(payments.payments) == 12
    assert payments.payments[0].month == "2025-12"
    latest = payments.latest
    assert latest is not None
    assert (latest.month, latest.paid_on, latest.amount) == (
        "2026-11",
        date(2026, 11, 15),
        Decimal("2355.37"),
    )
    assert latest.account_masked.startswith("6217") and "*" in latest.account_masked


def test_pension_payments_in_a_range_and_for_someone_not_retired(core: HttpCoreServices) -> None:
    li = bind(core, LI)
    year_2025 = core.pension_payments(li.person_ref, from_month="2025-01", to_month="2025-12")
    assert [p.month for p in year_2025.payments] == [f"2025-{m:02d}" for m in range(1, 13)]
    assert {p.amount for p in year_2025.payments} == {Decimal("2310.43")}

    chen = bind(core, CHEN)
    none = core.pension_payments(chen.person_ref)
    assert (none.receiving, none.monthly_amount, none.payments) == (False, None, ())


def test_chen_is_eligible_for_unemployment_benefit(core: HttpCoreServices) -> None:
    chen = bind(core, CHEN)

    eligibility = core.unemployment_eligibility(chen.person_ref)

    assert eligibility.eligible is True
    assert eligibility.contribution_months == 85
    assert eligibility.separation is not None
    assert eligibility.separation.leaving_date == date(2026, 10, 31)
    assert eligibility.separation.leaving_reason.label == "公司裁员"
    assert "85个月" in eligibility.reason and "非本人意愿" in eligibility.reason


def test_huang_is_not_eligible_and_is_told_why(core: HttpCoreServices) -> None:
    huang = bind(core, HUANG)

    eligibility = core.unemployment_eligibility(huang.person_ref)

    assert eligibility.eligible is False
    assert eligibility.contribution_months == 8
    assert "8个月" in eligibility.reason and "不满1年" in eligibility.reason


def test_a_pensioner_is_not_eligible(core: HttpCoreServices) -> None:
    li = bind(core, LI)
    eligibility = core.unemployment_eligibility(li.person_ref)
    assert eligibility.eligible is False
    assert "养老金" in eligibility.reason
