"""A dispute through the real entry points: a signed WeChat text after an answer, and
``shebao ask --user`` twice. Both are recorded for staff with the disputed entry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import select

from app.cli import main
from bot import texts
from bot.models import Dispute
from shebao.db import Database
from tests.conftest import WeChatActions

FIXTURES = Path(__file__).parent / "fixtures"
OPENID = "oSheBao-disputer-0001"


def test_a_dispute_in_wechat(app: Flask, wechat: WeChatActions) -> None:
    app.extensions["shebao"].warm()  # as `shebao serve` does: the answer is in the reply
    answered = wechat.reply_text(wechat.post(xml=(FIXTURES / "question.xml").read_text("utf-8")))
    assert answered and "依据" in answered
    disputed = wechat.reply_text(wechat.post(xml=(FIXTURES / "dispute.xml").read_text("utf-8")))
    assert disputed and disputed.startswith(texts.DISPUTE_SORRY) and "转人工" in disputed
    with app.extensions["shebao"].db.session() as s:
        [dispute] = s.scalars(select(Dispute)).all()
        assert (dispute.channel, dispute.user_key) == ("wechat", f"wechat:{OPENID}")
        assert dispute.question == "单位不给我交社保怎么办" and dispute.said == "你说的不对吧"
        assert dispute.entry_id and dispute.answer.startswith(answered[:20])


def test_a_dispute_with_shebao_ask_user(
    prepared_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", prepared_database_url)
    runner = CliRunner()
    first = runner.invoke(main, ["ask", "--user", "cli-1", "--json", "单位不给我交社保怎么办"])
    assert first.exit_code == 0, first.output
    answered = json.loads(first.output)
    assert answered["outcome"] == "answered"
    second = runner.invoke(main, ["ask", "--user", "cli-1", "--json", "答非所问"])
    disputed = json.loads(second.output)
    assert disputed["answer"].startswith(texts.DISPUTE_SORRY)
    assert answered["faq_id"] not in [c["faq_id"] for c in disputed["candidates"]]
    db = Database(prepared_database_url)
    with db.session() as s:
        [dispute] = s.scalars(select(Dispute)).all()
        assert dispute.entry_id == answered["faq_id"] and dispute.user_key.endswith("cli-1")
    db.engine.dispose()
