"""「答错反馈」 in the console: disputes made by talking to the real engine, grouped by entry,
and the three actions; the entry's dispute rate, the home page's flag and the insight chart."""

from __future__ import annotations

import pytest
from console_helpers import AuthActions
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from bot.models import Dispute
from bot.types import Message
from knowledge import curation

pytestmark = pytest.mark.usefixtures("fixed_clock")  # "the last seven days" are from now

QUESTION = "单位不给我交社保怎么办"
ENTRY = "enrollment-employer-not-paying"


def dispute(app: Flask, user: str, said: str = "答非所问") -> None:
    bot = app.extensions["shebao"].bot
    answered = bot.handle(Message("wechat", user, QUESTION))
    assert answered.faq_id == ENTRY
    bot.handle(Message("wechat", user, said))


def ids(app: Flask) -> str:
    with app.extensions["shebao"].db.session() as s:
        return ",".join(str(d.id) for d in s.scalars(select(Dispute).order_by(Dispute.id)))


def statuses(app: Flask) -> list[str]:
    with app.extensions["shebao"].db.session() as s:
        return [d.status for d in s.scalars(select(Dispute).order_by(Dispute.id))]


def test_the_page_groups_disputes_by_entry_with_what_was_said(
    client: FlaskClient, auth: AuthActions, app: Flask
) -> None:
    dispute(app, "o-1")
    dispute(app, "o-2", "不对，我问的是灵活就业怎么交社保")
    auth.login("editor")
    page = client.get("/admin/disputes").get_data(as_text=True)
    group = page.split('id="group-' + ENTRY + '"')[1].split("</section>")[0]
    assert "2 条" in group and QUESTION in group and "答非所问" in group
    assert "重新问：" in group and "灵活就业怎么交社保" in group
    assert "当前第 1 版" in group and "被指出答错 2 次" in group and "共作答 2 次" in group
    assert "<ol>" in group  # the candidates offered after 「答非所问」


def test_misunderstanding_closes_the_group(
    client: FlaskClient, auth: AuthActions, app: Flask
) -> None:
    dispute(app, "o-3")
    auth.login("editor")
    r = auth.post("/admin/disputes/misunderstanding", {"ids": ids(app)})
    assert r.status_code == 302
    assert statuses(app) == ["misunderstanding"]
    assert "没有待处理的答错反馈" in client.get("/admin/disputes").get_data(as_text=True)


def test_the_wording_goes_to_the_entry_meant_through_review(
    client: FlaskClient, auth: AuthActions, app: Flask
) -> None:
    dispute(app, "o-4", "不对，我问的是单位欠缴社保会影响我退休吗")
    auth.login("editor")
    r = auth.post(
        "/admin/disputes/add", {"ids": ids(app), "entry_id": "enrollment-contribution-gap"}
    )
    assert r.status_code == 302 and r.location.endswith(
        "/admin/entries/enrollment-contribution-gap"
    )
    assert statuses(app) == ["reworded"]
    with app.extensions["shebao"].db.session() as s:
        work = curation.working_copy(s, "enrollment-contribution-gap")
        assert work.status == "review"  # a reviewer publishes it, as with any change
        assert "单位欠缴社保会影响我退休吗" in work.data["similar_questions"]
        assert QUESTION in work.data["similar_questions"]


def test_edit_closes_as_edited_and_opens_the_entry_form(
    client: FlaskClient, auth: AuthActions, app: Flask
) -> None:
    dispute(app, "o-5")
    auth.login("editor")
    r = auth.post("/admin/disputes/edit", {"ids": ids(app), "entry_id": ENTRY})
    assert r.status_code == 302 and r.location.endswith(f"/admin/entries/{ENTRY}/edit")
    assert statuses(app) == ["edited"]


def test_rate_flag_and_insight(client: FlaskClient, auth: AuthActions, app: Flask) -> None:
    limit = app.extensions["shebao"].settings.disputes_flag_per_week
    for i in range(limit):
        dispute(app, f"o-flag-{i}")
    auth.login("editor")
    home = client.get("/admin/").get_data(as_text=True)
    assert 'id="flagged"' not in home  # not more than the limit yet
    dispute(app, "o-flag-last")
    home = client.get("/admin/").get_data(as_text=True)
    assert 'id="flagged"' in home and ENTRY in home.split('id="flagged"')[1]
    entry_page = client.get(f"/admin/entries/{ENTRY}").get_data(as_text=True)
    n = limit + 1
    assert f"作答 {n} 次，被指出答错 {n} 次（答错反馈率 100%）" in entry_page
    insight = client.get("/admin/insight?days=7").get_data(as_text=True)
    assert f"共 {n} 条" in insight.split('id="disputes"')[1]
