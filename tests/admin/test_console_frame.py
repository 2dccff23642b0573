"""The console's frame: 后台任务 in the menu, authors by display name, a Chinese 404 inside the
frame for unknown /admin/… addresses, and the small Chinese page at ``/``."""

from __future__ import annotations

import pytest
from console_helpers import AuthActions
from flask import Flask
from flask.testing import FlaskClient

from knowledge import curation

ENTRY = "unemployment-benefit-duration"


def test_the_menu_links_the_outbox(client: FlaskClient, auth: AuthActions) -> None:
    auth.login("editor")
    page = client.get("/admin/").get_data(as_text=True)
    nav = page.split('<nav class="nav">')[1].split("</nav>")[0]
    assert 'href="/admin/outbox">后台任务</a>' in nav


@pytest.mark.parametrize(
    "path", ["/admin/nothing-here", "/admin/entries/no-such-entry", "/admin/entries/x/y/z"]
)
def test_unknown_console_addresses_get_a_chinese_404_in_the_frame(
    client: FlaskClient, auth: AuthActions, path: str
) -> None:
    auth.login("editor")
    response = client.get(path)
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "页面不存在" in page and "没有这个页面" in page
    assert '<nav class="nav">' in page and "知识库" in page  # the console's own frame
    assert "Not Found" not in page and "requested URL" not in page


def test_a_logged_out_visitor_to_an_unknown_address_is_asked_to_log_in(
    client: FlaskClient, users: dict[str, str]
) -> None:
    response = client.get("/admin/nothing-here")
    assert response.status_code == 302 and "/admin/login" in response.location


def test_other_404s_are_not_the_consoles(client: FlaskClient) -> None:
    api = client.get("/api/mp/nothing-here")
    assert api.status_code == 404 and api.is_json  # the mini-program's JSON errors stay
    assert "页面不存在" not in client.get("/nothing-here").get_data(as_text=True)


def test_authors_and_reviewers_are_shown_by_display_name(
    client: FlaskClient, auth: AuthActions, app: Flask
) -> None:
    with app.extensions["shebao"].db.session() as s:
        data = curation.working_copy(s, ENTRY).data
        curation.update(s, ENTRY, {**data, "answer": data["answer"] + "（改）"}, "editor2")
        curation.submit_for_review(s, ENTRY, "editor2")
    auth.login("reviewer")
    for url in (
        "/admin/entries/review",
        f"/admin/entries/{ENTRY}",
        f"/admin/entries/{ENTRY}/history",
        "/admin/",
    ):
        page = client.get(url).get_data(as_text=True)
        assert "Editor2" in page, url
        assert ">editor2<" not in page and "作者：editor2" not in page, url


def test_tools_are_named_in_chinese_where_authors_are_shown(
    client: FlaskClient, auth: AuthActions, app: Flask
) -> None:
    with app.extensions["shebao"].db.session() as s:
        data = curation.working_copy(s, ENTRY).data
        curation.update(s, ENTRY, {**data, "answer": data["answer"] + "（改）"}, "console:editor")
        curation.update(s, ENTRY, {**data, "answer": data["answer"] + "（再改）"}, "cli:root")
    auth.login("reviewer")
    page = client.get(f"/admin/entries/{ENTRY}/history").get_data(as_text=True)
    assert "系统（随程序发布的内容）" in page  # the shipped content's import
    assert "控制台导入（Editor）" in page and "命令行导入（root）" in page
    assert ">system<" not in page and "console:" not in page and "cli:" not in page


def test_the_root_page_says_what_runs_here(client: FlaskClient) -> None:
    response = client.get("/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "社保智能助手" in page and 'href="/admin/"' in page
    assert "/wechat" in page and "/api/mp/" in page and "/healthz" in page
    assert "知识库现有" in page and "个条目正在对外答复" in page
    assert "shebao staff create" in page  # in development: how to make the first account


def test_the_root_page_in_production_leaves_out_the_first_account_hint(app: Flask) -> None:
    settings = app.extensions["shebao"].settings
    app.extensions["shebao"].settings = settings.with_overrides(production=True)
    try:
        page = app.test_client().get("/").get_data(as_text=True)
    finally:
        app.extensions["shebao"].settings = settings
    assert "社保智能助手" in page and "shebao staff create" not in page


def test_history_names_every_action_in_chinese(
    client: FlaskClient, auth: AuthActions, app: Flask
) -> None:
    with app.extensions["shebao"].db.session() as s:
        data = curation.working_copy(s, ENTRY).data
        first = curation.history(s, ENTRY)[0].id
        curation.update(s, ENTRY, {**data, "answer": data["answer"] + "（改）"}, "editor")
        curation.restore(s, ENTRY, first, "editor")
    auth.login("editor")
    page = client.get(f"/admin/entries/{ENTRY}/history").get_data(as_text=True)
    assert "恢复第1版" in page and "restore v" not in page and "修改" in page
