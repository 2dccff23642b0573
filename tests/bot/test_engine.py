"""The engine's behaviour through its one entry point, on the shipped knowledge base."""

from __future__ import annotations

from sqlalchemy import select

from bot.engine import Bot
from bot.models import Exchange, Handoff
from bot.shaping import utf8_len
from tests.bot.conftest import Ask


def test_greeting_alone_is_chitchat(ask: Ask) -> None:
    reply = ask("你好")
    assert reply.intent == "chitchat" and reply.faq_id is None


def test_greeting_with_a_question_is_a_question(ask: Ask) -> None:
    reply = ask("你好，失业金最长能领几个月")
    assert reply.intent == "policy.faq"
    assert reply.faq_id == "unemployment-benefit-duration"
    assert "24个月" in reply.text and "失业保险条例" in reply.text  # the fact and its source


def test_out_of_scope_is_declined_without_an_entry(ask: Ask) -> None:
    reply = ask("明天江门天气怎么样")
    assert reply.intent == "out_of_scope" and reply.faq_id is None


def test_answer_carries_entry_region_and_source(ask: Ask) -> None:
    reply = ask("江门城乡居民基础养老金每月多少钱", region="江门市")
    assert reply.outcome == "answered"
    assert reply.region == "江门市" and "242.5" in reply.text
    assert reply.sources and reply.sources[0] in reply.text


def test_wrong_region_figure_is_never_given(ask: Ask) -> None:
    reply = ask("城乡居民基础养老金每月多少钱", region="江门市")
    assert "240元" not in reply.text  # 茂名's figure
    assert reply.region in (None, "江门市", "广东省", "全国")


def test_unknown_region_asks_which_city_then_remembers(ask: Ask) -> None:
    first = ask("城乡居民基础养老金最低每个月多少钱")
    assert first.outcome == "clarified" and "地区" in first.text
    assert "242.5" not in first.text and "240" not in first.text
    second = ask("茂名")
    assert second.region == "茂名市" and "240" in second.text
    third = ask("城乡居民基础养老金最低每个月多少钱")  # region now remembered
    assert third.outcome == "answered" and third.region == "茂名市"


def test_clarify_then_pick_by_number(ask: Ask, bot: Bot) -> None:
    reply = ask("社保卡")  # a bare topic: several entries fit, so the engine lists them
    assert reply.outcome in ("clarified", "abstained") and len(reply.candidates) >= 2
    assert "1." in reply.text and reply.faq_id is None
    picked = ask("1")
    assert picked.outcome == "answered"
    assert picked.faq_id == reply.candidates[0].faq_id


def test_abstain_is_recorded_for_the_unanswered_queue(ask: Ask, bot: Bot) -> None:
    reply = ask("我家的猫社保怎么交才能领月球补贴")
    assert reply.outcome in ("abstained", "clarified")
    assert reply.faq_id is None
    with bot.db.session() as s:
        row = s.scalars(select(Exchange).order_by(Exchange.id.desc())).first()
    assert row is not None and row.outcome == reply.outcome


def test_handoff_at_any_point_opens_a_ticket_with_context(ask: Ask, bot: Bot) -> None:
    ask("我家的猫社保怎么交才能领月球补贴")
    reply = ask("转人工")
    assert reply.intent == "handoff.human" and reply.outcome == "handed_off"
    with bot.db.session() as s:
        ticket = s.scalars(select(Handoff).order_by(Handoff.id.desc())).first()
    assert ticket is not None and "月球补贴" in ticket.context


def test_long_reply_is_cut_and_more_continues(ask: Ask) -> None:
    text = "1.失业金能领多久 2.社保卡丢了怎么办 3.中暑算工伤吗 4.灵活就业怎么参保"
    first = ask(text, region="金湖县", max_bytes=600)
    assert utf8_len(first.text) <= 600 and "更多" in first.text
    rest = ask("更多", max_bytes=4000)
    assert rest.text and rest.text not in first.text


def test_several_questions_get_answers_in_order(ask: Ask) -> None:
    reply = ask("1.失业金最长能领多久\n2.中暑了算不算工伤", region="江门市")
    first, second = reply.text.index("【1】"), reply.text.index("【2】")
    assert first < second
    assert "24个月" in reply.text[first:second] and "职业病" in reply.text[second:]


def test_personal_data_is_masked_in_the_record(ask: Ask, bot: Bot) -> None:
    ask("我的身份证440703199001011239电话13800138000")
    with bot.db.session() as s:
        row = s.scalars(select(Exchange).order_by(Exchange.id.desc())).first()
    assert row is not None
    assert "440703199001011239" not in row.message and "13800138000" not in row.message


def test_misspelt_traditional_and_cantonese_reach_the_same_entry(ask: Ask) -> None:
    ids = {
        ask(q).faq_id
        for q in ("失业斤最长能领几个月", "失業金最長能領幾個月", "失业金最多可以攞几耐")
    }
    assert ids == {"unemployment-benefit-duration"}


def test_benefit_calculation_uses_the_regulation_and_region(ask: Ask) -> None:
    reply = ask("我交了7年社保失业金能领几个月，每月多少钱", region="茂名市")
    assert reply.intent == "calc.unemployment_benefit"
    assert "18个月" in reply.text and "1575" in reply.text


def test_kept_staff_answer_is_shown_once_on_the_next_message(ask: Ask, bot: Bot) -> None:
    ask("我家的猫社保怎么交才能领月球补贴", user="kept-1")
    ask("转人工", user="kept-1")
    with bot.db.session() as s:
        ticket = s.scalars(select(Handoff).where(Handoff.user_key == "wechat:kept-1")).one()
        ticket.answer, ticket.status = "宠物不能参加社保。", "answered"
    first = ask("你好", user="kept-1")
    assert "宠物不能参加社保" in first.text and "工作人员答复" in first.text
    assert "宠物不能参加社保" not in ask("你好", user="kept-1").text


def test_form_answers_are_not_kept_in_the_record(ask: Ask, bot: Bot) -> None:
    ask("帮我查下我社保交了几个月", user="form-privacy")
    ask("440703199001011239 陈小明 13800138000", user="form-privacy")
    with bot.db.session() as s:
        rows = s.scalars(
            select(Exchange).where(Exchange.user_key == "wechat:form-privacy").order_by(Exchange.id)
        ).all()
    assert len(rows) == 2
    assert "陈小明" not in rows[1].message and "1239" not in rows[1].message
