"""Dead background jobs in the staff console: counted on the home page, listed with their last
error, sent round again by a reviewer (not by an editor)."""

from __future__ import annotations

from typing import Any

from console_helpers import AuthActions
from flask import Flask
from sqlalchemy import select

from shebao.outbox import GiveUp, Outbox, enqueue
from shebao.outbox_models import OutboxJob


def _dead_job(app: Flask) -> int:
    db = app.extensions["shebao"].db
    worker = app.extensions.get("outbox_worker")
    if worker is not None:  # the in-process worker would take the job first
        worker.stop()
    enqueue(db, "wechat.send_text", {"openid": "o-x", "text": "您好", "ref": "t:1"}, key="t:1")
    outbox = Outbox(db, name="test-worker")
    [job] = outbox.claim()
    assert outbox.fail(job, GiveUp("errcode 45015: response out of time limit")) == "dead"
    return job.id


def test_dead_jobs_show_on_home_and_their_page(app: Flask, auth: AuthActions, client: Any) -> None:
    job_id = _dead_job(app)
    auth.login("editor")
    home = client.get("/admin/").get_data(as_text=True)
    assert "个后台任务多次失败" in home and "/admin/outbox" in home
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert f"任务 {job_id}" in page and "errcode 45015" in page and "发送客服消息" in page
    assert f"/admin/outbox/{job_id}/retry" not in page  # editors only look
    assert auth.post(f"/admin/outbox/{job_id}/retry").status_code == 403


def test_a_reviewer_sends_a_dead_job_round_again(
    app: Flask, auth: AuthActions, client: Any
) -> None:
    job_id = _dead_job(app)
    auth.login("reviewer")
    response = auth.post(f"/admin/outbox/{job_id}/retry", follow_redirects=True)
    assert "已重新排队" in response.get_data(as_text=True)
    with app.extensions["shebao"].db.session() as s:
        job = s.scalar(select(OutboxJob).where(OutboxJob.id == job_id))
        assert job is not None and (job.status, job.attempts) == ("pending", 0)
    again = auth.post(f"/admin/outbox/{job_id}/retry", follow_redirects=True)
    assert "不在失败列表里" in again.get_data(as_text=True)
    assert "没有失败的后台任务" in client.get("/admin/outbox").get_data(as_text=True)
