"""Login lock-out behind a load balancer (issue 13, defect 2).

Every request reaches the app from the load balancer (``LB``, the trusted proxy of
``FORWARDED_ALLOW_IPS``), which appends the address it saw to ``X-Forwarded-For``. An attacker's
failed logins must lock out the attacker's address, never the staff at theirs; a header sent by
anyone but a trusted proxy is not believed; and tries refused during a lock-out are recorded.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from console_helpers import PASSWORD
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from webhooks.admin.models import LoginAttempt

LB = "10.0.0.5"
ATTACKER = "203.0.113.66"
STAFF = "198.51.100.7"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def app_config(prepared_database_url: str) -> dict[str, Any]:
    return {
        "database_url": prepared_database_url,
        "wechat_token": "test-token",
        "forwarded_allow_ips": f"127.0.0.1,{LB}",
    }


class Browser:
    """A browser at ``address``, reaching the app through the load balancer (or directly)."""

    def __init__(self, app: Flask, address: str, *, via_lb: bool = True, spoof: str = "") -> None:
        self.client: FlaskClient = app.test_client()
        peer = LB if via_lb else address
        # The load balancer appends the address it saw to whatever the browser sent.
        forwarded = ", ".join(p for p in (spoof, address if via_lb else "") if p)
        self.environ = {"REMOTE_ADDR": peer}
        self.headers = {"X-Forwarded-For": forwarded} if forwarded else {}

    def login(self, username: str, password: str = PASSWORD) -> TestResponse:
        page = self.client.get(
            "/admin/login", environ_base=self.environ, headers=self.headers
        ).get_data(as_text=True)
        found = _TOKEN.search(page)
        assert found
        return self.client.post(
            "/admin/login",
            data={"csrf_token": found.group(1), "username": username, "password": password},
            environ_base=self.environ,
            headers=self.headers,
        )


def attempts(app: Flask, **where: Any) -> int:
    with app.extensions["shebao"].db.session() as s:
        query = select(func.count()).select_from(LoginAttempt).filter_by(**where)
        return int(s.scalar(query) or 0)


def test_an_attacker_behind_the_load_balancer_locks_out_only_their_own_address(
    app: Flask, users: dict[str, str]
) -> None:
    attacker = Browser(app, ATTACKER)
    for name in users:  # every account, past the per-account limit, 25 failures in all
        for _ in range(5):
            assert attacker.login(name, "guess-guess-guess").status_code in (401, 429)
    assert attacker.login("reviewer").status_code == 429  # the right password no longer helps
    assert attempts(app, ip=ATTACKER) >= 26 and attempts(app, ip=LB) == 0

    staff = Browser(app, STAFF)
    assert staff.login("reviewer").status_code == 302  # the staff member's own address is fine
    assert attempts(app, ip=STAFF, success=True) == 1


def test_a_forwarded_for_header_the_attacker_writes_is_not_believed(
    app: Flask, users: dict[str, str]
) -> None:
    spoofing = Browser(app, ATTACKER, spoof=STAFF)  # through the LB: "STAFF, ATTACKER"
    for _ in range(5):
        assert spoofing.login("editor", "guess-guess-guess").status_code == 401
    assert attempts(app, ip=ATTACKER, success=False) == 5 and attempts(app, ip=STAFF) == 0
    direct = Browser(app, ATTACKER, via_lb=False, spoof=STAFF)  # not from a trusted proxy
    assert direct.login("editor2", "guess-guess-guess").status_code == 401
    assert attempts(app, ip=STAFF) == 0
    assert Browser(app, STAFF).login("editor").status_code == 302


def test_tries_refused_during_a_lock_out_are_recorded(app: Flask, users: dict[str, str]) -> None:
    attacker = Browser(app, ATTACKER)
    for _ in range(5):
        assert attacker.login("admin", "guess-guess-guess").status_code == 401
    for _ in range(3):
        assert attacker.login("admin", "guess-guess-guess").status_code == 429
    assert attempts(app, ip=ATTACKER, username="admin", success=False) == 8


def test_the_per_address_limit_covers_many_accounts(app: Flask, users: dict[str, str]) -> None:
    attacker = Browser(app, ATTACKER)
    names = [f"nobody{i}" for i in range(20)]
    for name in names:  # 20 names, one failure each: under the per-account limit
        assert attacker.login(name, "guess-guess-guess").status_code == 401
    assert attacker.login("editor").status_code == 429
    assert Browser(app, STAFF).login("editor").status_code == 302
