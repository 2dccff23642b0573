"""Logging in and out, sessions that expire, the login limit, CSRF and roles."""

from __future__ import annotations

from console_helpers import PASSWORD, AuthActions
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from webhooks.admin.models import AuditLog, StaffUser


def _audit(app: Flask) -> list[tuple[str, str, str]]:
    with app.extensions["shebao"].db.session() as s:
        return [(a.actor, a.action, a.target) for a in s.scalars(select(AuditLog))]


def test_a_logged_out_visit_lands_on_the_login_page(client: FlaskClient) -> None:
    for url in ("/admin/", "/admin/entries", "/admin/queue", "/admin/handoffs"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.location.startswith("/admin/login")
    page = client.get("/admin/entries", follow_redirects=True)
    assert page.status_code == 200
    assert "工作人员登录" in page.get_data(as_text=True)


def test_login_then_the_console_and_logout(
    client: FlaskClient, auth: AuthActions, app: Flask
) -> None:
    response = auth.login("editor")
    assert response.status_code == 302 and response.location == "/admin/"
    home = client.get("/admin/").get_data(as_text=True)
    assert "工作台" in home and "Editor（编辑）" in home
    assert client.get("/admin/entries").status_code == 200
    auth.logout()
    assert client.get("/admin/").status_code == 302
    assert ("editor", "login", "editor") in _audit(app)
    assert ("editor", "logout", "") in _audit(app)


def test_login_returns_to_the_page_asked_for_and_never_elsewhere(
    client: FlaskClient, auth: AuthActions
) -> None:
    target = client.get("/admin/queue").location
    assert "next=/admin/queue" in target
    token = auth.token()
    response = client.post(
        "/admin/login",
        data={
            "csrf_token": token,
            "username": "editor",
            "password": PASSWORD,
            "next": "/admin/queue",
        },
    )
    assert response.location == "/admin/queue"
    auth.logout()
    response = client.post(
        "/admin/login",
        data={
            "csrf_token": auth.token(),
            "username": "editor",
            "password": PASSWORD,
            "next": "https://evil.example/admin",
        },
    )
    assert response.location == "/admin/"


def test_wrong_password_is_refused_and_audited(
    client: FlaskClient, auth: AuthActions, app: Flask
) -> None:
    response = auth.login("editor", "wrong-password")
    assert response.status_code == 401
    assert "用户名或密码不正确" in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302
    assert ("editor", "login_failed", "editor") in _audit(app)


def test_login_attempts_are_limited(client: FlaskClient, auth: AuthActions, app: Flask) -> None:
    for _ in range(5):
        assert auth.login("reviewer", "guess-guess-guess").status_code == 401
    locked = auth.login("reviewer")  # the right password no longer helps
    assert locked.status_code == 429
    assert "登录失败次数过多" in locked.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302
    assert auth.login("editor").status_code == 302  # other accounts are not locked


def test_sessions_expire_when_idle(client: FlaskClient, auth: AuthActions, app: Flask) -> None:
    auth.login("editor")
    assert client.get("/admin/").status_code == 200
    app.config["ADMIN_IDLE_MINUTES"] = 0
    response = client.get("/admin/")
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "登录已过期" in page
    app.config["ADMIN_IDLE_MINUTES"] = 30
    assert client.get("/admin/").status_code == 302  # the expired session stays ended


def test_passwords_are_stored_hashed(app: Flask, users: dict[str, str]) -> None:
    with app.extensions["shebao"].db.session() as s:
        user = s.scalar(select(StaffUser).where(StaffUser.username == "editor"))
        assert user is not None
        assert PASSWORD not in user.password_hash
        assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))


def test_a_form_without_its_csrf_token_is_refused(
    client: FlaskClient, auth: AuthActions, app: Flask
) -> None:
    response = client.post("/admin/login", data={"username": "editor", "password": PASSWORD})
    assert response.status_code == 400
    assert "安全校验码" in response.get_data(as_text=True)
    auth.login("reviewer")
    entry = "unemployment-benefit-duration"
    for url in (f"/admin/entries/{entry}/archive", "/admin/logout", "/admin/queue/dismiss"):
        assert client.post(url, data={"ids": "1"}).status_code == 400
        assert client.post(url, data={"csrf_token": "forged", "ids": "1"}).status_code == 400
    assert client.get(f"/admin/entries/{entry}").status_code == 200  # still logged in
    from knowledge.models import Entry

    with app.extensions["shebao"].db.session() as s:
        row = s.get(Entry, entry)
        assert row is not None and row.status == "published"


def test_a_changed_password_ends_the_session(client: FlaskClient, auth: AuthActions) -> None:
    auth.login("editor")
    response = auth.post("/admin/password", {"current": PASSWORD, "new": "another-long-password"})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 302
    assert auth.login("editor").status_code == 401
    assert auth.login("editor", "another-long-password").status_code == 302


def test_only_administrators_manage_accounts(
    client: FlaskClient, auth: AuthActions, app: Flask
) -> None:
    auth.login("reviewer")
    assert client.get("/admin/staff").status_code == 403
    assert client.get("/admin/staff/audit").status_code == 403
    auth.logout()
    auth.login("admin")
    response = auth.post(
        "/admin/staff",
        {
            "username": "newbie",
            "display_name": "新同事",
            "role": "editor",
            "password": "a-long-password",
        },
    )
    assert response.status_code == 302
    with app.extensions["shebao"].db.session() as s:
        user = s.scalar(select(StaffUser).where(StaffUser.username == "newbie"))
        assert user is not None and user.role == "editor"
        user_id = user.id
    auth.post(f"/admin/staff/{user_id}", {"role": "reviewer", "active": "0"})
    auth.logout()
    assert auth.login("newbie", "a-long-password").status_code == 401  # disabled
    auth.login("admin")
    audit = client.get("/admin/staff/audit").get_data(as_text=True)
    assert "staff_create" in audit and "staff_update" in audit
