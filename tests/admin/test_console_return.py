"""退回修改: a reviewer sends a change in review back to its author with a required comment."""

from __future__ import annotations

from console_helpers import AuthActions
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from knowledge import curation
from knowledge.models import Entry
from webhooks.admin.models import AuditLog

ENTRY = "unemployment-benefit-duration"
COMMENT = "第二段的领取期限写反了，请对照条例第十七条改正。"


def _submit_an_edit(app: Flask, author: str = "editor") -> None:
    with app.extensions["shebao"].db.session() as s:
        data = curation.working_copy(s, ENTRY).data
        curation.update(s, ENTRY, {**data, "answer": data["answer"] + "（待退回）"}, author)
        curation.submit_for_review(s, ENTRY, author)


def test_a_reviewer_returns_a_change_with_a_comment_and_the_author_sees_it(
    client: FlaskClient, auth: AuthActions, app: Flask
) -> None:
    _submit_an_edit(app)
    auth.login("reviewer")
    page = client.get(f"/admin/entries/{ENTRY}").get_data(as_text=True)
    assert "退回意见" in page and 'name="comment"' in page and "required" in page

    refused = auth.post(f"/admin/entries/{ENTRY}/return", {"comment": "  "}, follow_redirects=True)
    assert "需要填写意见" in refused.get_data(as_text=True)
    with app.extensions["shebao"].db.session() as s:
        assert curation.working_copy(s, ENTRY).status == "review"  # no comment: nothing done

    done = auth.post(f"/admin/entries/{ENTRY}/return", {"comment": COMMENT})
    assert done.status_code == 302
    with app.extensions["shebao"].db.session() as s:
        work = curation.working_copy(s, ENTRY)
        assert work.status == "draft" and work.pending
        assert s.get(Entry, ENTRY).status == "published"  # the live text is still served
        returned = curation.open_return(s, ENTRY)
        assert returned is not None and returned.comment == COMMENT
        assert returned.changed_by == "reviewer"
        audit = s.scalars(select(AuditLog).where(AuditLog.action == "entry_return")).all()
        assert len(audit) == 1

    auth.logout()
    auth.login("editor")
    page = client.get(f"/admin/entries/{ENTRY}").get_data(as_text=True)
    assert "审核退回修改" in page and COMMENT in page and "Reviewer" in page  # display name
    history = client.get(f"/admin/entries/{ENTRY}/history").get_data(as_text=True)
    assert "退回修改" in history and COMMENT in history
    home = client.get("/admin/").get_data(as_text=True)
    note = home.split('id="returned"')[1].split("</section>")[0]
    assert COMMENT in note and "退回给您" in note  # on the author's front page

    # The author resubmits; the note goes away; the reviewer who returned it may publish.
    auth.post(f"/admin/entries/{ENTRY}/submit")
    page = client.get(f"/admin/entries/{ENTRY}").get_data(as_text=True)
    assert "审核退回修改" not in page
    assert 'id="returned"' not in client.get("/admin/").get_data(as_text=True)
    auth.logout()
    auth.login("reviewer")
    published = auth.post(f"/admin/entries/{ENTRY}/publish", follow_redirects=True)
    assert "已发布" in published.get_data(as_text=True)
    history = client.get(f"/admin/entries/{ENTRY}/history").get_data(as_text=True)
    assert COMMENT in history  # the history keeps it


def test_an_editor_cannot_return_and_a_draft_cannot_be_returned(
    client: FlaskClient, auth: AuthActions, app: Flask
) -> None:
    _submit_an_edit(app)
    auth.login("editor2")
    assert auth.post(f"/admin/entries/{ENTRY}/return", {"comment": COMMENT}).status_code == 403
    auth.logout()
    auth.login("reviewer")
    auth.post(f"/admin/entries/{ENTRY}/return", {"comment": COMMENT})
    again = auth.post(f"/admin/entries/{ENTRY}/return", {"comment": COMMENT}, follow_redirects=True)
    assert "没有待审核的修改" in again.get_data(as_text=True)


def test_returning_a_new_entry_in_review_makes_it_a_draft(app: Flask) -> None:
    with app.extensions["shebao"].db.session() as s:
        data = {**curation.working_copy(s, ENTRY).data}
        data.update(
            id="return-test-new",
            question="退回测试的新条目问题是什么",
            similar_questions=["退回测试问法一", "退回测试问法二", "退回测试问法三"],
            keywords=[],
        )
        curation.create_draft(s, data, "editor")
        curation.submit_for_review(s, "return-test-new", "editor")
        rev = curation.return_for_changes(s, "return-test-new", "reviewer", COMMENT)
        assert rev.action == "return" and rev.comment == COMMENT
        entry = s.get(Entry, "return-test-new")
        assert entry is not None and entry.status == "draft"
        curation.submit_for_review(s, "return-test-new", "editor")
        assert curation.open_return(s, "return-test-new") is None
        assert curation.working_copy(s, "return-test-new").authors == {"editor"}
