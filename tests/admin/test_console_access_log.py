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
