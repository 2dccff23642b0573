"""The mini-program API: login, ask, binding, records, applications; one error shape."""

from __future__ import annotations

import pytest
from conftest import CHEN, HUANG, MiniProgram, SandboxServer
from flask import Flask
from sqlalchemy import select

from webhooks.miniprogram_models import MiniProgramSession

pytestmark = pytest.mark.usefixtures(
    "fixed_clock"
)  # Leaving dates are measured from today; pension months are this month.

APPLICATION = {
    "leaving_date": "2026-10-31",
    "leaving_reason": "layoff",
    "payment_account": {"kind": "social_security_card"},
    "phone": "13800138000",
    "seeking_work": True,
}


def assert_error(response, status: int, code: str) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["code"] == code and isinstance(error["message"], str) and error["message"]
    return error  # type: ignore[no-any-return]


def test_login_issues_our_token_and_keeps_the_session_key(
    mp_app: Flask, anonymous: MiniProgram
) -> None:
    r = anonymous.client.post("/api/mp/login", json={"code": "abc"})
    body = r.get_json()
    assert r.status_code == 200 and set(body) == {"token", "expires_in", "bound"}
    assert body["bound"] is False and body["expires_in"] == 7200
    with mp_app.extensions["shebao"].db.session() as s:
        row = s.scalars(select(MiniProgramSession)).first()
        assert row is not None and row.sealed_session_key not in r.get_data(as_text=True)
    # The same code is the same user; the token is signed.
    again = anonymous.client.post("/api/mp/login", json={"code": "abc"}).get_json()
    assert again["token"] != body["token"]
    tampered = body["token"][:-2] + ("aa" if not body["token"].endswith("aa") else "bb")
    r = anonymous.client.get("/api/mp/binding", headers={"Authorization": f"Bearer {tampered}"})
    assert_error(r, 401, "unauthorized")


def test_errors_have_one_shape(anonymous: MiniProgram, mp: MiniProgram) -> None:
    assert_error(anonymous.get("/binding"), 401, "unauthorized")
    assert_error(anonymous.client.post("/api/mp/login", data="x"), 400, "invalid_request")
    assert_error(anonymous.client.get("/api/mp/no-such-thing"), 404, "not_found")
    assert_error(anonymous.client.put("/api/mp/login"), 405, "method_not_allowed")
    assert_error(mp.post("/ask", {"text": ""}), 400, "field_missing")
    assert_error(mp.get("/records/contributions"), 403, "not_bound")
    assert_error(mp.post("/binding/confirm", {"code": "123456"}), 410, "verification_expired")


def test_ask_uses_the_same_engine(mp: MiniProgram) -> None:
    r = mp.post("/ask", {"text": "失业金怎么领"})
    body = r.get_json()
    assert r.status_code == 200 and body["intent"] == "policy.faq" and body["answer"]
    personal = mp.post("/ask", {"text": "帮我查下我社保交了几个月"}).get_json()
    assert "实名绑定" in personal["answer"]


def test_binding_and_records(mp: MiniProgram, fresh_core: SandboxServer) -> None:
    wrong = mp.post("/binding/start", CHEN | {"id_number": "440703199001011238"})
    assert assert_error(wrong, 400, "id_number_check_digit")["field"] == "id_number"
    r = mp.post("/binding/start", CHEN)
    assert r.status_code == 200 and r.get_json()["phone_masked"] == "138****8000"
    bad = assert_error(mp.post("/binding/confirm", {"code": "000000"}), 422, "wrong_code")
    assert bad["attempts_left"] == 4
    bound = mp.post("/binding/confirm", {"code": "123456"}).get_json()
    assert bound == bound | {"bound": True, "id_masked": "4407**********1239", "region": "江门市"}
    assert mp.get("/binding").get_json()["name_masked"] == "陈*明"
    records = mp.get("/records/contributions").get_json()
    pension = next(i for i in records["insurances"] if i["type"] == "pension")
    assert pension["total_months"] == 85
    assert pension["gaps"] == [{"first": "2021-03", "last": "2021-04", "months": 2}]
    assert pension["latest"][0]["month"] == "2026-10"
    assert CHEN["id_number"] not in mp.get("/records/contributions").get_data(as_text=True)
    one = mp.get("/records/contributions?type=medical").get_json()
    assert [i["type"] for i in one["insurances"]] == ["medical"]
    assert mp.get("/records/pension").get_json()["receiving"] is False
    # The chat sees the same binding (same channel, same openid).
    chat = mp.post("/ask", {"text": "我社保交了几个月"}).get_json()
    assert "累计缴费85个月" in chat["answer"]
    assert mp.delete("/binding").get_json() == {"bound": False}
    assert_error(mp.get("/records/pension"), 403, "not_bound")


def test_applications_once_per_key(mp: MiniProgram, fresh_core: SandboxServer) -> None:
    mp.bind(CHEN)
    assert mp.get("/applications/eligibility").get_json()["eligible"] is True
    assert_error(mp.post("/applications", APPLICATION), 400, "idempotency_key_required")
    key = {"Idempotency-Key": "key-0001-abcdef"}
    first = mp.post("/applications", APPLICATION, headers=key)
    assert first.status_code == 201, first.get_data(as_text=True)
    number = first.get_json()["application_id"]
    again = mp.post("/applications", APPLICATION, headers=key)
    assert again.get_json()["application_id"] == number
    changed = mp.post("/applications", APPLICATION | {"phone": "13900139000"}, headers=key)
    assert_error(changed, 422, "idempotency_key_reused")
    other_key = mp.post("/applications", APPLICATION, headers={"Idempotency-Key": "key-0002-x"})
    assert assert_error(other_key, 409, "application_exists")["application_id"] == number
    listed = mp.get("/applications").get_json()
    assert [a["application_id"] for a in listed["applications"]] == [number]
    one = mp.get(f"/applications/{number}").get_json()
    assert one["status"] == "submitted" and one["payment_account"]["kind"] == "social_security_card"
    assert len(fresh_core.core.unemployment_applications(_chen_ref())) == 1


def _chen_ref() -> str:
    from proxy.sandbox.seed import person_ref

    return person_ref(CHEN["id_number"])


def test_someone_elses_application_is_not_found(
    mp_app: Flask, mp: MiniProgram, fresh_core: SandboxServer
) -> None:
    mp.bind(CHEN)
    number = mp.post(
        "/applications", APPLICATION, headers={"Idempotency-Key": "key-0003-abcdef"}
    ).get_json()["application_id"]
    other = MiniProgram(mp_app.test_client()).login()
    other.bind(HUANG)
    assert_error(other.get(f"/applications/{number}"), 404, "not_found")
    assert_error(other.get("/applications/../../etc"), 404, "not_found")


@pytest.mark.parametrize(
    "change,field",
    [
        ({"leaving_reason": "resigned"}, "leaving_reason"),
        (
            {"payment_account": {"kind": "bank_card", "number": "6217000010001234567"}},
            "payment_account",
        ),
        ({"phone": "12345"}, "phone"),
        ({"seeking_work": False}, "seeking_work"),
        ({"leaving_date": "2099-01-01"}, "leaving_date"),
    ],
)
def test_application_fields_are_checked(
    mp: MiniProgram, fresh_core: SandboxServer, change: dict, field: str
) -> None:  # type: ignore[type-arg]
    mp.bind(CHEN)
    r = mp.post(
        "/applications", APPLICATION | change, headers={"Idempotency-Key": "key-0004-abcdef"}
    )
    assert r.status_code in (400, 422) and r.get_json()["error"]["field"] == field


def test_not_eligible_is_explained(mp: MiniProgram, fresh_core: SandboxServer) -> None:
    mp.bind(HUANG)
    e = mp.get("/applications/eligibility").get_json()
    assert e["eligible"] is False and e["contribution_months"] == 8 and "不满1年" in e["reason"]
    r = mp.post(
        "/applications",
        APPLICATION | {"phone": "13700137000"},
        headers={"Idempotency-Key": "key-0005-abcdef"},
    )
    assert_error(r, 422, "not_eligible")  # as the OpenAPI document says (issue 13, defect 9)


def test_core_down_keeps_the_application(mp: MiniProgram, fresh_core: SandboxServer) -> None:
    mp.bind(CHEN)
    fresh_core.server.stop()
    try:
        r = mp.post("/applications", APPLICATION, headers={"Idempotency-Key": "key-0006-abc"})
        assert r.status_code == 202 and r.get_json()["status"] == "pending"
        assert_error(mp.get("/records/pension"), 503, "core_unavailable")
    finally:
        fresh_core.server.start()
    mp_app_bot_core_reset(mp)
    done = mp.post("/applications", APPLICATION, headers={"Idempotency-Key": "key-0006-abc"})
    assert done.status_code == 201
    assert len(fresh_core.core.unemployment_applications(_chen_ref())) == 1


def mp_app_bot_core_reset(mp: MiniProgram) -> None:
    """Close the client's circuit breaker, as if its pause had passed."""
    from flask import current_app

    with mp.client.application.app_context():
        current_app.extensions["shebao"].bot.core.breaker.record_success()


def test_ask_checks_the_region_through_the_place_resolver(mp: MiniProgram) -> None:
    refused = mp.post("/ask", {"text": "基础养老金一个月多少钱", "region": "火星"})
    error = refused.get_json()["error"]
    assert refused.status_code == 400 and (error["code"], error["field"]) == (
        "unknown_region",
        "region",
    )
    answered = mp.post("/ask", {"text": "基础养老金一个月多少钱", "region": "Jiangmen"})
    assert answered.status_code == 200 and answered.get_json()["region"] == "江门市"
