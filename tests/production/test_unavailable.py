"""When the database cannot be reached, every entry point answers 503 with a clear body and a
Retry-After at once (nothing processed), and /readyz says so; other errors stay errors."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.exc import IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout


@contextmanager
def _unreachable(*_args: Any, **_kwargs: Any) -> Iterator[Any]:
    raise PoolTimeout("QueuePool limit reached, connection timed out")
    yield  # pragma: no cover


@pytest.fixture
def down(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Flask:
    db = app.extensions["shebao"].db
    monkeypatch.setattr(db, "session", _unreachable)
    monkeypatch.setattr(db.engine, "connect", _unreachable)
    return app


def test_mini_program_api_answers_503_in_its_error_shape(down: Flask) -> None:
    response = down.test_client().post("/api/mp/login", json={"code": "sandbox-code-1"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.get_json()["error"]["code"] == "unavailable"


def test_other_pages_answer_503_with_a_clear_body(down: Flask) -> None:
    client = down.test_client()
    response = client.post(
        "/admin/login",
        data={"csrf_token": _csrf(client), "username": "admin", "password": "x" * 12},
    )
    assert response.status_code == 503, response.get_data(as_text=True)[:300]
    assert response.headers["Retry-After"] == "5"
    body = response.get_json()
    assert body["error"]["code"] == "database_unavailable"
    assert "retry" in body["error"]["message"]


def test_readyz_is_503_when_the_database_is_down(down: Flask) -> None:
    response = down.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable" and body["database"]["ok"] is False


def test_a_database_error_that_is_not_unavailability_stays_an_error(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    @contextmanager
    def broken(*_args: Any, **_kwargs: Any) -> Iterator[Any]:
        raise IntegrityError("INSERT …", {}, Exception("duplicate key"))
        yield  # pragma: no cover

    client = app.test_client()
    token = _csrf(client)
    monkeypatch.setattr(app.extensions["shebao"].db, "session", broken)
    with pytest.raises(IntegrityError):  # TESTING propagates what would be a 500
        client.post(
            "/admin/login", data={"csrf_token": token, "username": "admin", "password": "x" * 12}
        )


def _csrf(client: Any) -> str:
    page = client.get("/admin/login").get_data(as_text=True)  # no database needed for the form
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    return token.group(1)
