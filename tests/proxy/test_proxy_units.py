"""The small parts on their own: circuit breaker (with a fake clock), codec, months, errors."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from proxy import codec
from proxy.breaker import BreakerState, CircuitBreaker
from proxy.core import (
    AlreadyExists,
    ApplicationStatus,
    CoreRejected,
    CoreUnavailable,
    LeavingReason,
    MaskedPaymentAccount,
    PaymentAccount,
    PaymentAccountKind,
    StatusChange,
    UnemploymentApplication,
    WrongCode,
)
from proxy.errors import error_from_payload, error_payload
from proxy.months import add_months, count_months, gaps, months_between


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_breaker_opens_at_the_threshold_and_lets_one_trial_through_after_the_cool_down() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=3, reset_after=10, clock=clock)

    for _ in range(2):
        assert breaker.allow()
        breaker.record_failure()
    assert breaker.state is BreakerState.CLOSED
    assert breaker.allow()
    breaker.record_failure()
    assert breaker.state is BreakerState.OPEN
    assert not breaker.allow()

    clock.now += 9.9
    assert not breaker.allow()
    clock.now += 0.2
    assert breaker.state is BreakerState.HALF_OPEN
    assert breaker.allow()  # the trial
    assert not breaker.allow()  # only one at a time
    breaker.record_failure()  # the trial failed: open again, for a full cool-down
    assert breaker.state is BreakerState.OPEN
    clock.now += 10
    assert breaker.allow()
    breaker.record_success()
    assert breaker.state is BreakerState.CLOSED
    assert breaker.allow() and breaker.allow()


def test_a_success_resets_the_count_of_failures() -> None:
    breaker = CircuitBreaker(failure_threshold=2, reset_after=10, clock=FakeClock())
    breaker.record_failure()
    breaker.record_success()
    breaker.record_failure()
    assert breaker.state is BreakerState.CLOSED


def test_codec_round_trips_an_application() -> None:
    at = datetime(2026, 11, 24, 2, 30, tzinfo=UTC)
    application = UnemploymentApplication(
        application_id="SY20261124000001",
        person_ref="psn_x",
        status=ApplicationStatus.APPROVED,
        submitted_at=at,
        updated_at=at,
        leaving_date=date(2026, 10, 31),
        leaving_reason=LeavingReason.LAYOFF,
        payment_account=MaskedPaymentAccount(
            PaymentAccountKind.BANK_CARD, "6222****0123", "工商银行"
        ),
        phone_masked="138****8000",
        seeking_work=True,
        rejection_reason=None,
        benefit_months=18,
        monthly_amount=Decimal("1710.00"),
        first_payment_on=None,
        history=(StatusChange(ApplicationStatus.SUBMITTED, at, "申请已提交"),),
    )
    wire = codec.to_json(application)
    assert wire["submitted_at"] == "2026-11-24T02:30:00Z"
    assert wire["monthly_amount"] == "1710.00"
    assert wire["payment_account"]["kind"] == "bank_card"
    assert codec.from_json(UnemploymentApplication, wire) == application


def test_codec_refuses_a_wrong_shape() -> None:
    with pytest.raises(codec.DecodeError):
        codec.from_json(PaymentAccount, {"number": "1"})
    with pytest.raises(codec.DecodeError):
        codec.from_json(PaymentAccount, {"kind": "cash"})


def test_reprs_do_not_show_card_or_phone_numbers() -> None:
    account = PaymentAccount(PaymentAccountKind.BANK_CARD, "6222021234567890123")
    assert "6222021234567890123" not in repr(account)


def test_months() -> None:
    assert add_months("2026-11", 2) == "2027-01"
    assert add_months("2026-01", -1) == "2025-12"
    assert list(months_between("2025-11", "2026-02")) == [
        "2025-11",
        "2025-12",
        "2026-01",
        "2026-02",
    ]
    assert count_months("2019-08", "2026-10") == 87
    assert gaps(["2021-01", "2021-02", "2021-05", "2021-09"]) == [
        ("2021-03", "2021-04"),
        ("2021-06", "2021-08"),
    ]


def test_error_payloads_map_to_exceptions_and_back() -> None:
    wrong = error_from_payload(422, {"code": "wrong_code", "message": "不对", "attempts_left": 2})
    assert isinstance(wrong, WrongCode) and wrong.attempts_left == 2
    assert error_payload(wrong) == {
        "error": {"code": "wrong_code", "message": "不对", "attempts_left": 2}
    }
    exists = error_from_payload(409, {"code": "card_already_reported", "resource_id": "GS1"})
    assert isinstance(exists, AlreadyExists) and exists.code == "card_already_reported"
    assert exists.message  # the catalogue's sentence when the core sends none

    unknown_refusal = error_from_payload(418, {"code": "teapot", "message": "我是茶壶"})
    assert type(unknown_refusal) is CoreRejected and unknown_refusal.message == "我是茶壶"
    failure = error_from_payload(500, {"code": "db_down", "message": "ORA-12541 on host x"})
    assert isinstance(failure, CoreUnavailable)
    assert "ORA" not in failure.message  # the core's words on its failures are not shown


def test_messages_from_the_core_are_masked() -> None:
    error = error_from_payload(
        422, {"code": "not_eligible", "message": "440703199001011239 不符合，联系13800138000"}
    )
    assert "440703199001011239" not in error.message
    assert "13800138000" not in error.message
