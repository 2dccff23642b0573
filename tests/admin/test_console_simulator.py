"""「试问」 as a conversation simulator: it keeps the conversation, shows each turn's intent,
decision and candidates, starts fresh, takes the asker's region and binding, tries drafts, and
leaves nothing behind (it rehearses with ``Bot.explain``)."""

from __future__ import annotations

import html
import re

from console_helpers import AuthActions
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from bot.models import DialogueState, Exchange
from bot.personal.models import Binding, Verification
from knowledge.curation import create_draft
from knowledge.schema import EntryData


def _talk(client: FlaskClient, said: list[str], **settings: str) -> tuple[str, list[str]]:
    """The page after saying ``said`` in turn, and the bot's bubbles on it."""
    query = [("said", s) for s in said[:-1]] + [("text", said[-1]), *settings.items()]
    page = client.get("/admin/try", query_string=query).get_data(as_text=True)
    bubbles = re.findall(r'class="bubble bubble-bot">(.*?)</div>', page, re.S)
    return page, [html.unescape(b) for b in bubbles]


def _rows(app: Flask) -> list[int]:
    with app.extensions["shebao"].db.session() as s:
        return [
            s.scalar(select(func.count()).select_from(t)) or 0
            for t in (Exchange, DialogueState, Binding, Verification)
        ]


def test_a_form_goes_on_across_turns_and_leaves_no_row(
    client: FlaskClient, auth: AuthActions, app: Flask
) -> None:
    auth.login("editor")
    page, bubbles = _talk(client, ["我的养老金发了多少", "440703199001011239"])
    assert len(bubbles) == 2 and "身份证号" in bubbles[0] and "第2步" in bubbles[1]
    assert page.count('<input type="hidden" name="said"') == 2  # the conversation so far
    assert "第2轮" in page and "办事表单" in page and "personal.pension" in page
    assert "440703199001011239" not in bubbles[1]
    assert "重新开始" in page and 'name="region" value=""' in page  # settings kept, hidden
    assert _rows(app) == [0, 0, 0, 0]


def test_bound_as_a_demo_person_shows_their_own_record(
    client: FlaskClient, auth: AuthActions, app: Flask
) -> None:
    auth.login("editor")
    start = client.get("/admin/try").get_data(as_text=True)
    assert "已绑定：李秀英（茂名市，演示数据）" in start  # the sandbox's people to be
    _, bound = _talk(client, ["我的养老金发了多少"], who="1")
    _, unbound = _talk(client, ["我的养老金发了多少"])
    assert "2355.37元" in bound[0]
    assert "2355.37" not in unbound[0] and "实名绑定" in unbound[0]
    assert _rows(app) == [0, 0, 0, 0]


def test_the_region_chosen_and_a_city_named_later(
    client: FlaskClient, auth: AuthActions, app: Flask
) -> None:
    auth.login("editor")
    page, _ = _talk(client, ["失业保险金最长能领多长时间", "我在茂名"], region="江门市")
    metas = re.findall(r'class="muted turn-meta">(.*?)</small>', page, re.S)
    assert "地区 江门市" in metas[0] and "地区 茂名市" in metas[1]
    assert "现在记住的地区：茂名市" in page
    assert "unemployment-benefit-duration" in metas[0]  # the entry answered, linked


def test_drafts_are_tried_before_they_are_published(
    client: FlaskClient, auth: AuthActions, app: Flask
) -> None:
    answer = "可以到社保卡合作银行网点申请加急补办，一般当场领卡（草稿）。"
    with app.extensions["shebao"].db.session() as s:
        create_draft(
            s,
            EntryData(
                id="draft-card-urgent",
                question="社保卡能不能在银行网点加急补办？",
                similar_questions=[
                    "社保卡可以加急补办吗",
                    "社保卡加急办要多久",
                    "社保卡当天能拿到吗",
                ],
                answer=answer,
                region="全国",
                category="社保卡",
                source_title="测试",
                status="draft",
            ),
            "editor",
        )
    auth.login("editor")
    _, live = _talk(client, ["社保卡可以加急补办吗"])
    _, drafts = _talk(client, ["社保卡可以加急补办吗"], drafts="y")
    assert answer not in live[0]
    assert answer in drafts[0]
    again, _ = _talk(client, ["社保卡可以加急补办吗", "谢谢"], drafts="y")
    assert "含草稿条目" in again  # the setting holds for the conversation
