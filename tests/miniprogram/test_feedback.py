"""POST /api/mp/feedback: one rating per answer and user (the last counts), never on another
user's answer, rate-limited; a not-helpful rating reaches staff as a dispute."""

from __future__ import annotations

from conftest import MiniProgram
from flask import Flask
from sqlalchemy import func, select

from bot.models import AnswerFeedback, Dispute
from shebao.settings import Settings


def _answer(mp: MiniProgram) -> int:
    r = mp.post("/ask", {"text": "单位不给我交社保怎么办"})
    assert r.status_code == 200
    answer_id = r.get_json()["answer_id"]
    assert isinstance(answer_id, int)
    return answer_id


def _count(app: Flask, model: type, answer_id: int) -> int:
    with app.extensions["shebao"].db.session() as s:
        column = model.exchange_id  # type: ignore[attr-defined]
        return int(s.scalar(select(func.count()).select_from(model).where(column == answer_id)))


def test_feedback_is_idempotent_and_not_helpful_is_a_dispute(
    mp: MiniProgram, mp_app: Flask
) -> None:
    answer_id = _answer(mp)
    for _ in range(2):
        r = mp.post("/feedback", {"answer_id": answer_id, "helpful": False, "comment": "没说清楚"})
        assert r.status_code == 200 and r.get_json()["recorded"] is True
    assert _count(mp_app, AnswerFeedback, answer_id) == 1
    assert _count(mp_app, Dispute, answer_id) == 1
    with mp_app.extensions["shebao"].db.session() as s:
        dispute = s.scalar(select(Dispute).where(Dispute.exchange_id == answer_id))
        assert dispute is not None and dispute.kind == "not_helpful"
        assert dispute.said == "没说清楚" and dispute.question == "单位不给我交社保怎么办"
    changed = mp.post("/feedback", {"answer_id": answer_id, "helpful": True})
    assert changed.status_code == 200
    assert _count(mp_app, AnswerFeedback, answer_id) == 1
    assert _count(mp_app, Dispute, answer_id) == 0  # they changed their mind: nothing to review


def test_another_users_answer_is_not_found(mp: MiniProgram, mp_app: Flask) -> None:
    answer_id = _answer(mp)
    other = MiniProgram(mp_app.test_client()).login()
    r = other.post("/feedback", {"answer_id": answer_id, "helpful": False})
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "not_found"
    assert _count(mp_app, AnswerFeedback, answer_id) == 0
    missing = mp.post("/feedback", {"answer_id": 10**9, "helpful": True})
    assert missing.status_code == 404


def test_fields_are_checked(mp: MiniProgram) -> None:
    answer_id = _answer(mp)
    for bad, field in [
        ({"answer_id": "1", "helpful": True}, "answer_id"),
        ({"answer_id": True, "helpful": True}, "answer_id"),
        ({"answer_id": answer_id, "helpful": "yes"}, "helpful"),
        ({"answer_id": answer_id, "helpful": False, "comment": "长" * 201}, "comment"),
    ]:
        r = mp.post("/feedback", bad)
        assert r.status_code == 400 and r.get_json()["error"]["field"] == field


def test_feedback_is_rate_limited(mp: MiniProgram, anonymous: MiniProgram) -> None:
    answer_id = _answer(mp)
    limit = Settings().feedback_per_minute
    codes = [
        mp.post("/feedback", {"answer_id": answer_id, "helpful": True}).status_code
        for _ in range(limit + 1)
    ]
    assert codes[:limit] == [200] * limit and codes[limit] == 429
    assert anonymous.post("/feedback", {"answer_id": answer_id, "helpful": True}).status_code == 401
