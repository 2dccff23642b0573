"""Regression guards for grounded answers: on the documents tuning set (questions whose facts
only the seed documents state), passages must keep answering and never with a wrong fact; and
``shebao eval`` must count a wrong passage answer as wrong."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from dbutil import DatabaseTemplate

from app.registrations import build_bot
from bot.engine import Bot
from bot.evaluation import Row, evaluate_rows, load_rows
from intents.taxonomy import POLICY
from shebao.db import Database
from shebao.settings import Settings

TUNE = Path(__file__).parent / "documents_tune.jsonl"


@pytest.fixture(scope="module")
def bot(
    database_template: DatabaseTemplate, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Bot]:
    db = Database(database_template.copy(tmp_path_factory.mktemp("eval-docs"), "eval.db"))
    yield build_bot(Settings(database_url=db.url), db)
    db.engine.dispose()


def test_passages_answer_the_documents_questions_rightly(bot: Bot) -> None:
    figures = evaluate_rows(bot, load_rows(TUNE)).figures()
    passages = figures["by_source"]["passage"]
    assert passages["answers"] >= 18  # 23 of 45 when the floor was set
    assert passages["wrong"] == 0
    assert figures["fact_in_answer"] >= 0.70  # 0.78 when set (0.33 without documents)


def test_a_passage_answer_with_the_wrong_fact_counts_as_wrong(bot: Bot) -> None:
    row = Row("金湖县第三代社保卡持卡人数有多少", [POLICY], facts=["99.9万"])
    figures = evaluate_rows(bot, [row]).figures()
    assert figures["by_source"]["passage"] == {"answers": 1, "right_fact": 0, "wrong": 1}
    assert figures["answered_wrongly"] == 1.0
