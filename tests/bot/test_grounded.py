"""Grounded answers through ``Bot.handle``: a document's own sentence, its citation, the region
and in-force rules, and no answer from a weak passage."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from dbutil import DatabaseTemplate

import knowledge.passage_store
from app.registrations import build_bot
from bot import grounded
from bot.engine import Bot
from bot.types import Message, Reply
from knowledge.document_models import Passage
from knowledge.documents import import_document, validate_document
from shebao.db import Database
from shebao.settings import Settings

JINHU_CARDS = "金湖县第三代社保卡持卡人数有多少"
NOTICE = "经研究，我市失业保险金标准调整为每人每月1986元。领取期间由失业保险基金代缴医疗保险费。"


@pytest.fixture
def db(database_template: DatabaseTemplate, tmp_path: Path) -> Iterator[Database]:
    database = Database(database_template.copy(tmp_path, "grounded.db"))
    yield database
    database.engine.dispose()


@pytest.fixture
def bot(db: Database, monkeypatch: pytest.MonkeyPatch) -> Bot:
    monkeypatch.setattr(knowledge.passage_store, "RELOAD_CHECK_SECONDS", 0.0)  # see imports
    return build_bot(Settings(database_url=db.url), db, today=date(2026, 11, 20))


def ask(bot: Bot, text: str, region: str | None = None, user: str | None = None) -> Reply:
    return bot.handle(Message("wechat", user or f"t-{uuid.uuid4().hex}", text, region))


def add_notice(db: Database, **fields: str) -> None:
    data, problems = validate_document(
        {"title": "关于调整失业保险金标准的通知", "date": "2026-11-01", "region": "江门市"}
        | fields,
        NOTICE,
        "test",
    )
    assert problems == [] and data is not None
    with db.session() as s:
        import_document(s, data, "test")


def quoted_text(reply: Reply) -> str:
    first = reply.text.split("\n")[0]
    assert first.startswith("文件原文：“") and first.endswith("”")
    return first.removeprefix("文件原文：“").removesuffix("”")


def test_a_fact_only_a_seed_states_is_quoted_with_its_source(bot: Bot, db: Database) -> None:
    reply = ask(bot, JINHU_CARDS)
    assert reply.outcome == "answered" and reply.passage is not None and reply.faq_id is None
    assert "11.5万" in reply.text
    title = "《县社保中心“下沉”打造经办服务“幸福门”等社保工作简讯》"
    assert f"——摘自{title} 2024年（适用：金湖县）" in reply.text
    doc_id, position = reply.passage.split("#")
    with db.session() as s:
        passage = s.query(Passage).filter_by(document_id=doc_id, position=int(position)).one()
        assert passage.answered == 1  # counted for the console
        for part in quoted_text(reply).strip("…").split("…"):
            assert part.replace(" ", "") in passage.text.replace(" ", "")  # one passage's words


def test_another_places_document_is_not_quoted(bot: Bot) -> None:
    reply = ask(bot, "第三代社保卡持卡人数有多少", region="茂名市")
    assert reply.passage is None or "金湖" not in reply.text
    assert "11.5万" not in reply.text


def test_a_weak_passage_is_not_an_answer(bot: Bot) -> None:
    for text in ("社保卡密码忘了怎么重置", "江门灵活就业人员医保断缴了三个月怎么补"):
        reply = ask(bot, text)
        assert reply.passage is None, reply.text


def test_a_new_document_answers_its_own_figure_at_once(bot: Bot, db: Database) -> None:
    question = "江门失业保险金标准每月多少钱"
    assert "1986" not in ask(bot, question).text
    add_notice(db, number="江人社函〔2026〕99号")
    reply = ask(bot, question)
    assert reply.passage is not None and "每人每月1986元" in reply.text
    source = "《关于调整失业保险金标准的通知》 江人社函〔2026〕99号 2026-11-01"
    assert f"——摘自{source}（适用：江门市）" in reply.text
    assert "1986" not in ask(bot, "失业保险金标准每月多少钱", region="茂名市").text


def test_a_document_not_yet_in_force_is_not_quoted(bot: Bot, db: Database) -> None:
    add_notice(db, effective_from="2027-01-01")
    assert "1986" not in ask(bot, "江门失业保险金标准每月多少钱").text


def test_an_expired_document_answers_only_for_its_year(bot: Bot, db: Database) -> None:
    add_notice(db, date="2023-01-01", effective_from="2023-01-01", effective_to="2023-12-31")
    assert "1986" not in ask(bot, "江门失业保险金标准每月多少钱").text
    dated = ask(bot, "2023年江门失业保险金标准每月多少钱")
    assert dated.passage is not None and "1986" in dated.text
    assert "这是2023年的规定，现已不再执行" in dated.text


def test_the_pointer_opens_the_close_entry(bot: Bot) -> None:
    user = f"t-{uuid.uuid4().hex}"
    reply = ask(bot, JINHU_CARDS, user=user)
    assert "相关问答：" in reply.text
    opened = ask(bot, "1", user=user)
    assert opened.faq_id is not None and opened.faq_id == reply.candidates[0].faq_id


def test_the_passage_index_follows_a_reimport(bot: Bot, db: Database) -> None:
    add_notice(db, id="notice-1")
    live = grounded.passages_of(bot.understanding, db)
    live.current()
    before = len(live.index)
    with db.session() as s:
        data, _ = validate_document(
            {"id": "notice-1", "title": "关于调整失业保险金标准的通知", "date": "2026-11-01",
             "region": "江门市"},
            NOTICE + "\n\n特此通知。",
            "test",
        )  # fmt: skip
        assert data is not None
        import_document(s, data, "test")
    live.current()
    assert len(live.index) == before + 1


def test_a_provinces_plan_never_displaces_a_sure_national_entry_for_an_unknown_place(
    bot: Bot,
) -> None:
    # 广东's 十四五 plan has a sentence on 缴费基数下限; the asker's place is not known
    reply = ask(bot, "社保缴费基数是怎么定的")
    assert reply.passage is None and reply.faq_id == "enrollment-contribution-base"


@pytest.mark.parametrize("text", ["你好，茂名失业金怎么领", "失业金去哪里申领，流程是什么"])
def test_a_how_to_question_is_not_answered_by_a_sentence_on_what_was_achieved(
    bot: Bot, text: str
) -> None:
    # sentences on 失业保险金 cover the words, but none of them says how to claim it
    reply = ask(bot, text, region="茂名市")
    assert reply.passage is None, reply.text


@pytest.mark.parametrize("text", ["养老保险", "社保卡", "工伤保险"])
def test_a_topic_named_alone_is_never_answered_with_a_sentence_of_a_plan(
    bot: Bot, text: str
) -> None:
    # Every sentence naming the topic "covers" a one-word question: quoting one (the fund's
    # investment, the number of cards issued) would answer a question nobody asked.
    reply = ask(bot, text, "江门市")
    assert reply.decision != "passage", reply.text
    assert not reply.text.startswith("文件原文")
