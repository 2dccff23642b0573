"""The policy decision (bot/policy.py): answer with 「猜你想问」, the grey zone asks the second
opinion, a clarify list has two or more options, abstain only when nothing is close."""

from __future__ import annotations

import pytest

from bot import policy, texts
from bot.context import Turn
from bot.dialogue import State
from bot.engine import Bot
from bot.policy import decide
from bot.types import Candidate, Message, Reply
from bot.understanding import Understood
from knowledge.index import Hit
from tests.bot.conftest import Ask

QUESTIONS = (
    "失业保险金最长能领多长时间",
    "养老保险最少要交多少年",
    "灵活就业人员怎么交养老保险",
    "社保卡丢了怎么办",
    "工伤认定要多长时间",
    "失业金怎么申请",
)


def _suggested(reply: Reply) -> list[Candidate]:
    return [
        c for c in reply.candidates if c.faq_id != reply.faq_id and c.score >= policy.SUGGEST_AT
    ]


def test_an_answer_offers_its_close_neighbours_to_pick(ask: Ask) -> None:
    offered = 0
    for text in QUESTIONS:
        reply = ask(text, region="江门市")
        if reply.outcome != "answered":
            continue
        related = _suggested(reply)
        assert (texts.SUGGEST_HEAD in reply.text) == bool(related), text
        if related:
            offered += 1
            assert f"1. {related[0].question}" in reply.text
    assert offered, "some answer has a close neighbour to suggest"


def test_picking_a_suggestion_answers_it(ask: Ask) -> None:
    for text in QUESTIONS:
        user = f"pick-{text}"
        answer = ask(text, region="江门市", user=user)
        related = _suggested(answer) if answer.outcome == "answered" else []
        if related:
            picked = ask("1", user=user)
            assert picked.outcome == "answered" and picked.faq_id == related[0].faq_id
            return
    pytest.fail("no answer offered a suggestion")


class _Opinion:
    """Stands in for the e5 model's verdict (knowledge/semantic.py has its own tests)."""

    def __init__(self, agrees: bool | None) -> None:
        self.value = agrees

    def __call__(self, normalized: str, hits: list[Hit], region: str | None) -> bool | None:
        return self.value


def _grey_hits(bot: Bot) -> list[Hit]:
    hits = bot.understanding.understand("失业保险金最长能领多长时间", None).hits
    top, *rest = hits
    top.score = (policy.GREY_AT + policy.ANSWER_AT) / 2
    for h in rest:
        h.score = min(h.score, policy.CLARIFY_AT - 0.05)
    return hits


def test_the_grey_zone_follows_the_second_opinion(
    bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    u = bot.understanding.understand("失业保险金最长能领多长时间", None)
    hits = _grey_hits(bot)
    understood = Understood(u.text, u.normalized, u.prediction, hits)
    turn = Turn(bot, Message("cli", "g", u.text), State("cli:g"), u.text, understood)
    monkeypatch.setattr(bot.understanding, "agrees", _Opinion(True))
    assert decide(turn, hits) == "grey-agreed"
    monkeypatch.setattr(bot.understanding, "agrees", _Opinion(False))
    assert decide(turn, hits) == "grey-disagreed"
    monkeypatch.setattr(bot.understanding, "agrees", _Opinion(None))
    assert decide(turn, hits) == "grey-lead"  # no opinion: far ahead of the rest, answered


def test_a_clarify_list_never_has_a_single_option(ask: Ask) -> None:
    for text in ("社保", "卡", "交多少", "怎么办理", "去哪里办", "多少钱一个月"):
        reply = ask(text)
        if reply.outcome == "clarified" and reply.decision is not None:
            assert len(reply.candidates) >= 2, (text, reply.text)
