"""个人信息查看记录: who saw whose personal data, for administrators only."""

from __future__ import annotations

from console_helpers import AuthActions
from flask import Flask
from flask.testing import FlaskClient

from bot.personal.models import AccessLog, AuthorisationAttempts


def _seed(app: Flask) -> None:
    with app.extensions["shebao"].db.session() as s:
        for outcome, role, via in [
            ("shown", "volunteer", "grant:7"),
            ("refused_other_person", "volunteer", "grant:7"),
            ("shown", "citizen", "self"),
        ]:
            s.add(
                AccessLog(
                    actor_key="wechat:o-volunteer-abcdef" if role == "volunteer" else "wechat:o-me",
                    actor_role=role,
                    person_ref="ref-0123456789abcdef",
                    what="contributions",
                    via=via,
                    channel="wechat",
                    outcome=outcome,
                )
            )
        s.add(AuthorisationAttempts(volunteer_key="wechat:o-guesser-123456", failures=4))


def test_administrators_see_who_saw_whose_data(
    client: FlaskClient, auth: AuthActions, app: Flask
) -> None:
    _seed(app)
    auth.login("admin")
    page = client.get("/admin/staff/access").get_data(as_text=True)
    assert page.count("grant:7") == 2 and "问的是别人，被拒" in page and "本人" in page
    assert "…abcdef" in page and "输错授权码的志愿者" in page and "…123456" in page
    refused = client.get("/admin/staff/access?outcome=refused_other_person").get_data(as_text=True)
    assert refused.count("grant:7") == 1


def test_the_access_log_is_for_administrators_only(
    client: FlaskClient, auth: AuthActions, app: Flask
) -> None:
    auth.login("editor")
    assert client.get("/admin/staff/access").status_code == 403


def test_volunteers_are_granted_listed_and_revoked_in_the_console(
    client: FlaskClient, auth: AuthActions, app: Flask
) -> None:
    from sqlalchemy import select

    from bot.personal.volunteer import is_volunteer
    from webhooks.admin.models import AuditLog

    db = app.extensions["shebao"].db
    auth.login("admin")
    r = auth.post(
        "/admin/staff/volunteers", {"user_key": "wechat:o-helper-1", "note": "城北镇村通"}
    )
    assert r.status_code == 302 and is_volunteer(db, "wechat:o-helper-1")
    page = client.get("/admin/staff/volunteers").get_data(as_text=True)
    assert "wechat:o-helper-1" in page and "城北镇村通" in page and "在职" in page
    auth.post("/admin/staff/volunteers", {"user_key": "wechat:o-helper-1", "action": "revoke"})
    assert not is_volunteer(db, "wechat:o-helper-1")
    assert "已取消" in client.get("/admin/staff/volunteers").get_data(as_text=True)
    bad = auth.post("/admin/staff/volunteers", {"user_key": "no-channel"})
    assert bad.status_code == 302 and not is_volunteer(db, "no-channel")
    with db.session() as s:
        actions = [a.action for a in s.scalars(select(AuditLog).order_by(AuditLog.id))]
    assert actions[-2:] == ["volunteer_grant", "volunteer_revoke"]
    auth.logout()
    auth.login("editor")
    assert client.get("/admin/staff/volunteers").status_code == 403
