"""Disputes in the conversation: 「不对」 right after an answer is a dispute, recorded for staff
and answered with the next candidates; a question that starts with 不是 is a question."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot import texts
from bot.disputes import recognise
from bot.engine import Bot
from bot.models import Dispute
from tests.bot.conftest import Ask

ANSWERED = "老人行动不便，养老金认证能不能上门办"


@pytest.mark.parametrize(
    "said",
    ["不对", "你说的不对吧", "答非所问", "不是这个", "没用", "错了啦", "不对哦"],
)
def test_disputes_are_recognised(said: str) -> None:
    assert recognise(said) is not None


@pytest.mark.parametrize(
    "question",
    [
        "不是本地户口能交社保吗",
        "不是正式工能领失业金吗",
        "没用过电子社保卡怎么激活",
        "错过了认证时间怎么办",
    ],
)
def test_questions_that_start_like_a_dispute_are_not_one(question: str) -> None:
    assert recognise(question) is None


def test_a_restated_question_is_carried() -> None:
    said = recognise("不对我问的是生育津贴怎么领")
    assert said is not None and said.wording == "生育津贴怎么领"


def _disputes(bot: Bot, user: str) -> list[Dispute]:
    with bot.db.session() as s:
        rows = s.scalars(select(Dispute).where(Dispute.user_key == f"wechat:{user}")).all()
        s.expunge_all()
        return list(rows)


def test_a_dispute_after_an_answer_apologises_offers_the_next_and_is_recorded(
    ask: Ask, bot: Bot
) -> None:
    first = ask(ANSWERED, region="江门市", user="d1")
    assert first.outcome == "answered" and first.faq_id
    reply = ask("你說的不對吧", user="d1")  # traditional, like everything else
    assert reply.text.startswith(texts.DISPUTE_SORRY)
    assert "转人工" in reply.text and "1." in reply.text
    offered = [c.faq_id for c in reply.candidates]
    assert offered and first.faq_id not in offered
    [dispute] = _disputes(bot, "d1")
    assert dispute.entry_id == first.faq_id and dispute.exchange_id == first.exchange_id
    assert dispute.question == ANSWERED and dispute.said == "你說的不對吧"
    assert dispute.offered == offered and dispute.status == "open" and dispute.entry_version
    picked = ask("1", user="d1")  # the offered list is the one 「1」 picks from
    assert picked.outcome == "answered" and picked.faq_id == offered[0]


def test_a_cantonese_dispute_is_one(ask: Ask) -> None:
    ask(ANSWERED, region="江门市", user="d6")
    assert ask("唔啱啊", user="d6").text.startswith(texts.DISPUTE_SORRY)


def test_a_restated_question_is_answered_and_kept_with_the_dispute(ask: Ask, bot: Bot) -> None:
    first = ask(ANSWERED, region="江门市", user="d2")
    assert first.outcome == "answered"
    reply = ask("不对，我问的是生育津贴怎么领", user="d2")
    assert reply.text.startswith(texts.DISPUTE_SORRY)
    assert reply.outcome == "answered" and "生育津贴" in reply.text
    [dispute] = _disputes(bot, "d2")
    assert dispute.wording == "生育津贴怎么领" and dispute.offered == [reply.faq_id]


def test_the_restated_wording_keeps_its_punctuation() -> None:
    said = recognise(
        "不对我问的是老人行动不便认证能上门吗", "不对,我问的是:老人行动不便,认证能上门吗"
    )
    assert said is not None and said.wording == "老人行动不便,认证能上门吗"


def test_a_question_starting_with_bu_shi_after_an_answer_is_a_question(ask: Ask, bot: Bot) -> None:
    ask(ANSWERED, region="江门市", user="d3")
    reply = ask("不是本地户口能在江门交社保吗", user="d3")
    assert not reply.text.startswith(texts.DISPUTE_SORRY)
    assert _disputes(bot, "d3") == []


def test_without_an_answer_before_it_there_is_nothing_to_dispute(ask: Ask, bot: Bot) -> None:
    reply = ask("不对", user="d4")
    assert not reply.text.startswith(texts.DISPUTE_SORRY)
    assert _disputes(bot, "d4") == []


def test_personal_data_in_the_disputed_question_is_masked(ask: Ask, bot: Bot) -> None:
    phone = "13812345678"
    first = ask(f"老人行动不便，认证能上门吗？回电{phone}", region="江门市", user="d5")
    assert first.outcome == "answered"
    ask("答非所问", user="d5")
    [dispute] = _disputes(bot, "d5")
    assert phone not in dispute.question and phone not in dispute.answer
    assert "5678" in dispute.question  # masked, not dropped


def test_a_restated_question_that_finds_the_same_entry_gets_the_others(ask: Ask, bot: Bot) -> None:
    first = ask(ANSWERED, region="江门市", user="d7")
    reply = ask("不对，我问的是" + ANSWERED, user="d7")  # the same words find the same entry
    assert reply.text.startswith(texts.DISPUTE_SORRY) and reply.faq_id is None
    assert first.faq_id not in [c.faq_id for c in reply.candidates]
    [dispute] = _disputes(bot, "d7")
    assert dispute.wording == ANSWERED.replace("，", ",") and first.faq_id not in dispute.offered
