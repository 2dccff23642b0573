"""Schemathesis against webhooks/miniprogram_openapi.yaml: no 500 for any input, and every
answer as documented — anonymous, logged in, and logged in with a bound identity."""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from conftest import CHEN, MiniProgram
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

SPEC = Path(__file__).resolve().parents[2] / "webhooks" / "miniprogram_openapi.yaml"
schema = schemathesis.openapi.from_path(SPEC)

FUZZ = settings(
    max_examples=40,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


def call(case: schemathesis.Case, app: Flask, token: str | None = None) -> None:
    """Send the case to the app in-process (WSGI), every check's probes included.

    All of schemathesis's checks run but one: "schema-valid data is accepted". The API checks
    more than a JSON Schema can say (the ID number's check digit, the bank card's Luhn digit,
    whether the identity exists in the core), so a random schema-valid ID number is rightly
    refused.
    """
    case.operation.schema.app = app
    headers = {"Authorization": f"Bearer {token}"} if token else None
    case.call_and_validate(
        app=app,
        base_url="http://localhost/api/mp",
        headers=headers,
        excluded_checks=[positive_data_acceptance],
    )


def test_the_app_serves_this_document(mp_app: Flask) -> None:
    served = mp_app.test_client().get("/api/mp/openapi.yaml")
    assert served.status_code == 200 and served.get_data() == SPEC.read_bytes()


@pytest.fixture(scope="module")
def bound_token(mp_app: Flask) -> str:
    user = MiniProgram(mp_app.test_client()).login()
    user.bind(CHEN)
    assert user.token is not None
    return user.token


@pytest.fixture(scope="module")
def plain_token(mp_app: Flask) -> str:
    user = MiniProgram(mp_app.test_client()).login()
    assert user.token is not None
    return user.token


@schema.parametrize()
@FUZZ
def test_anonymous(case: schemathesis.Case, mp_app: Flask) -> None:
    call(case, mp_app)


@schema.parametrize()
@FUZZ
def test_logged_in(case: schemathesis.Case, mp_app: Flask, plain_token: str) -> None:
    call(case, mp_app, plain_token)


@schema.parametrize()
@FUZZ
def test_bound(case: schemathesis.Case, mp_app: Flask, bound_token: str) -> None:
    if case.method == "DELETE":  # keep the identity bound for the other cases
        return
    call(case, mp_app, bound_token)
