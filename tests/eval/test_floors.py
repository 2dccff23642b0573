"""Regression guards: the engine on the development set must not fall below these floors.

The floors sit a little under the figures measured when they were set (see the closing note
of the understanding issue), so noise does not fail the build but a real regression does.
``heldout.jsonl`` is deliberately not used here or anywhere else in tuning.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from dbutil import DatabaseTemplate

from app.registrations import build_bot
from bot.evaluation import evaluate_rows, load_rows
from shebao.db import Database
from shebao.settings import Settings

DEVSET = Path(__file__).parent / "devset.jsonl"


@pytest.fixture(scope="module")
def figures(
    database_template: DatabaseTemplate, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    db = Database(database_template.copy(tmp_path_factory.mktemp("eval"), "eval.db"))
    report = evaluate_rows(build_bot(Settings(database_url=db.url), db), load_rows(DEVSET))
    db.engine.dispose()
    return report.figures()


def test_devset_is_big_enough(figures: dict[str, Any]) -> None:
    assert figures["rows"] >= 200 and figures["entry_rows"] >= 100


def test_intent_accuracy_floor(figures: dict[str, Any]) -> None:
    assert figures["intent_accuracy"] >= 0.93


def test_retrieval_floors(figures: dict[str, Any]) -> None:
    assert figures["entry_top1"] >= 0.78
    assert figures["entry_top3"] >= 0.88
    assert figures["mrr"] >= 0.82


def test_right_fact_floor(figures: dict[str, Any]) -> None:
    assert figures["fact_in_answer"] >= 0.70


def test_wrong_answers_ceiling(figures: dict[str, Any]) -> None:
    assert figures["answered_wrongly"] <= 0.025


def test_every_intent_is_recognised_somewhere(figures: dict[str, Any]) -> None:
    recalls = {k: v["recall"] for k, v in figures["per_intent"].items() if v["support"]}
    assert all(r is not None and r >= 0.7 for r in recalls.values()), recalls
