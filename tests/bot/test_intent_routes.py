"""Which path a message takes (bot/arbitration.py and the handlers behind it), through
``Bot.handle``: stories about a rule, own-record requests, complaints and reports, festive
greetings, English, traditional and Cantonese questions, distress, card how-tos."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from bot import texts
from bot.engine import Bot
from bot.models import Handoff
from tests.bot.conftest import Ask

PERSONAL = ("personal.contributions", "personal.pension", "personal.unemployment_status")
_HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize(
    "text",
    [
        "我们家老爷子快七十了每年的认证能不能在家里做",
        "我们村的老人大多不识字领农保需要什么手续",
        "我爸在老家交了十年农保现在想转到城里可以吗",
        "我妈今年刚满五十五单位让她退休养老金怎么算",
        "我爸去年走了他交的养老保险个人账户里的钱我们能继承吗",
        "我奶奶行动不便社保卡丢了能委托家人补办吗",
        "我自己是个体户交社保有没有补贴",
        # the 我 of asking (我想问一下, 我想知道) is no one's record; a rule's figure (最低标准)
        "我想问一下农村的养老金基础的最低一个月多少钱",
        "我想知道退休养老金最低标准多少",
    ],
)
def test_first_person_story_about_a_rule_stays_a_policy_question(ask: Ask, text: str) -> None:
    reply = ask(text)
    assert reply.intent == "policy.faq"
    assert reply.outcome != "form"  # no identity binding for a question about the rules
    assert "实名绑定" not in reply.text


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("帮我查一下我在单位这些年交社保的明细", "personal.contributions"),
        ("查查我今年的社保交上了没有", "personal.contributions"),
        ("我上个月的退休金发到卡里了吗", "personal.pension"),
        ("替我爸看看他的养老金这个月发没发", "personal.pension"),
        ("我前阵子递交的失业保险金申请批了没有", "personal.unemployment_status"),
        ("查一下我的失业金申请进度", "personal.unemployment_status"),
        ("我想问一下我的社保一共交了几年", "personal.contributions"),
        ("我的养老金标准是多少", "personal.pension"),  # whose: 我的, not the rule's
    ],
)
def test_own_record_request_still_leads_to_binding(ask: Ask, text: str, intent: str) -> None:
    reply = ask(text)
    assert reply.intent == intent
    assert reply.outcome == "form" and "身份证号" in reply.text


def _last_handoff(bot: Bot) -> Handoff:
    with bot.db.session() as s:
        ticket = s.scalars(select(Handoff).order_by(Handoff.id.desc())).first()
    assert ticket is not None
    return ticket


@pytest.mark.parametrize(
    "text",
    [
        "社保大厅那个窗口的人对我大吼大叫我要投诉",
        "你们推来推去一件事跑了四趟还没办完",
        "我们公司半年都没交社保我想投诉",
        "打12333一上午都打不通太差了",
    ],
)
def test_complaint_apologises_records_it_for_staff_and_gives_the_route(
    ask: Ask, bot: Bot, text: str
) -> None:
    reply = ask(text)
    assert reply.intent == "report.complaint" and reply.outcome == "handed_off"
    assert reply.text == texts.REPORT_COMPLAINT
    assert "抱歉" in reply.text.splitlines()[0]  # one line of apology first
    assert "12333" in reply.text and "12345" in reply.text and "人社" in reply.text
    ticket = _last_handoff(bot)
    assert ticket.context.startswith("[complaint]") and ticket.question == text


@pytest.mark.parametrize(
    "text",
    [
        "发现邻村有人用假死亡证明骗领丧葬费我要举报",
        "有人伪造病历骗工伤待遇我要举报",
        "我要投诉窗口工作人员私下收钱帮人插队",  # a bribe is fraud whatever the verb
    ],
)
def test_fraud_report_keeps_its_own_path(ask: Ask, bot: Bot, text: str) -> None:
    reply = ask(text)
    assert reply.intent == "report.fraud" and reply.outcome == "handed_off"
    assert reply.text == texts.REPORT_FRAUD
    assert _last_handoff(bot).context.startswith("[report]")


@pytest.mark.parametrize("text", ["祝你们春节快乐", "国庆节快乐呀", "祝你们重阳节安康", "新年好"])
def test_festive_greeting_gets_a_festive_reply(ask: Ask, text: str) -> None:
    reply = ask(text)
    assert reply.intent == "chitchat" and reply.text == texts.FESTIVE


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        ("Can a freelancer join pension insurance?", "enrollment-flexible-workers"),
        ("How do I apply for a personal pension account", "personal-pension-open-account"),
        ("How many years of contribution before I can get a pension", "pension-employee-min-years"),
        ("flexible employment的人能交失业保险吗", None),
        ("pension每年几月调整", None),
    ],
)
def test_english_or_mixed_question_gets_a_chinese_answer(
    ask: Ask, text: str, entry: str | None
) -> None:
    reply = ask(text)
    assert reply.intent == "policy.faq" and reply.outcome in ("answered", "clarified")
    assert _HAN.search(reply.text) and reply.text != texts.OUT_OF_SCOPE
    if entry:
        assert entry in [reply.faq_id, *(c.faq_id for c in reply.candidates)]


def test_english_small_talk_and_a_person(ask: Ask) -> None:
    assert ask("thank you").intent == "chitchat"
    assert ask("can I speak to a real person").intent == "handoff.human"


@pytest.mark.parametrize(
    "text",
    [
        "靈活就業人員點樣參加養老保險",
        "社保斷繳咗有咩影響",
        "港澳居民喺內地工作要唔要買社保",
        "攞失業金要符合咩條件",
        "工傷認定要幾耐先有結果",
    ],
)
def test_traditional_and_cantonese_policy_question_is_not_out_of_scope(ask: Ask, text: str) -> None:
    reply = ask(text)
    assert reply.intent == "policy.faq" and reply.outcome in ("answered", "clarified")


@pytest.mark.parametrize("text", ["社保卡怎么激活", "新社保卡怎么激活使用", "怎么激活社保卡"])
def test_card_activation_is_a_how_to_not_a_scam(ask: Ask, text: str) -> None:
    reply = ask(text)
    assert reply.intent == "policy.faq"
    assert reply.faq_id != "card-anti-fraud" and "诈骗" not in reply.text


def test_a_scam_about_activation_still_gets_the_warning(ask: Ask) -> None:
    reply = ask("短信说社保卡不激活就冻结，让我点链接，是真的吗")
    # answered, or the first thing offered when the decision is unsure
    assert "card-anti-fraud" in (reply.faq_id, reply.candidates[0].faq_id)


@pytest.mark.parametrize("text", ["走投无路了失业了失业金怎么办理", "急死人了养老认证过期了怎么补"])
def test_distress_before_a_question_is_the_question(ask: Ask, text: str) -> None:
    reply = ask(text)
    assert reply.intent == "policy.faq" and reply.outcome in ("answered", "clarified")


def test_distress_with_a_request_for_a_person_is_a_handoff(ask: Ask) -> None:
    assert ask("我已经走投无路了给我转个人工吧").intent == "handoff.human"


def test_a_year_before_an_adjustment_is_not_a_benefit_calculation(ask: Ask) -> None:
    reply = ask("2022年那次调整养老金定额加了多少")
    assert reply.intent == "policy.faq"


def test_own_case_of_unemployment_is_still_calculated(ask: Ask) -> None:
    reply = ask("我缴了七年多失业保险厂里倒闭了失业金能领多久", region="江门市")
    assert reply.intent == "calc.unemployment_benefit" and "18个月" in reply.text


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("厂里把我开除了现在就帮我办失业金申请", "apply.unemployment"),
        ("帮我把微信和身份证绑在一起", "account.bind"),
        ("这周末适合去爬山吗", "out_of_scope"),
        ("公积金贷款利率多少", "out_of_scope"),
    ],
)
def test_other_intents_are_kept(ask: Ask, text: str, intent: str) -> None:
    assert ask(text).intent == intent
