"""Helpers shared by the staff-console tests: accounts and an ``AuthActions`` client helper.

``auth.login("editor")`` reads the login page, takes its CSRF token and posts the form, as a
browser would; ``auth.post(url, data)`` adds the session's CSRF token to a form post.
"""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from webhooks.admin import accounts

PASSWORD = "correct-horse-battery"
USERS = {
    "editor": "editor",
    "editor2": "editor",
    "reviewer": "reviewer",
    "reviewer2": "reviewer",
    "admin": "admin",
}
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def create_users(db: Any) -> None:
    with db.session() as s:
        for name, role in USERS.items():
            accounts.create_user(s, name, PASSWORD, role, display_name=name.title())


class AuthActions:
    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def token(self, url: str = "/admin/login") -> str:
        found = _TOKEN.search(self.client.get(url).get_data(as_text=True))
        assert found, f"no CSRF token on {url}"
        return found.group(1)

    def login(self, username: str, password: str = PASSWORD) -> TestResponse:
        return self.client.post(
            "/admin/login",
            data={"csrf_token": self.token(), "username": username, "password": password},
        )

    def logout(self) -> TestResponse:
        return self.post("/admin/logout")

    def post(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> TestResponse:
        form = {"csrf_token": self.token(), **(data or {})}
        return self.client.post(url, data=form, **kwargs)
