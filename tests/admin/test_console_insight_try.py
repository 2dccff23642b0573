"""「试问」, 数据洞察 (SVG charts and CSV), and the ``shebao staff`` commands."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from console_helpers import AuthActions
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select

from app.cli import main
from bot.models import DialogueState, Exchange, Handoff
from shebao.clock import utcnow
from webhooks.admin import accounts
from webhooks.admin.models import AuditLog

pytestmark = pytest.mark.usefixtures("fixed_clock")  # The insight page counts days in China time.


def test_try_a_question_explains_the_answer(
    client: FlaskClient, auth: AuthActions, app: Flask
) -> None:
    auth.login("editor")
    page = client.get("/admin/try?text=失业保险金最长能领多长时间&region=江门市").get_data(
        as_text=True
    )
    assert "policy.faq" in page and "置信度" in page
    assert "unemployment-benefit-duration" in page
    assert "最接近的问法" in page and "共同词语" in page and "<meter" in page
    assert "——依据：" in page  # the reply, as WeChat shows it
    db = app.extensions["shebao"].db
    with db.session() as s:  # trying leaves no trace in the figures or the queue
        assert s.scalar(select(func.count()).select_from(Exchange)) == 0
        assert s.scalar(select(func.count()).select_from(DialogueState)) == 0
        assert s.scalars(select(AuditLog.action).where(AuditLog.action == "try")).all()
    handoff = client.get("/admin/try?text=转人工").get_data(as_text=True)
    assert "handoff.human" in handoff
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Handoff)) == 0


def _seed_exchanges(app: Flask) -> None:
    now = utcnow()
    rows = (
        [("answered", "policy.faq", "unemployment-benefit-duration")] * 6
        + [("clarified", "policy.faq", None)] * 2
        + [("abstained", "policy.faq", None)]
        + [("handed_off", "handoff.human", None)]
    )
    with app.extensions["shebao"].db.session() as s:
        for i, (outcome, intent, faq_id) in enumerate(rows):
            s.add(
                Exchange(
                    channel="wechat",
                    user_key=f"wechat:u{i}",
                    message="问题",
                    intent=intent,
                    confidence=0.9,
                    outcome=outcome,
                    faq_id=faq_id,
                    reply="…",
                    latency_ms=1.0,
                    created_at=now - timedelta(days=i % 3),
                )
            )


def test_insight_charts_and_csv(client: FlaskClient, auth: AuthActions, app: Flask) -> None:
    _seed_exchanges(app)
    auth.login("editor")
    page = client.get("/admin/insight?days=7").get_data(as_text=True)
    # questions, disputes, outcome rates over time, unanswered, outcomes, intents, entries, hours
    assert page.count('<svg class="chart ') == 8
    assert "已回答" in page and "60.0%" in page
    assert "失业保险金最长能领多长时间" in page  # the top entry by its question
    outcomes = client.get("/admin/insight/outcomes.csv?days=7")
    assert outcomes.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(outcomes.get_data().decode("utf-8-sig"))))
    assert rows[0] == ["outcome", "questions", "share_percent"]
    assert ["answered", "6", "60.0"] in rows and ["handed_off", "1", "10.0"] in rows
    daily = list(
        csv.reader(
            io.StringIO(
                client.get("/admin/insight/daily.csv?days=7").get_data().decode("utf-8-sig")
            )
        )
    )
    assert len(daily) == 8 and sum(int(n) for _, n in daily[1:]) == 10
    hours = list(
        csv.reader(
            io.StringIO(
                client.get("/admin/insight/hours.csv?days=90").get_data().decode("utf-8-sig")
            )
        )
    )
    assert len(hours) == 25
    assert client.get("/admin/insight/nothing.csv").status_code == 404


def test_staff_create_from_the_command_line(
    runner: FlaskCliRunner, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = app.extensions["shebao"].settings.database_url
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("SHEBAO_STAFF_PASSWORD", "first-admin-password")
    result = runner.invoke(main, ["staff", "create", "boss", "--role", "admin"])
    assert result.exit_code == 0, result.output
    monkeypatch.delenv("SHEBAO_STAFF_PASSWORD")
    result = runner.invoke(
        main, ["staff", "create", "clerk"], input="prompted-password\nprompted-password\n"
    )
    assert result.exit_code == 0, result.output
    again = runner.invoke(
        main, ["staff", "create", "boss"], input="x" * 12 + "\n" + "x" * 12 + "\n"
    )
    assert again.exit_code != 0 and "already exists" in again.output
    short = runner.invoke(main, ["staff", "create", "shorty"], input="short\nshort\n")
    assert short.exit_code != 0 and "at least 10" in short.output
    listed = runner.invoke(main, ["staff", "list"])
    assert "boss\tadmin\tactive" in listed.output and "clerk\teditor\tactive" in listed.output
    with app.extensions["shebao"].db.session() as s:
        limits = accounts.Limits()
        assert accounts.authenticate(s, "boss", "first-admin-password", "t", limits)
        assert accounts.authenticate(s, "clerk", "prompted-password", "t", limits)
