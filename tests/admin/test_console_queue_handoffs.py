"""The unanswered queue, the hand-off inbox and ``pending_staff_replies``."""

from __future__ import annotations

from datetime import timedelta

import pytest
from console_helpers import AuthActions
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from bot.models import Exchange, Handoff
from knowledge import curation
from shebao.clock import utcnow
from webhooks.admin import texts
from webhooks.admin.handoffs import pending_staff_replies
from webhooks.models import OutboundMessage

pytestmark = pytest.mark.usefixtures(
    "fixed_clock"
)  # WeChat's 48-hour window and the queue's ages are measured from now.

VETERANS = ["退役军人社保怎么接续", "退役军人的社保怎么接续", "退役军人社保接续怎么办理"]
ABROAD = ["社保卡能在国外用吗", "在国外社保卡能不能用"]


def _exchange(
    s,
    text: str,
    outcome: str = "abstained",
    confidence: float = 0.2,  # type: ignore[no-untyped-def]
    user: str = "wechat:o-user",
    **kw,
) -> Exchange:
    ex = Exchange(
        channel="wechat",
        user_key=user,
        message=text,
        normalized=text,
        intent="policy.faq",
        confidence=confidence,
        outcome=outcome,
        reply="…",
        latency_ms=1.0,
        created_at=kw.pop("created_at", utcnow()),
        **kw,
    )
    s.add(ex)
    s.flush()
    return ex


def _clusters(client: FlaskClient) -> str:
    """The queue page without the list of entries offered for "add to an entry"."""
    return client.get("/admin/queue").get_data(as_text=True).split('<datalist id="entry-ids">')[0]


def _seed_queue(app: Flask) -> list[int]:
    with app.extensions["shebao"].db.session() as s:
        ids = [_exchange(s, q).id for q in VETERANS]
        ids += [_exchange(s, q, outcome="clarified", confidence=0.5).id for q in ABROAD]
        _exchange(s, "失业金能领几个月", outcome="answered", confidence=0.9)  # answered well
        _exchange(s, "转人工", outcome="handed_off", confidence=0.3)  # has its own inbox
        _exchange(s, "退役军人社保接续", triage="dismissed")  # already triaged
    return ids


def test_queue_groups_similar_questions(client: FlaskClient, auth: AuthActions, app: Flask) -> None:
    _seed_queue(app)
    auth.login("editor")
    page = _clusters(client)
    assert "5 个问题，2 组" in page
    assert "3 次" in page and "2 次" in page
    for q in VETERANS + ABROAD:
        assert q in page
    assert "失业金能领几个月" not in page
    assert "转人工</li>" not in page


def test_a_cluster_starts_a_new_entry(client: FlaskClient, auth: AuthActions, app: Flask) -> None:
    ids = _seed_queue(app)
    auth.login("editor")
    veterans = ",".join(map(str, ids[:3]))
    form = client.get(f"/admin/entries/new?exchanges={veterans}").get_data(as_text=True)
    for q in VETERANS:
        assert q in form
    response = auth.post(
        "/admin/entries/new",
        {
            "id": "veterans-transfer",
            "question": VETERANS[0],
            "similar_questions": "\n".join(VETERANS[1:]),
            "answer": "退役军人社保接续的答复。",
            "region": "全国",
            "category": "参保缴费",
            "source_title": "退役军人保险关系转移接续办法",
            "exchanges": veterans,
            "action": "submit",
        },
    )
    assert response.status_code == 302
    page = _clusters(client)
    assert "2 个问题，1 组" in page and VETERANS[0] not in page
    with app.extensions["shebao"].db.session() as s:
        triaged = s.scalars(select(Exchange.triage).where(Exchange.id.in_(ids[:3]))).all()
        assert set(triaged) == {"resolved"}


def test_a_cluster_adds_ways_of_asking_to_an_entry_for_review(
    client: FlaskClient, auth: AuthActions, app: Flask
) -> None:
    ids = _seed_queue(app)
    auth.login("editor")
    entry = "card-lost-replacement-jinhu"
    response = auth.post(
        "/admin/queue/add", {"ids": ",".join(map(str, ids[3:])), "entry_id": entry}
    )
    assert response.status_code == 302 and response.location.endswith(entry)
    with app.extensions["shebao"].db.session() as s:
        work = curation.working_copy(s, entry)
        live = curation.get_entry(s, entry)
        assert work.pending and work.status == "review"
        assert set(ABROAD) <= set(work.data["similar_questions"])
        assert not set(ABROAD) & set(live.similar_questions)  # live only after review
    assert "2 组" not in client.get("/admin/queue").get_data(as_text=True)


def test_dismissing_a_cluster(client: FlaskClient, auth: AuthActions, app: Flask) -> None:
    ids = _seed_queue(app)
    auth.login("editor")
    auth.post("/admin/queue/dismiss", {"ids": ",".join(map(str, ids[:3]))})
    page = client.get("/admin/queue").get_data(as_text=True)
    assert "2 个问题，1 组" in page
    with app.extensions["shebao"].db.session() as s:
        assert set(s.scalars(select(Exchange.triage).where(Exchange.id.in_(ids[:3])))) == {
            "dismissed"
        }


def _handoff(app: Flask, user: str, last_message_ago: timedelta, channel: str = "wechat") -> int:
    with app.extensions["shebao"].db.session() as s:
        _exchange(
            s,
            "转人工",
            outcome="handed_off",
            confidence=0.9,
            user=f"{channel}:{user}",
            created_at=utcnow() - last_message_ago,
        )
        handoff = Handoff(
            channel=channel,
            user_key=f"{channel}:{user}",
            question="我的情况比较特殊，灵活就业断缴了还能补吗",
            created_at=utcnow() - last_message_ago,
        )
        s.add(handoff)
        s.flush()
        return handoff.id


def test_a_reply_within_48_hours_goes_out_as_a_customer_service_message(
    client: FlaskClient, auth: AuthActions, app: Flask
) -> None:
    handoff_id = _handoff(app, "o-recent", timedelta(hours=3))
    auth.login("editor")
    inbox = client.get("/admin/handoffs").get_data(as_text=True)
    assert "灵活就业断缴了还能补吗" in inbox and "48小时内" in inbox
    response = auth.post(
        f"/admin/handoffs/{handoff_id}",
        {"answer": "可以按规定补缴，请带身份证到窗口办理。"},
        follow_redirects=True,
    )
    assert texts.HANDOFF_SENT in response.get_data(as_text=True)
    with app.extensions["shebao"].db.session() as s:
        sent = s.scalars(select(OutboundMessage)).all()
        handoff = s.get(Handoff, handoff_id)
        assert handoff is not None and handoff.status == "delivered"
        assert handoff.answered_by == "editor" and handoff.delivered_at is not None
    assert [(m.openid, m.ref) for m in sent] == [("o-recent", f"handoff:{handoff_id}")]
    assert "可以按规定补缴" in sent[0].content and "【工作人员答复】" in sent[0].content
    assert pending_staff_replies(app.extensions["shebao"].db, "wechat:o-recent") == []
    again = auth.post(
        f"/admin/handoffs/{handoff_id}", {"answer": "再答一次"}, follow_redirects=True
    )
    assert texts.HANDOFF_ALREADY in again.get_data(as_text=True)


def test_after_48_hours_the_reply_waits_for_the_next_message(
    client: FlaskClient, auth: AuthActions, app: Flask
) -> None:
    handoff_id = _handoff(app, "o-old", timedelta(hours=50))
    auth.login("reviewer")
    page = client.get(f"/admin/handoffs/{handoff_id}").get_data(as_text=True)
    assert texts.SEND_STATES["window_passed"] in page
    response = auth.post(
        f"/admin/handoffs/{handoff_id}", {"answer": "请拨打12333咨询。"}, follow_redirects=True
    )
    assert texts.HANDOFF_KEPT in response.get_data(as_text=True)
    db = app.extensions["shebao"].db
    with db.session() as s:
        assert s.scalars(select(OutboundMessage)).all() == []
        handoff = s.get(Handoff, handoff_id)
        assert handoff is not None and handoff.status == "answered"
    replies = pending_staff_replies(db, "wechat:o-old")
    assert len(replies) == 1 and "请拨打12333咨询。" in replies[0]
    assert pending_staff_replies(db, "wechat:o-old") == []  # shown once
    assert pending_staff_replies(db, "wechat:someone-else") == []
    with db.session() as s:
        handoff = s.get(Handoff, handoff_id)
        assert handoff is not None and handoff.status == "delivered"
    page = client.get(f"/admin/handoffs/{handoff_id}").get_data(as_text=True)
    assert "据此新建知识库条目" in page
    form = client.get(f"/admin/entries/new?handoff={handoff_id}").get_data(as_text=True)
    assert "请拨打12333咨询。" in form and "灵活就业断缴了还能补吗" in form


def test_mini_program_replies_wait_for_the_next_visit(auth: AuthActions, app: Flask) -> None:
    handoff_id = _handoff(app, "mp-user", timedelta(minutes=5), channel="miniprogram")
    auth.login("editor")
    auth.post(f"/admin/handoffs/{handoff_id}", {"answer": "已为您登记。"})
    db = app.extensions["shebao"].db
    with db.session() as s:
        assert s.scalars(select(OutboundMessage)).all() == []
    assert len(pending_staff_replies(db, "miniprogram:mp-user")) == 1


def test_closing_a_handoff(client: FlaskClient, auth: AuthActions, app: Flask) -> None:
    handoff_id = _handoff(app, "o-close", timedelta(hours=1))
    auth.login("editor")
    auth.post(f"/admin/handoffs/{handoff_id}/close")
    with app.extensions["shebao"].db.session() as s:
        handoff = s.get(Handoff, handoff_id)
        assert handoff is not None and handoff.status == "closed"
    assert "没有这类转人工问题" in client.get("/admin/handoffs").get_data(as_text=True)


class _BrokenSender:
    def send_text(
        self, openid: str, text: str, *, ref: str | None = None, reason: str = ""
    ) -> bool:
        raise RuntimeError("errcode 45015: response out of time limit")


def test_a_failed_send_keeps_the_reply_for_the_next_message(
    client: FlaskClient, auth: AuthActions, app: Flask
) -> None:
    app.extensions["wechat"].__dict__["sender"] = _BrokenSender()  # the Responder's cached one
    handoff_id = _handoff(app, "o-broken", timedelta(hours=1))
    auth.login("editor")
    response = auth.post(
        f"/admin/handoffs/{handoff_id}", {"answer": "稍后答复。"}, follow_redirects=True
    )
    assert "客服消息发送失败" in response.get_data(as_text=True)
    replies = pending_staff_replies(app.extensions["shebao"].db, "wechat:o-broken")
    assert len(replies) == 1 and "稍后答复。" in replies[0]


def test_a_cluster_shows_the_document_passages_closest_to_it(
    client: FlaskClient, auth: AuthActions, app: Flask
) -> None:
    with app.extensions["shebao"].db.session() as s:
        _exchange(s, "金湖县的第三代社保卡现在有多少人持有")
    auth.login("editor")
    page = _clusters(client)
    near = page.split("政策文件里最接近的段落")[1].split("</div>")[0]
    assert "持卡人数" in near and "金湖县" in near  # 金湖's newsletter, quoted
    assert "/admin/documents/" in near and "/admin/entries/new?passage=" in near
