"""Hostile input on /api/mp (issue 13, defect 5): 10,000-deep JSON and a lone surrogate are a
400 with a clear error and nothing done; no error that is not the core's says the core is down.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import CHEN, MiniProgram
from flask import Flask

from bot.models import Exchange
from webhooks.miniprogram_errors import ERRORS

JSON = "application/json"


def escaped(body: dict[str, str]) -> str:
    """JSON with every non-ASCII character escaped, as a client may send a lone surrogate."""
    return json.dumps(body)


def exchanges(app: Flask) -> int:
    from sqlalchemy import func, select

    with app.extensions["shebao"].db.session() as s:
        return int(s.scalar(select(func.count()).select_from(Exchange)) or 0)


DEEP = '{"text": ' + "[" * 10_000 + "]" * 10_000 + "}"


@pytest.mark.parametrize("path", ["/ask", "/binding/start", "/login"])
def test_json_nested_ten_thousand_deep_is_400(mp: MiniProgram, mp_app: Flask, path: str) -> None:
    before = exchanges(mp_app)
    response = mp.post(path, data=DEEP, content_type="application/json")
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.get_json()["error"] == {
        "code": "invalid_request",
        "message": ERRORS["invalid_request"].message,
    }
    assert exchanges(mp_app) == before


def test_json_nested_ten_thousand_deep_creates_no_application(
    mp: MiniProgram, fresh_core: Any
) -> None:
    mp.bind(CHEN)
    response = mp.post(
        "/applications",
        data=DEEP,
        content_type="application/json",
        headers={"Idempotency-Key": "hostile-deep-json-1"},
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_request"
    assert mp.get("/applications").get_json()["applications"] == []


def test_a_lone_surrogate_in_the_question_is_400(mp: MiniProgram, mp_app: Flask) -> None:
    before = exchanges(mp_app)
    response = mp.post("/ask", data='{"text": "\\ud800养老金"}', content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == "text"
    response = mp.post(
        "/ask", data=escaped({"text": "养老金", "region": "\ud800"}), content_type=JSON
    )
    assert response.status_code == 400 and response.get_json()["error"]["field"] == "region"
    assert exchanges(mp_app) == before
    assert mp.post("/ask", json={"text": "养老金怎么领"}).status_code == 200  # still answers


def test_a_lone_surrogate_in_a_binding_field_is_400(mp: MiniProgram) -> None:
    response = mp.post(
        "/binding/start", data=escaped(dict(CHEN, name="陈\ud800")), content_type=JSON
    )
    assert response.status_code == 400 and response.get_json()["error"]["field"] == "name"


def test_an_unexpected_error_does_not_blame_the_core(
    mp: MiniProgram, mp_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(message: Any) -> Any:
        raise KeyError("a bug, not the core")

    monkeypatch.setattr(mp_app.extensions["shebao"].bot, "handle", broken)
    response = mp.post("/ask", json={"text": "养老金怎么领"})
    assert response.status_code == 500
    assert response.get_json()["error"] == {
        "code": "internal",
        "message": ERRORS["internal"].message,
    }
    assert "暂时连不上" not in response.get_data(as_text=True)
