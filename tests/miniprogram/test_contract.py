"""The /api/mp contract (issue 13, defect 9): a rate limit on /ask; eligibility false while an
application is open; an ineligible applicant is ``not_eligible`` as the document says; the
OpenAPI document is as strict as the server (what one refuses, the other refuses)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from conftest import CHEN, HUANG, MiniProgram, SandboxServer
from flask import Flask

pytestmark = pytest.mark.usefixtures("fixed_clock")  # leaving dates are measured from today

SPEC = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "webhooks" / "miniprogram_openapi.yaml").read_text(
        encoding="utf-8"
    )
)
APPLICATION = {
    "leaving_date": "2026-10-31",
    "leaving_reason": "layoff",
    "payment_account": {"kind": "social_security_card"},
    "phone": "13800138000",
    "seeking_work": True,
}


def request_schema(path: str) -> dict[str, Any]:
    schema = SPEC["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
    if "$ref" in schema:
        schema = SPEC["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema  # type: ignore[no-any-return]


def schema_accepts(path: str, body: dict[str, Any]) -> bool:
    schema = request_schema(path)
    resolver = {"components": SPEC["components"], **schema}
    try:
        jsonschema.validate(body, resolver)
    except jsonschema.ValidationError:
        return False
    return True


def test_ask_has_a_rate_limit(
    mp_app: Flask, mp: MiniProgram, anonymous: MiniProgram, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(mp_app.config, "RATE_LIMIT_PER_MINUTE", 3)
    monkeypatch.delitem(mp_app.extensions, "mp_rate_limit", raising=False)
    try:
        codes = [mp.post("/ask", {"text": "你好"}).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        refused = mp.post("/ask", {"text": "你好"})
        assert refused.get_json()["error"]["code"] == "too_many_requests"
        assert refused.headers["Retry-After"] == "60"
        other = anonymous.login()  # another user is not limited by the first one's questions
        assert other.post("/ask", {"text": "你好"}).status_code == 200
    finally:
        mp_app.extensions.pop("mp_rate_limit", None)


def test_eligibility_is_false_while_an_application_is_open(
    mp: MiniProgram, fresh_core: SandboxServer
) -> None:
    mp.bind(CHEN)
    assert mp.get("/applications/eligibility").get_json()["eligible"] is True
    created = mp.post("/applications", APPLICATION, headers={"Idempotency-Key": "contract-0001"})
    assert created.status_code == 201
    number = created.get_json()["application_id"]
    answer = mp.get("/applications/eligibility").get_json()
    assert answer["eligible"] is False and number in answer["reason"]
    again = mp.post("/applications", APPLICATION, headers={"Idempotency-Key": "contract-0002"})
    assert again.status_code == 409  # what eligibility now says beforehand


def test_an_ineligible_applicant_gets_the_documented_code(
    mp: MiniProgram, fresh_core: SandboxServer
) -> None:
    mp.bind(HUANG)
    r = mp.post(
        "/applications",
        APPLICATION | {"phone": "13700137000"},
        headers={"Idempotency-Key": "contract-0003"},
    )
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "not_eligible"
    description = SPEC["paths"]["/applications"]["post"]["description"]
    assert "`not_eligible` when the applicant" in description


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/binding/start", dict(CHEN, phone="1" * 39), "phone"),
        ("/binding/start", dict(CHEN, name=""), "name"),
        ("/binding/start", dict(CHEN, name="   "), "name"),
        ("/binding/start", dict(CHEN, id_number="4407031990010112"), "id_number"),
        ("/binding/start", dict(CHEN, phone="我的手机13800138000"), "phone"),
        ("/ask", {"text": "   "}, "text"),
        ("/ask", {"text": ""}, "text"),
        ("/applications", APPLICATION | {"phone": "1" * 19}, "phone"),
        ("/applications", APPLICATION | {"phone": "138 0013 8000"}, "phone"),
    ],
)
def test_the_document_refuses_what_the_server_refuses(
    mp: MiniProgram, fresh_core: SandboxServer, path: str, body: dict[str, Any], field: str
) -> None:
    if path == "/applications":
        mp.bind(CHEN)
    assert not schema_accepts(path, body)
    r = mp.post(path, body, headers={"Idempotency-Key": "contract-0004"})
    assert r.status_code == 400, r.get_data(as_text=True)
    assert r.get_json()["error"]["field"] == field


def test_the_document_accepts_what_the_server_accepts(
    mp: MiniProgram, fresh_core: SandboxServer
) -> None:
    assert schema_accepts("/binding/start", CHEN) and schema_accepts("/applications", APPLICATION)
    assert schema_accepts("/ask", {"text": "失业金怎么领", "region": "江门市"})
    mp.bind(CHEN)
    r = mp.post("/applications", APPLICATION, headers={"Idempotency-Key": "contract-0005"})
    assert r.status_code == 201
