"""The unanswered queue holds questions only: no conversation turns (a bare place name, a list
number, 都不是), no own-record lookups; 据此新建条目 prefills the citizens' wordings."""

from __future__ import annotations

import re

import pytest
from console_helpers import AuthActions
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from bot.models import Exchange
from bot.types import Message
from webhooks.admin import unanswered

pytestmark = pytest.mark.usefixtures("fixed_clock")

CONVERSATIONS = {
    "o-region": ["基础养老金一个月多少", "江门", "都不是", "1"],
    "o-veteran": ["退役军人社保怎么接续", "江门", "2", "都不是"],
    "o-turns": ["蓬江区", "12", "好的", "第2个"],
    "o-records": ["帮我查下我社保交了几个月", "我这个月养老金到账了吗"],
}
TURNS = ["江门", "都不是", "1", "2", "12", "好的", "第2个", "蓬江区"]


def _clusters(client: FlaskClient) -> str:
    return client.get("/admin/queue").get_data(as_text=True).split('<datalist id="entry-ids">')[0]


def test_turns_and_own_record_lookups_stay_out_of_the_queue(
    client: FlaskClient, auth: AuthActions, app: Flask
) -> None:
    bot = app.extensions["shebao"].bot
    for user, texts in CONVERSATIONS.items():
        for text in texts:
            bot.handle(Message(channel="wechat", user=user, text=text))
    with app.extensions["shebao"].db.session() as s:
        # Own-record lookups with a low confidence (as a misheard voice message would be).
        s.add(
            Exchange(
                channel="wechat",
                user_key="wechat:o-records",
                message="我养老金怎么还没到",
                normalized="我养老金怎么还没到",
                intent="personal.pension",
                confidence=0.3,
                outcome="clarified",
                reply="…",
                latency_ms=1.0,
            )
        )
        noisy = [
            e.message
            for e in s.scalars(select(Exchange).where(unanswered.in_queue()))
            if unanswered.is_conversation_turn(e.message)
        ]
    assert noisy, "the engine recorded turns that a confidence filter alone would queue"

    auth.login("editor")
    page = _clusters(client)
    examples = [  # the citizens' wordings of each cluster (not the passages shown beside them)
        text
        for block in re.findall(r'<ul class="examples">(.*?)</ul>', page, re.S)
        for text in re.findall(r"<li>([^<]+?)(?: <small>|</li>)", block)
    ]
    assert "退役军人社保怎么接续" in examples
    for turn in TURNS:
        assert turn not in examples, turn
    for lookup in ("帮我查下我社保交了几个月", "我这个月养老金到账了吗", "我养老金怎么还没到"):
        assert lookup not in page
    total = int(re.search(r"<small>(\d+) 个问题", page).group(1))  # type: ignore[union-attr]
    assert total == len(examples)
    home = client.get("/admin/").get_data(as_text=True)
    assert f"<strong>{total}</strong><span>个问题未能解答" in home  # the same count


@pytest.mark.parametrize(
    ("text", "turn"),
    [
        ("江门", True),
        ("我在江门。", True),
        ("台山", True),
        ("都不是", True),
        ("好的！", True),
        ("3", True),
        ("第二个", True),
        ("养老", False),
        ("江门失业金怎么领", False),
        ("退役军人社保怎么接续", False),
    ],
)
def test_what_counts_as_a_conversation_turn(text: str, turn: bool) -> None:
    assert unanswered.is_conversation_turn(text) is turn


def test_a_new_entry_from_the_queue_takes_every_wording_once(
    client: FlaskClient, auth: AuthActions, app: Flask
) -> None:
    wordings = [
        "退役军人社保怎么接续",
        "退役军人社保怎么接续？",
        "退役军人的社保怎么接续",
        "都不是",
    ]
    with app.extensions["shebao"].db.session() as s:
        rows = [
            Exchange(
                channel="wechat",
                user_key=f"wechat:o-{i}",
                message=text,
                normalized=text,
                intent="policy.faq",
                confidence=0.2,
                outcome="abstained",
                reply="…",
                latency_ms=1.0,
            )
            for i, text in enumerate([*wordings, wordings[0]])
        ]
        s.add_all(rows)
        s.flush()
        ids = ",".join(str(r.id) for r in rows)
    auth.login("editor")
    form = client.get(f"/admin/entries/new?exchanges={ids}").get_data(as_text=True)
    question = re.search(r'id="question"[^>]*value="([^"]*)"', form)
    assert question and question.group(1) == "退役军人社保怎么接续"
    similar = re.search(r'<textarea[^>]*id="similar_questions"[^>]*>\s*([^<]*)</textarea>', form)
    assert similar and similar.group(1).split() == ["退役军人的社保怎么接续"]
    assert "已用市民的2种问法预填" in form and "其余1个作为其他问法" in form


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("生育津贴怎么算", "工伤津贴怎么算"),
        ("养老", "养老金怎么领"),
        ("社保卡丢了怎么办", "社保怎么交"),
        ("社保卡丢了怎么办", "医保卡丢了怎么补"),
        ("我想问问怎么办", "社保怎么办"),
    ],
)
def test_unrelated_questions_are_not_one_cluster(a: str, b: str) -> None:
    assert unanswered.similarity(a, b) < unanswered.SIMILAR_AT


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("退役军人社保怎么接续", "退役军人社保接续怎么办理"),
        ("社保卡能在国外用吗", "在国外社保卡能不能用"),  # other order, other frame words
        ("社保怎么转移", "社保转移怎么办"),
        ("失业金怎么领", "失业金咋领"),
    ],
)
def test_the_same_question_asked_differently_is_one_cluster(a: str, b: str) -> None:
    assert unanswered.similarity(a, b) >= unanswered.SIMILAR_AT
