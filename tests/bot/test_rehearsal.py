"""``Bot.explain``: a conversation rehearsed as ``Bot.handle`` answers it, with nothing kept."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from bot.engine import Bot
from bot.rehearsal import ReadOnlyCore, Rehearsable
from bot.types import Message
from knowledge.curation import create_draft, working_copy
from knowledge.schema import EntryData
from proxy.errors import CoreUnavailable
from proxy.sandbox.demo import CITIZENS, ONE_TIME_CODE
from shebao.db import Base, Database


def _counts(db: Database) -> dict[str, int]:
    with db.session() as s:
        return {
            t.name: s.scalar(select(func.count()).select_from(t)) or 0
            for t in Base.metadata.sorted_tables
        }


def _say(*texts: str, region: str | None = None) -> list[Message]:
    user = f"r-{uuid.uuid4().hex[:8]}"
    return [Message("console", user, t, region if i == 0 else None) for i, t in enumerate(texts)]


def test_a_form_spans_turns_and_no_row_is_left(bot: Bot, shipped_db: Database) -> None:
    before = _counts(shipped_db)
    person = CITIZENS[0]
    turns = bot.explain(
        _say("实名绑定", person.id_number, person.name, person.phone, ONE_TIME_CODE, "转人工")
    )
    replies = [t.reply.text for t in turns]
    assert "第2步" in replies[1] and "第3步" in replies[2]  # the form remembered each answer
    assert "绑定成功" in replies[4] or "已绑定" in replies[4], replies[4]
    assert turns[5].reply.intent == "handoff.human"
    assert person.id_number not in "".join(replies)  # masked, as in WeChat
    assert _counts(shipped_db) == before  # binding, exchanges, state, hand-off: all undone


def test_the_asker_s_region_carries_from_turn_to_turn(bot: Bot) -> None:
    turns = bot.explain(_say("失业保险金最长能领多长时间", "谢谢", region="江门市"))
    assert [t.region for t in turns] == ["江门市", "江门市"]
    assert turns[0].reply.outcome == "answered" and turns[0].understood is not None
    assert turns[0].understood.hits[0].entry.id == "unemployment-benefit-duration"


def test_setup_binds_before_the_first_message(bot: Bot, shipped_db: Database) -> None:
    person = CITIZENS[1]
    messages = _say("我的养老金发了多少")
    key = f"console:{messages[0].user}"

    def bind(engine: Rehearsable) -> None:
        from bot.personal.service import confirm_binding, start_binding

        start_binding(engine, key, person.id_number, person.name, person.phone)
        confirm_binding(engine, key, "console", ONE_TIME_CODE)

    before = _counts(shipped_db)
    reply = bot.explain(messages, setup=bind)[0].reply
    assert "2355.37元" in reply.text  # 李秀英's pension, from the sandbox
    unbound = bot.explain(_say("我的养老金发了多少"))[0].reply
    assert "2355.37" not in unbound.text and "身份证号" in unbound.text
    assert _counts(shipped_db) == before


def test_drafts_are_tried_only_when_asked_and_stay_drafts(bot: Bot, shipped_db: Database) -> None:
    question = "灵活就业人员的社保卡能不能在银行网点加急补办？"
    answer = "可以到社保卡合作银行网点申请加急补办，一般当场领卡（试问草稿）。"
    with shipped_db.session() as s:
        draft = EntryData(
            id="try-draft-card-urgent",
            question=question,
            similar_questions=["社保卡可以加急补办吗", "社保卡加急办要多久", "社保卡能当天拿到吗"],
            answer=answer,
            region="全国",
            category="社保卡",
            source_title="试问测试",
            status="draft",
            keywords=["加急"],
        )
        entry_id = create_draft(s, draft, "editor").id
    live = bot.explain(_say("社保卡可以加急补办吗"))[0].reply
    tried = bot.explain(_say("社保卡可以加急补办吗"), drafts=True)[0].reply
    assert answer not in live.text
    assert tried.faq_id == entry_id and answer in tried.text
    with shipped_db.session() as s:
        assert working_copy(s, entry_id).status == "draft"
    assert bot.understanding.index.get(entry_id) is None  # the served index never saw it


def test_a_real_core_is_read_but_never_written_to() -> None:
    class Core:
        def pension_payments(self, person_ref: str) -> str:
            return f"payments of {person_ref}"

        def create_unemployment_application(self, *_a: object, **_k: object) -> None:
            raise AssertionError("a rehearsal wrote to the core")

    core = ReadOnlyCore(Core())  # type: ignore[arg-type]
    assert core.pension_payments("p1") == "payments of p1"
    with pytest.raises(CoreUnavailable):
        core.create_unemployment_application(None, idempotency_key="k")
