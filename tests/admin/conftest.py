"""Fixtures for the staff-console tests: five accounts (``users``) and ``auth``, a client
helper that logs in and posts forms with their CSRF token (see console_helpers.py). The browser
tests (test_console_browser.py) run their own live server.

Hashing the five passwords (scrypt) costs more than the rest of a test's setup, so the accounts
are made once per session in ``accounts_template``, a copy of the prepared database; a test that
asks for ``users`` starts from a copy of that, the others from the prepared database as usual.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from console_helpers import USERS, AuthActions, create_users
from dbutil import DatabaseTemplate
from flask import Flask
from flask.testing import FlaskClient

from shebao.db import Database


def _add_users(url: str) -> None:
    db = Database(url)
    try:
        create_users(db)
    finally:
        db.engine.dispose()


@pytest.fixture(scope="session")
def accounts_template(
    database_template: DatabaseTemplate, tmp_path_factory: pytest.TempPathFactory
) -> DatabaseTemplate:
    """The prepared database (``database_template``) with the accounts of ``USERS``."""
    return database_template.derive(tmp_path_factory.mktemp("accounts"), _add_users)


@pytest.fixture
def prepared_database_url(
    request: pytest.FixtureRequest, database_template: DatabaseTemplate, tmp_path: Path
) -> str:
    """As in tests/conftest.py, with the accounts already there when the test uses ``users``."""
    if "users" in request.fixturenames:
        template: DatabaseTemplate = request.getfixturevalue("accounts_template")
    else:
        template = database_template
    return template.copy(tmp_path)


@pytest.fixture
def users(app: Flask) -> dict[str, str]:
    """The accounts of ``USERS`` (password ``PASSWORD``), in the app's database from the start."""
    return USERS


@pytest.fixture
def auth(client: FlaskClient, users: dict[str, str]) -> AuthActions:
    return AuthActions(client)
