"""失业保险金 applications and 社保卡 loss reports over real HTTP: idempotent creates, statuses."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import requests
from proxy_helpers import CHEN, HUANG, LI, Admin, application_request, bind
from proxy_servers import LiveServer

from proxy.client import HttpCoreServices
from proxy.core import (
    AlreadyExists,
    ApplicationStatus,
    IdempotencyKeyReused,
    InvalidRequest,
    LeavingReason,
    NotEligible,
    NotFound,
    PaymentAccount,
    PaymentAccountKind,
)

pytestmark = pytest.mark.usefixtures("fixed_clock")  # The core checks leaving dates against today.


def test_the_same_idempotency_key_twice_makes_one_application(core: HttpCoreServices) -> None:
    chen = bind(core, CHEN)
    request = application_request(chen.person_ref)

    first = core.create_unemployment_application(request, idempotency_key="form-7f3a")
    second = core.create_unemployment_application(request, idempotency_key="form-7f3a")

    assert second.application_id == first.application_id
    assert first.status is ApplicationStatus.SUBMITTED
    listed = core.unemployment_applications(chen.person_ref)
    assert [a.application_id for a in listed] == [first.application_id]


def test_a_replayed_create_answers_200_and_says_so(sandbox: LiveServer) -> None:
    core = HttpCoreServices(sandbox.url)
    chen = bind(core, CHEN)
    core.close()
    body: dict[str, Any] = {
        "person_ref": chen.person_ref,
        "leaving_date": "2026-10-31",
        "leaving_reason": "layoff",
        "payment_account": {"kind": "bank_card", "number": "6222021234567890123"},
        "phone": "13800138000",
        "seeking_work": True,
    }
    url = f"{sandbox.url}/v1/unemployment-applications"
    headers = {"Idempotency-Key": "raw-1"}

    first = requests.post(url, json=body, headers=headers, timeout=5)
    again = requests.post(url, json=body, headers=headers, timeout=5)
    missing = requests.post(url, json=body, timeout=5)

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["application_id"] == first.json()["application_id"]
    assert first.json()["payment_account"]["number_masked"] == "6222***********0123"
    assert missing.status_code == 400
    assert missing.json()["error"]["code"] == "idempotency_key_required"


def test_the_same_key_with_another_request_is_refused(core: HttpCoreServices) -> None:
    chen = bind(core, CHEN)
    core.create_unemployment_application(
        application_request(chen.person_ref), idempotency_key="k-1"
    )
    with pytest.raises(IdempotencyKeyReused):
        core.create_unemployment_application(
            application_request(chen.person_ref, seeking_work=False), idempotency_key="k-1"
        )
    assert len(core.unemployment_applications(chen.person_ref)) == 1


def test_a_second_application_with_a_new_key_names_the_open_one(core: HttpCoreServices) -> None:
    chen = bind(core, CHEN)
    first = core.create_unemployment_application(
        application_request(chen.person_ref), idempotency_key="k-1"
    )
    with pytest.raises(AlreadyExists) as exists:
        core.create_unemployment_application(
            application_request(chen.person_ref), idempotency_key="k-2"
        )
    assert exists.value.resource_id == first.application_id
    assert first.application_id in exists.value.message


def test_huang_cannot_apply_and_is_told_why(core: HttpCoreServices) -> None:
    huang = bind(core, HUANG)
    with pytest.raises(NotEligible) as refused:
        core.create_unemployment_application(
            application_request(huang.person_ref, phone=HUANG.phone), idempotency_key="h-1"
        )
    assert "8个月" in refused.value.message
    assert core.unemployment_applications(huang.person_ref) == []


def test_leaving_of_ones_own_will_does_not_qualify(core: HttpCoreServices) -> None:
    chen = bind(core, CHEN)
    with pytest.raises(NotEligible) as refused:
        core.create_unemployment_application(
            application_request(chen.person_ref, leaving_reason=LeavingReason.RESIGNED),
            idempotency_key="r-1",
        )
    assert "本人主动辞职" in refused.value.message


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"leaving_date": date(2027, 1, 1)}, "离职日期"),
        ({"phone": "1380013800"}, "手机号"),
        ({"payment_account": PaymentAccount(PaymentAccountKind.BANK_CARD, "12345")}, "银行卡号"),
    ],
)
def test_fields_the_core_cannot_accept(
    core: HttpCoreServices, changes: dict[str, object], words: str
) -> None:
    chen = bind(core, CHEN)
    with pytest.raises(InvalidRequest) as invalid:
        core.create_unemployment_application(
            application_request(chen.person_ref, **changes), idempotency_key="v-1"
        )
    assert words in invalid.value.message


def test_an_application_moves_through_its_statuses(core: HttpCoreServices, admin: Admin) -> None:
    chen = bind(core, CHEN)
    app = core.create_unemployment_application(
        application_request(chen.person_ref), idempotency_key="s-1"
    )
    seen = [core.unemployment_application(app.application_id).status]
    for _ in range(3):
        admin.advance(app.application_id)
        seen.append(core.unemployment_application(app.application_id).status)

    assert seen == [
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.ACCEPTED,
        ApplicationStatus.APPROVED,
        ApplicationStatus.FIRST_PAYMENT,
    ]
    paid = core.unemployment_application(app.application_id)
    assert paid.benefit_months == 18  # 85 months: 5 to 10 years, 失业保险条例 第十七条
    assert paid.monthly_amount == Decimal("1710.00")
    assert paid.first_payment_on is not None
    assert [h.status for h in paid.history] == seen
    assert paid.status.is_final


def test_a_rejection_carries_its_reason(core: HttpCoreServices, admin: Admin) -> None:
    chen = bind(core, CHEN)
    app = core.create_unemployment_application(
        application_request(chen.person_ref), idempotency_key="j-1"
    )
    admin.advance(app.application_id, status="rejected", reason="未办理失业登记")

    rejected = core.unemployment_application(app.application_id)
    assert rejected.status is ApplicationStatus.REJECTED
    assert rejected.rejection_reason == "未办理失业登记"

    again = core.create_unemployment_application(  # a rejected one does not block a new one
        application_request(chen.person_ref), idempotency_key="j-2"
    )
    listed = core.unemployment_applications(chen.person_ref)
    assert [a.application_id for a in listed] == [again.application_id, app.application_id]


def test_an_unknown_application_is_not_found(core: HttpCoreServices) -> None:
    with pytest.raises(NotFound):
        core.unemployment_application("SY20260101000000")


def test_card_loss_report_is_idempotent_and_not_repeated(core: HttpCoreServices) -> None:
    li = bind(core, LI)

    report = core.report_card_loss(li.person_ref, idempotency_key="loss-1")
    same = core.report_card_loss(li.person_ref, idempotency_key="loss-1")

    assert same == report
    assert report.card_number_masked == "6217***********2422"
    assert report.expires_on > report.reported_at.date()
    with pytest.raises(AlreadyExists) as exists:
        core.report_card_loss(li.person_ref, idempotency_key="loss-2")
    assert exists.value.code == "card_already_reported"
    assert exists.value.resource_id == report.report_id
