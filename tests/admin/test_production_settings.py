"""Production refuses development secrets (issue 13, defect 6); Secure cookie and HSTS under
production; CR/LF in the login's ``next=`` is a safe redirect, not a 500.

``serve --prod`` and ``shebao worker`` are driven through the command line itself; the app
factory is what gunicorn (``shebao/gunicorn_conf.py`` sets SHEBAO_PRODUCTION=1) preloads.
"""

from __future__ import annotations

import signal
from typing import Any

import pytest
from click.testing import CliRunner
from console_helpers import PASSWORD, create_users
from flask import Flask

from app import create_app
from app.cli import main
from shebao.settings import SettingsError
from webhooks import HSTS

PROD_SECRETS = {
    "secret_key": "a-long-random-production-secret",
    "miniprogram_appid": "wx-mp-appid",
    "miniprogram_secret": "mp-secret",
}


def closing(app: Flask) -> None:
    worker = app.extensions.get("outbox_worker")
    if worker is not None:
        worker.stop()
    runtime = app.extensions.get("wechat")
    if runtime is not None:
        runtime.shutdown()
    app.extensions["shebao"].db.engine.dispose()


def test_the_app_refuses_production_with_the_development_secret_key(
    app_config: dict[str, Any],
) -> None:
    with pytest.raises(SettingsError) as refused:
        create_app({"TESTING": True, **app_config, "production": True})
    message = str(refused.value)
    assert "SECRET_KEY" in message and "MINIPROGRAM_APPID" in message
    assert "SHEBAO_DEVELOPMENT=1" in message  # says how to ask for development


def test_the_app_refuses_production_without_the_mini_program_appid(
    app_config: dict[str, Any],
) -> None:
    with pytest.raises(SettingsError, match="MINIPROGRAM_APPID") as refused:
        create_app(
            {"TESTING": True, **app_config, "production": True, "secret_key": "long-random-secret"}
        )
    assert "SECRET_KEY" not in str(refused.value)


def test_development_asked_for_explicitly_starts(app_config: dict[str, Any]) -> None:
    app = create_app({"TESTING": True, **app_config, "production": True, "development": True})
    try:
        response = app.test_client().post("/api/mp/login", json={"code": "anything"})
        assert response.status_code == 200  # the stand-in, because development was asked for
    finally:
        closing(app)


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["serve", "--prod", "--port", "1"], {}),
        (["worker", "--once"], {}),
        (["worker", "--once"], {"SECRET_KEY": "long-random-secret"}),
    ],
)
def test_the_commands_refuse_to_start_with_development_secrets(
    prepared_database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    env: dict[str, str],
) -> None:
    monkeypatch.setenv("DATABASE_URL", prepared_database_url)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, result.output
    assert "refusing to start in production" in result.output
    assert "MINIPROGRAM_APPID" in result.output


def test_the_worker_starts_when_development_is_asked_for(
    prepared_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", prepared_database_url)
    monkeypatch.setenv("APPLICATION_JOBS_SECONDS", "0")
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:  # the worker installs its own SIGTERM/SIGINT handlers: pytest's are put back
        result = CliRunner().invoke(main, ["worker", "--once", "--no-schedule", "--development"])
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    assert result.exit_code == 0, result.output
    assert "jobs run" in result.output


class TestProduction:
    @pytest.fixture
    def app_config(self, prepared_database_url: str) -> dict[str, Any]:
        return {"database_url": prepared_database_url, "production": True, **PROD_SECRETS}

    @pytest.fixture
    def staff(self, app: Flask) -> None:
        create_users(app.extensions["shebao"].db)

    def test_hsts_is_sent(self, client: Any) -> None:
        assert client.get("/healthz").headers["Strict-Transport-Security"] == HSTS
        assert client.get("/admin/login").headers["Strict-Transport-Security"] == HSTS

    def test_the_session_cookie_is_secure(self, client: Any, staff: None) -> None:
        from console_helpers import AuthActions

        response = AuthActions(client).login("editor")
        assert response.status_code == 302
        cookies = response.headers.getlist("Set-Cookie")
        assert cookies and all("Secure" in c and "HttpOnly" in c for c in cookies)


def test_outside_production_no_hsts_and_no_secure_cookie(client: Any) -> None:
    assert "Strict-Transport-Security" not in client.get("/healthz").headers


@pytest.mark.parametrize(
    "target",
    [
        "/admin/\r\nSet-Cookie: evil=1",
        "/admin/queue\nLocation: https://evil.example",
        "/admin\\\\x",
    ],
)
def test_cr_lf_in_next_is_a_safe_redirect(client: Any, app: Flask, target: str) -> None:
    from console_helpers import AuthActions

    create_users(app.extensions["shebao"].db)
    auth = AuthActions(client)
    response = client.post(
        "/admin/login",
        data={
            "csrf_token": auth.token(),
            "username": "editor",
            "password": PASSWORD,
            "next": target,
        },
    )
    assert response.status_code == 302
    assert response.location == "/admin/"
    assert "evil" not in str(response.headers)
    assert client.get("/admin/").status_code == 200  # logged in, the session works
