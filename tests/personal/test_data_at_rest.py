"""Personal data at rest (issue 13, defect 4): after a binding and an application through
``/wechat``, and a citizen typing their numbers into a question, no table of the bot's
database (nor, on SQLite, its file and WAL) holds a full ID, phone or bank card number.

The numbers are kept sealed (bot/personal/sealed.py) where a form or a kept application needs them
back, masked (shebao/masking.py) everywhere else. The sandbox core is another service with a
database of its own (it *is* the bureau's record), so it is not searched.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import CHEN, GOOD_CARD, Sandbox, text_xml, wechat_app_config
from flask import Flask
from sqlalchemy import MetaData, select
from sqlalchemy.engine import make_url

from bot.understanding import Understanding

SECRETS = (CHEN["id"], CHEN["phone"], GOOD_CARD)

pytestmark = pytest.mark.usefixtures("fixed_clock")  # leaving dates are measured from today


@pytest.fixture
def app_config(
    prepared_database_url: str,
    sandbox: Sandbox,
    understanding: Understanding,
    monkeypatch: pytest.MonkeyPatch,
) -> dict[str, Any]:
    return wechat_app_config(
        prepared_database_url,
        sandbox,
        understanding,
        monkeypatch,
        4.0,
        secret_key="test-secret-for-sealing",
    )


def every_value(app: Flask) -> list[tuple[str, str, str]]:
    """(table, column, text) of every non-empty value in every table of the app's database."""
    db = app.extensions["shebao"].db
    found: list[tuple[str, str, str]] = []
    metadata = MetaData()
    with db.engine.connect() as conn:
        metadata.reflect(conn)
        for table in metadata.sorted_tables:
            for row in conn.execute(select(table)).mappings():
                for column, value in row.items():
                    if value is not None:
                        text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
                        found.append((table.name, column, text))
    return found


def test_no_full_number_at_rest_after_a_binding_and_an_application(
    app: Flask, wechat: Any, sandbox: Sandbox
) -> None:
    openid = "oSheBao-at-rest-0001"
    replies: list[str] = []

    def say(text: str) -> str:
        response = wechat.post(xml=text_xml(openid, text))
        assert response.status_code == 200
        reply = wechat.reply_text(response) or ""
        replies.append(reply)
        app.extensions["wechat"].ledger.flush()
        return reply

    # Numbers typed into questions (kept as the dialogue's last question / abstention).
    say(f"我身份证{CHEN['id']}手机{CHEN['phone']}卡号{GOOD_CARD}，失业金怎么领")
    say(f"{CHEN['id']} 这个号能查啥")
    say("实名绑定")
    say(f"{CHEN['id']} {CHEN['name']} {CHEN['phone']}")
    assert "绑定成功" in say("123456")
    say("我被辞退了，想申请失业金")
    for answer in ("是", "是", GOOD_CARD, CHEN["phone"], "是"):
        say(answer)
    done = say("确认")
    assert "申请已提交" in done, replies
    say(f"进度 我手机是{CHEN['phone']}")
    say(f"银行卡{GOOD_CARD}能换吗")

    leaks = [
        (table, column, secret)
        for table, column, text in every_value(app)
        for secret in SECRETS
        if secret in text
    ]
    assert leaks == []

    app.extensions["wechat"].shutdown()
    url = make_url(app.extensions["shebao"].db.url)
    if url.get_backend_name() == "sqlite" and url.database:
        files = [p for p in (Path(url.database), Path(url.database + "-wal")) if p.exists()]
        assert files and files[0].stat().st_size > 0
        for path in files:  # earlier versions of overwritten rows live on in the pages
            raw = path.read_bytes()
            assert [s for s in SECRETS if s.encode() in raw] == [], path.name
