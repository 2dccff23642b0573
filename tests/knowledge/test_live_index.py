"""Every worker's index follows the knowledge base entry by entry: the change log
(``knowledge.changelog``) written with each publish, archive and import, and
``bot.understanding.Understanding`` applying only the entries changed since its generation
(a full rebuild when the date turns over or the log has a gap)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from kb_helpers import make_raw
from sqlalchemy import select

import bot.understanding
from bot.understanding import Understanding
from knowledge import changelog, curation
from knowledge.importer import import_entries
from knowledge.models import KbChange
from knowledge.schema import EntryData, parse_entry
from shebao.clock import FixedClock
from shebao.db import Database

TODAY = date(2026, 6, 1)
ENTRIES = {
    "unemployment-months": (
        "失业保险金最多能领多少个月",
        ["失业金能领几个月", "失业金领多久", "失业保险金领取期限"],
    ),
    "card-lost": ("社保卡丢了怎么补办", ["社保卡掉了怎么办", "社保卡遗失补办", "补办社保卡去哪里"]),
    "pension-check": (
        "养老金资格认证怎么做",
        ["退休人员怎么认证", "养老金认证在哪里做", "领养老金要年审吗"],
    ),
    "medical-transfer": (
        "医保关系怎么转移",
        ["医保怎么转到外地", "医保转移接续怎么办", "换城市医保怎么转"],
    ),
}


def data(entry_id: str, **overrides: Any) -> EntryData:
    question, similar = ENTRIES.get(entry_id, (f"{entry_id}怎么办理", []))
    fields: dict[str, Any] = {
        "question": question,
        "similar_questions": similar
        or [f"{entry_id}在哪办", f"{entry_id}要什么材料", f"{entry_id}多久"],
        "answer": f"{question}：第一版答复。",
    }
    raw = make_raw(entry_id, **{**fields, **overrides})
    parsed, problems = parse_entry(raw, "test")
    assert parsed is not None, problems
    return parsed


def publish_edit(db: Database, entry_id: str, **changes: Any) -> int:
    """An edit written by alice and published by bob; returns the new generation."""
    with db.session() as s:
        curation.update(s, entry_id, changes, "alice")
        curation.submit_for_review(s, entry_id, "alice")
        curation.publish(s, entry_id, "bob")
        return curation.generation(s)


def top_answer(u: Understanding, text: str) -> str | None:
    hits = u.understand(text, None).hits
    return hits[0].entry.answer if hits else None


@pytest.fixture
def loaded(db: Database) -> Database:
    with db.session() as s:
        import_entries(s, [data(i) for i in ENTRIES], "system")
    return db


@pytest.fixture
def worker(loaded: Database) -> Iterator[Understanding]:
    yield Understanding(loaded, today=TODAY)


def described(u: Understanding, texts: list[str]) -> list[Any]:
    out = []
    for text in texts:
        for region in (None, "江门市"):
            hits = u.index.search(text, region, limit=8)
            past = u.index.search_history(text, 2025, region)
            out.append(
                [(h.entry.id, h.entry.answer, h.score, h.matched_question) for h in hits + past]
            )
    return out


# ── the change log ───────────────────────────────────────────────────────────────────────────


def logged(db: Database) -> list[tuple[int, str | None]]:
    with db.session() as s:
        rows = s.execute(select(KbChange.generation, KbChange.entry_id).order_by(KbChange.id))
        return [(g, e) for g, e in rows]


def test_publish_archive_and_import_log_what_they_changed(loaded: Database) -> None:
    assert sorted(logged(loaded)) == [(1, i) for i in sorted(ENTRIES)]
    publish_edit(loaded, "card-lost", answer="新的补办办法。")
    with loaded.session() as s:
        curation.archive(s, "pension-check", "carol")
        import_entries(s, [data("unemployment-months", answer="改了。"), data("brand-new")], "x")
    assert logged(loaded)[len(ENTRIES) :] == [
        (2, "card-lost"),
        (3, "pension-check"),
        (4, "brand-new"),
        (4, "unemployment-months"),
    ]
    with loaded.session() as s:
        assert changelog.changed_since(s, 1, 4) == {
            "card-lost",
            "pension-check",
            "brand-new",
            "unemployment-months",
        }
        assert changelog.changed_since(s, 3, 4) == {"brand-new", "unemployment-months"}
        assert changelog.changed_since(s, 4, 4) == set()


def test_a_change_rolled_back_logs_nothing(loaded: Database) -> None:
    before = logged(loaded)
    with pytest.raises(RuntimeError), loaded.session() as s:
        curation.archive(s, "card-lost", "carol")
        raise RuntimeError("the request failed after the archive")
    assert logged(loaded) == before
    with loaded.session() as s:
        assert curation.generation(s) == 1


def test_the_log_cannot_say_across_a_gap_or_an_unknown_change(
    loaded: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(changelog, "KEEP_GENERATIONS", 3)
    for n in range(4):  # generations 2 … 5; 1 and 2 are pruned as 4 and 5 are written
        publish_edit(loaded, "card-lost", answer=f"第{n}次修改。")
    with loaded.session() as s:
        assert {g for g, _ in logged(loaded)} == {3, 4, 5}
        assert changelog.changed_since(s, 2, 5) == {"card-lost"}
        assert changelog.changed_since(s, 0, 5) is None  # generations 1 and 2 are gone
        curation.bump_generation(s)  # a change that names no entries: anything may have changed
    with loaded.session() as s:
        assert changelog.changed_since(s, 5, 6) is None
        assert changelog.changed_since(s, 7, 6) is None  # the counter went back: rebuild


# ── a worker applies what changed ────────────────────────────────────────────────────────────


def test_another_worker_sees_a_publish_after_one_refresh(
    loaded: Database, worker: Understanding
) -> None:
    console = Understanding(loaded, today=TODAY)  # the worker staff publish through
    assert top_answer(worker, "社保卡丢了怎么补办") == "社保卡丢了怎么补办：第一版答复。"
    space = worker.index.space
    publish_edit(loaded, "card-lost", answer="社保卡丢了先挂失，再到网点补办。")
    assert console.refresh() is console.index
    worker.refresh()
    assert top_answer(worker, "社保卡丢了怎么补办") == "社保卡丢了先挂失，再到网点补办。"
    assert worker.index.space is space  # the entry was applied, not the whole index rebuilt
    assert not worker.is_stale()


def test_a_request_brings_the_index_up_to_date(
    loaded: Database, worker: Understanding, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bot.understanding, "RELOAD_CHECK_SECONDS", 0.0)
    assert top_answer(worker, "医保关系怎么转移") == "医保关系怎么转移：第一版答复。"
    space = worker.index.space
    publish_edit(loaded, "medical-transfer", answer="医保转移在国家医保服务平台申请。")
    assert top_answer(worker, "医保关系怎么转移") == "医保转移在国家医保服务平台申请。"
    assert worker.index.space is space


def test_many_changes_are_applied_in_the_background(
    loaded: Database, worker: Understanding, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bot.understanding, "RELOAD_CHECK_SECONDS", 0.0)
    monkeypatch.setattr(bot.understanding, "APPLIED_IN_REQUEST", 1)
    first = worker.index
    with loaded.session() as s:
        changed = [data(i, answer=f"{q}：批量导入的新答复。") for i, (q, _) in ENTRIES.items()]
        import_entries(s, changed, "importer")
    deadline = time.monotonic() + 60
    while worker.index is first and time.monotonic() < deadline:  # served from the old meanwhile
        time.sleep(0.05)
    assert worker.index.space is first.space  # applied, not rebuilt
    assert top_answer(worker, "养老金资格认证怎么做") == "养老金资格认证怎么做：批量导入的新答复。"


def test_entries_leaving_and_entering_force_moving_and_going_to_history(
    loaded: Database, worker: Understanding
) -> None:
    fresh_ids = lambda u: sorted(e.id for e in u.index.entries)  # noqa: E731
    assert fresh_ids(worker) == sorted(ENTRIES)
    with loaded.session() as s:
        curation.archive(s, "pension-check", "carol")
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    publish_edit(loaded, "card-lost", effective_from="2025-01-01", effective_to=yesterday)
    publish_edit(loaded, "medical-transfer", effective_from=(TODAY + timedelta(days=3)).isoformat())
    publish_edit(loaded, "unemployment-months", region="江门市", answer="江门：最长24个月。")
    with loaded.session() as s:
        similar = ["灵活就业人员参保", "个体户怎么交社保", "自由职业交社保"]
        raw = make_raw("new-entry", question="灵活就业怎么参保", similar_questions=similar)
        curation.create_draft(s, raw, "alice")
        curation.submit_for_review(s, "new-entry", "alice")
        curation.publish(s, "new-entry", "bob")
    space = worker.index.space
    worker.refresh()
    assert worker.index.space is space
    assert fresh_ids(worker) == ["new-entry", "unemployment-months"]
    assert worker.index.history is not None
    assert [e.id for e in worker.index.history.entries] == ["card-lost"]
    assert worker.index.search_history("社保卡丢了怎么补办", 2025)[0].entry.id == "card-lost"
    assert worker.index.get("unemployment-months").region == "江门市"  # type: ignore[union-attr]
    # … and it all searches as a worker starting now would.
    texts = [q for q, similar in ENTRIES.values() for q in [q, *similar]] + ["灵活就业怎么参保"]
    assert described(worker, texts) == described(Understanding(loaded, today=TODAY), texts)


def test_a_gap_in_the_log_rebuilds_everything(loaded: Database, worker: Understanding) -> None:
    space = worker.index.space
    generation = publish_edit(loaded, "card-lost", answer="补办：带身份证到网点。")
    with loaded.session() as s:
        s.execute(sa.delete(KbChange).where(KbChange.generation == generation))
    worker.refresh()
    assert worker.index.space is not space  # rebuilt
    assert top_answer(worker, "社保卡丢了怎么补办") == "补办：带身份证到网点。"
    space = worker.index.space
    with loaded.session() as s:  # a change that names no entry: rebuilt as well
        curation.bump_generation(s)
    worker.refresh()
    assert worker.index.space is not space


def test_the_date_turning_over_rebuilds_in_the_background(
    loaded: Database, fixed_clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bot.understanding, "RELOAD_CHECK_SECONDS", 0.0)
    tomorrow = fixed_clock().date() + timedelta(days=1)
    with loaded.session() as s:
        import_entries(s, [data("from-tomorrow", effective_from=tomorrow.isoformat())], "x")
    u = Understanding(loaded)
    first = u.index
    assert first.get("from-tomorrow") is None
    fixed_clock.advance(days=1)
    deadline = time.monotonic() + 60
    while u.index is first and time.monotonic() < deadline:  # served from the old meanwhile
        time.sleep(0.05)
    assert u.index.built_for == tomorrow
    assert u.index.get("from-tomorrow") is not None
