"""The knowledge base in the console: edit with preview, four-eyes publish, history, import."""

from __future__ import annotations

import io
from datetime import date

from console_helpers import AuthActions
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from bot.types import Message
from knowledge import curation
from knowledge.models import Entry
from webhooks.admin.models import AuditLog

ENTRY = "unemployment-benefit-duration"
MARK = "（控制台测试：新口径）"


def _form(app: Flask, entry_id: str = ENTRY, **changes: str) -> dict[str, str]:
    """The edit form of ``entry_id`` as the page fills it in, with ``changes``."""
    with app.extensions["shebao"].db.session() as s:
        data = curation.working_copy(s, entry_id).data
    form = {
        "topic": data["topic"],
        "question": data["question"],
        "similar_questions": "\n".join(data["similar_questions"]),
        "answer": data["answer"],
        "region": data["region"],
        "category": data["category"],
        "keywords": "、".join(data["keywords"]),
        "source_title": data["source_title"],
        "source_number": data["source_number"] or "",
        "source_date": data["source_date"] or "",
        "effective_from": data["effective_from"] or "",
        "effective_to": data["effective_to"] or "",
    }
    form.update(changes)
    return form


def _entry(app: Flask, entry_id: str = ENTRY) -> Entry:
    with app.extensions["shebao"].db.session() as s:
        entry = s.get(Entry, entry_id)
        assert entry is not None
        return entry


def _answer_of(app: Flask, question: str) -> str:
    bot = app.extensions["shebao"].bot
    return str(bot.handle(Message(channel="cli", user="test-asker", text=question)).text)


def test_list_searches_and_filters(client: FlaskClient, auth: AuthActions) -> None:
    auth.login("editor")
    page = client.get("/admin/entries?q=失业保险金最长").get_data(as_text=True)
    assert ENTRY in page
    assert "pension" not in page
    regional = client.get("/admin/entries?region=江门市").get_data(as_text=True)
    assert "江门市" in regional and ENTRY not in regional
    url = "/admin/entries?status=published&in_force=yes&category=失业保险"
    assert ENTRY in client.get(url).get_data(as_text=True)
    assert ENTRY not in client.get("/admin/entries?status=draft").get_data(as_text=True)
    assert ENTRY not in client.get("/admin/entries?in_force=no").get_data(as_text=True)


def test_preview_shows_the_reply_as_wechat_would(
    client: FlaskClient, auth: AuthActions, app: Flask
) -> None:
    auth.login("editor")
    response = auth.post(
        f"/admin/entries/{ENTRY}/edit", _form(app, answer="预览里的答案。" + MARK, action="preview")
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "预览里的答案。" + MARK in page
    assert "——依据：《失业保险条例》" in page and "（适用：全国）" in page
    assert "字节" in page
    assert MARK not in _entry(app).answer  # a preview saves nothing
    long = auth.post("/admin/entries/preview", _form(app, answer="长" * 900)).get_data(as_text=True)
    assert "回复「更多」继续阅读" in long and "答案超过 320 字" in long


def test_edit_review_publish_goes_live(client: FlaskClient, auth: AuthActions, app: Flask) -> None:
    question = "失业保险金最长能领多长时间？"
    before = _answer_of(app, question)
    auth.login("editor")
    answer = _entry(app).answer + MARK
    response = auth.post(f"/admin/entries/{ENTRY}/edit", _form(app, answer=answer, action="submit"))
    assert response.status_code == 302
    entry = _entry(app)
    assert entry.status == "published" and MARK not in entry.answer  # still the old text
    assert MARK not in _answer_of(app, question)
    review = client.get("/admin/entries/review").get_data(as_text=True)
    assert ENTRY in review

    # An editor may not publish, and the author may not either.
    assert auth.post(f"/admin/entries/{ENTRY}/publish").status_code == 403
    auth.logout()
    with app.extensions["shebao"].db.session() as s:
        generation = curation.generation(s)
    auth.login("reviewer")
    page = client.get(f"/admin/entries/{ENTRY}").get_data(as_text=True)
    assert "审核通过并发布" in page
    response = auth.post(f"/admin/entries/{ENTRY}/publish", follow_redirects=True)
    assert "已发布" in response.get_data(as_text=True)
    entry = _entry(app)
    assert MARK in entry.answer and entry.updated_by == "reviewer"
    with app.extensions["shebao"].db.session() as s:
        assert curation.generation(s) == generation + 1
        actions = {(a.actor, a.action) for a in s.scalars(select(AuditLog))}
    assert ("editor", "entry_edit") in actions and ("reviewer", "entry_publish") in actions
    app.extensions["shebao"].bot.understanding.refresh()  # no wait for the background rebuild
    assert MARK in _answer_of(app, question)
    assert before != _answer_of(app, question)


def test_the_author_cannot_publish_their_own_change(
    client: FlaskClient, auth: AuthActions, app: Flask
) -> None:
    auth.login("reviewer")
    auth.post(
        f"/admin/entries/{ENTRY}/edit",
        _form(app, answer=_entry(app).answer + MARK, action="submit"),
    )
    page = client.get(f"/admin/entries/{ENTRY}").get_data(as_text=True)
    assert "需由另一位审核人员发布" in page
    response = auth.post(f"/admin/entries/{ENTRY}/publish", follow_redirects=True)
    assert "四眼原则" in response.get_data(as_text=True)
    assert MARK not in _entry(app).answer
    auth.logout()
    auth.login("reviewer2")
    auth.post(f"/admin/entries/{ENTRY}/publish")
    assert MARK in _entry(app).answer


def test_new_entry_draft_submit_publish(client: FlaskClient, auth: AuthActions, app: Flask) -> None:
    auth.login("editor")
    form = _form(
        app,
        question="控制台新建的测试问题是什么？",
        similar_questions="控制台测试问法一\n控制台测试问法二\n控制台测试问法三",
        answer="这是控制台新建的测试答案。",
        region="江门市",
        category="测试",
        topic="",
        action="save",
    )
    response = auth.post("/admin/entries/new", form)
    assert response.status_code == 302
    new = response.location.rsplit("/", 1)[-1]  # made from the question: no id to type
    assert new == "kongzhitai-xinjian-de-ceshi-wenti-shi-jiangmen"
    entry = _entry(app, new)
    assert entry.status == "draft" and entry.region == "江门市"
    auth.post(f"/admin/entries/{new}/submit")
    assert _entry(app, new).status == "review"
    auth.logout()
    auth.login("reviewer")
    auth.post(f"/admin/entries/{new}/publish")
    assert (_entry(app, new).status, _entry(app, new).version) == ("published", 1)


def test_invalid_content_is_explained_and_not_saved(
    client: FlaskClient, auth: AuthActions, app: Flask
) -> None:
    auth.login("editor")
    response = auth.post(
        f"/admin/entries/{ENTRY}/edit", _form(app, answer="超" * 400, action="save")
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "内容未通过校验" in page and "at most 320" in page
    response = auth.post("/admin/entries/new", _form(app, action="save"))  # a question taken
    assert response.status_code == 400
    assert "内容未通过校验" in response.get_data(as_text=True)


def test_history_diff_restore_and_archive(
    client: FlaskClient, auth: AuthActions, app: Flask
) -> None:
    auth.login("editor")
    original = _entry(app).answer
    auth.post(f"/admin/entries/{ENTRY}/edit", _form(app, answer=original + MARK, action="submit"))
    auth.logout()
    auth.login("reviewer")
    auth.post(f"/admin/entries/{ENTRY}/publish")
    live = _entry(app).version
    assert live == 2  # one published edit: version 1 → 2
    with app.extensions["shebao"].db.session() as s:
        revisions = [r.id for r in curation.history(s, ENTRY)]
    history = client.get(f"/admin/entries/{ENTRY}/history").get_data(as_text=True)
    assert f"第{live}版" in history and "恢复此版" in history
    url = f"/admin/entries/{ENTRY}/diff?a={revisions[0]}&b={revisions[-1]}"
    diff = client.get(url).get_data(as_text=True)
    assert "<ins>" in diff and "控制台测试" in diff
    response = auth.post(
        f"/admin/entries/{ENTRY}/restore", {"revision": str(revisions[0])}, follow_redirects=True
    )
    assert "恢复为草稿" in response.get_data(as_text=True)
    with app.extensions["shebao"].db.session() as s:
        work = curation.working_copy(s, ENTRY)
        assert work.pending and work.data["answer"] == original
    assert MARK in _entry(app).answer  # a restore never goes live by itself
    auth.post(f"/admin/entries/{ENTRY}/archive")
    assert _entry(app).status == "archived"


def test_an_editor_cannot_archive_or_import(
    client: FlaskClient, auth: AuthActions, app: Flask
) -> None:
    auth.login("editor")
    assert auth.post(f"/admin/entries/{ENTRY}/archive").status_code == 403
    assert client.get("/admin/entries/import").status_code == 403
    assert _entry(app).status == "published"


def test_export_and_import_round_trip(client: FlaskClient, auth: AuthActions, app: Flask) -> None:
    auth.login("admin")
    response = client.get("/admin/entries/export?format=csv")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data().decode("utf-8-sig")
    assert text.startswith("id,question,similar_questions") and ENTRY in text
    for fmt in ("xlsx", "yaml", "jsonl"):
        assert client.get(f"/admin/entries/export?format={fmt}&all=1").status_code == 200

    original = _entry(app).answer
    changed = text.replace(original, original + MARK)
    upload = {"file": (io.BytesIO(changed.encode("utf-8-sig")), "条目.csv"), "check_only": "y"}
    checked = auth.post("/admin/entries/import", upload, content_type="multipart/form-data")
    assert "检查通过" in checked.get_data(as_text=True)
    assert MARK not in _entry(app).answer
    upload = {"file": (io.BytesIO(changed.encode("utf-8-sig")), "条目.csv")}
    done = auth.post("/admin/entries/import", upload, content_type="multipart/form-data")
    assert "导入完成：新建0个，更新1个" in done.get_data(as_text=True)
    assert MARK in _entry(app).answer

    bad = {"file": (io.BytesIO(b"id,question\nx,y\n"), "bad.csv")}
    refused = auth.post("/admin/entries/import", bad, content_type="multipart/form-data")
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "未导入任何内容" in page and "bad.csv" in page and "shebao-import" not in page


def test_in_force_filter_knows_expired_entries(
    client: FlaskClient, auth: AuthActions, app: Flask
) -> None:
    with app.extensions["shebao"].db.session() as s:
        entry = s.get(Entry, ENTRY)
        assert entry is not None
        entry.effective_to = date(2000, 1, 1)
    auth.login("editor")
    assert ENTRY in client.get("/admin/entries?in_force=no").get_data(as_text=True)
    assert ENTRY not in client.get("/admin/entries?in_force=yes").get_data(as_text=True)
