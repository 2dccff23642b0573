"""The hand-off inbox: kinds instead of raw tags, 认领 (who has a case in hand), and one rule
for "can the answer be sent now" on the list and on the case's page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from console_helpers import AuthActions
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from bot.models import Exchange, Handoff
from shebao.clock import utcnow
from webhooks.admin import texts
from webhooks.admin.models import AuditLog

pytestmark = pytest.mark.usefixtures("fixed_clock")


def _handoff(
    app: Flask,
    user: str,
    context: str = "",
    ago: timedelta = timedelta(hours=1),
    channel: str = "wechat",
    question: str = "我想找工作人员问问",
) -> int:
    with app.extensions["shebao"].db.session() as s:
        s.add(
            Exchange(
                channel=channel,
                user_key=f"{channel}:{user}",
                message=question,
                normalized=question,
                intent="handoff.human",
                confidence=0.9,
                outcome="handed_off",
                reply="…",
                latency_ms=1.0,
                created_at=utcnow() - ago,
            )
        )
        handoff = Handoff(
            channel=channel,
            user_key=f"{channel}:{user}",
            question=question,
            context=context,
            created_at=utcnow() - ago,
        )
        s.add(handoff)
        s.flush()
        return handoff.id


def _row(page: str, handoff_id: int) -> str:
    found = re.search(
        rf'<tr class="kind-\w+">(?:(?!</tr>).)*?/admin/handoffs/{handoff_id}".*?</tr>', page, re.S
    )
    assert found, f"no row for hand-off {handoff_id}"
    return found.group(0)


def test_kinds_are_badges_and_tags_are_not_shown(
    client: FlaskClient, auth: AuthActions, app: Flask
) -> None:
    fraud = _handoff(app, "o-fraud", "[report] 邻居冒领养老金", question="我要举报有人冒领养老金")
    complaint = _handoff(app, "o-complaint", "[complaint]", question="12333打不通我要投诉")
    person = _handoff(app, "o-person", "[handoff] 灵活就业断缴怎么补", question="转人工")
    auth.login("editor")
    page = client.get("/admin/handoffs").get_data(as_text=True)
    assert "[report]" not in page and "[complaint]" not in page and "[handoff]" not in page
    assert 'class="badge badge-kind-report">举报<' in _row(page, fraud)
    assert 'class="badge badge-kind-complaint">投诉<' in _row(page, complaint)
    assert 'class="badge badge-kind-handoff">转人工<' in _row(page, person)
    assert "上文：邻居冒领养老金" in _row(page, fraud)
    detail = client.get(f"/admin/handoffs/{fraud}").get_data(as_text=True)
    assert (
        "[report]" not in detail
        and "badge-kind-report" in detail
        and "上文：邻居冒领养老金" in detail
    )


def test_a_claimed_case_shows_who_has_it_and_others_cannot_answer(
    client: FlaskClient, auth: AuthActions, app: Flask
) -> None:
    handoff_id = _handoff(app, "o-claim")
    auth.login("editor")
    claimed = auth.post(f"/admin/handoffs/{handoff_id}/claim", follow_redirects=True)
    assert texts.HANDOFF_CLAIMED in claimed.get_data(as_text=True)
    assert "<strong>我</strong>" in _row(
        client.get("/admin/handoffs").get_data(as_text=True), handoff_id
    )
    auth.logout()

    auth.login("reviewer")
    row = _row(client.get("/admin/handoffs").get_data(as_text=True), handoff_id)
    assert "Editor" in row and "未认领" not in row  # by display name
    page = client.get(f"/admin/handoffs/{handoff_id}").get_data(as_text=True)
    assert "Editor 已于" in page and "请勿重复答复" in page and 'name="answer"' not in page
    taken = auth.post(f"/admin/handoffs/{handoff_id}/claim", follow_redirects=True)
    assert texts.HANDOFF_TAKEN.format(name="Editor") in taken.get_data(as_text=True)
    refused = auth.post(
        f"/admin/handoffs/{handoff_id}", {"answer": "我也来答"}, follow_redirects=True
    )
    assert texts.HANDOFF_TAKEN.format(name="Editor") in refused.get_data(as_text=True)
    assert auth.post(f"/admin/handoffs/{handoff_id}/release").status_code == 403
    with app.extensions["shebao"].db.session() as s:
        handoff = s.get(Handoff, handoff_id)
        assert handoff is not None and handoff.answer is None
    auth.logout()

    auth.login("editor")
    auth.post(f"/admin/handoffs/{handoff_id}/release")
    assert "未认领" in _row(client.get("/admin/handoffs").get_data(as_text=True), handoff_id)
    with app.extensions["shebao"].db.session() as s:
        actions = s.scalars(select(AuditLog.action).where(AuditLog.target == str(handoff_id))).all()
    assert list(actions) == ["handoff_claim", "handoff_release"]


@pytest.mark.parametrize(
    ("channel", "ago", "state"),
    [
        ("wechat", timedelta(hours=3), "now"),
        ("wechat", timedelta(hours=50), "window_passed"),
        ("wechat", timedelta(hours=47, minutes=58), "window_passed"),  # inside the margin
        ("miniprogram", timedelta(minutes=5), "channel"),  # the mini-program cannot be sent to
    ],
)
def test_the_list_and_the_page_say_the_same_about_sending(
    client: FlaskClient,
    auth: AuthActions,
    app: Flask,
    channel: str,
    ago: timedelta,
    state: str,
) -> None:
    handoff_id = _handoff(app, "o-window", ago=ago, channel=channel)
    auth.login("editor")
    row = _row(client.get("/admin/handoffs").get_data(as_text=True), handoff_id)
    page = client.get(f"/admin/handoffs/{handoff_id}").get_data(as_text=True)
    assert texts.SEND_STATES[state] in row and texts.SEND_STATES[state] in page
    for other in set(texts.SEND_STATES) - {state}:
        assert texts.SEND_STATES[other] not in row and texts.SEND_STATES[other] not in page


def test_the_inbox_filters_by_kind_and_by_what_i_have_claimed(
    client: FlaskClient, auth: AuthActions, app: Flask
) -> None:
    fraud = _handoff(app, "o-f", "[report] x", question="有人冒领养老金我要举报")
    complaint = _handoff(app, "o-c", "[complaint]", question="窗口态度太差我要投诉")
    person = _handoff(app, "o-p", "", question="我要找人工客服")
    auth.login("editor")
    auth.post(f"/admin/handoffs/{complaint}/claim")

    def listed(query: str) -> set[int]:
        page = client.get(f"/admin/handoffs?{query}").get_data(as_text=True)
        table = page.split('<table class="list handoffs">')[1]
        return {i for i in (fraud, complaint, person) if f'/admin/handoffs/{i}"' in table}

    assert listed("") == {fraud, complaint, person}
    assert listed("kind=report") == {fraud}
    assert listed("kind=complaint") == {complaint}
    assert listed("kind=handoff") == {person}
    assert listed("mine=1") == {complaint}
    assert listed("mine=1&kind=report") == set()


def test_answering_takes_the_case_in_hand(
    client: FlaskClient, auth: AuthActions, app: Flask
) -> None:
    handoff_id = _handoff(app, "o-answer")
    auth.login("editor")
    auth.post(f"/admin/handoffs/{handoff_id}", {"answer": "请带身份证到窗口办理。"})
    row = _row(client.get("/admin/handoffs?status=all").get_data(as_text=True), handoff_id)
    assert "<strong>我</strong>" in row
    with app.extensions["shebao"].db.session() as s:
        actions = s.scalars(
            select(AuditLog.action).where(AuditLog.target == str(handoff_id)).order_by(AuditLog.id)
        ).all()
    assert list(actions)[:2] == ["handoff_claim", "handoff_reply"]
