"""Fixtures for the staff-console tests: five accounts (``users``) and ``auth``, a client
helper that logs in and posts forms with their CSRF token (see console_helpers.py). The browser
tests (test_console_browser.py) run their own live server.
"""

from __future__ import annotations

import pytest
from console_helpers import USERS, AuthActions, create_users
from flask import Flask
from flask.testing import FlaskClient


@pytest.fixture
def users(app: Flask) -> dict[str, str]:
    create_users(app.extensions["shebao"].db)
    return USERS


@pytest.fixture
def auth(client: FlaskClient, users: dict[str, str]) -> AuthActions:
    return AuthActions(client)
