"""``knowledge.exporter``: the JSON-lines record, published-only by default, and the round trip
import → export → import without change for every format."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from dbutil import make_test_database_url
from kb_helpers import make_raw, write_content
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from knowledge.exporter import (
    select_entries,
    write_csv,
    write_jsonl,
    write_xlsx,
    write_yaml,
    write_yaml_dir,
)
from knowledge.importer import import_entries, validate_paths
from shebao.db import Database


def tricky_entries() -> list[dict[str, Any]]:
    """Entries that exercise what a format could lose: several lines, no optional fields,
    dates, a topic shared by regional variants, statuses other than published, odd text."""
    return [
        make_raw(
            "pension-jiangmen",
            topic="pension-min",
            region="江门市",
            category="养老保险",
            question="城乡居民养老金最低多少？",
            answer="第一段：每月多少元。\n第二段：怎么领。\n",
            effective_from="2024-01-01",
            effective_to="2025-12-31",
            keywords=["养老金", "最低标准"],
        ),
        make_raw(
            "pension-maoming",
            topic="pension-min",
            region="茂名市",
            category="养老保险",
            question="城乡居民养老金最低多少？",
            similar_questions=["茂名养老金最低", "茂名 基础养老金多少", "2024年茂名标准"],
        ),
        make_raw(
            "unemployment-a",
            category="失业保险",
            keywords=[],
            source={"title": "《失业保险条例》"},
            answer="=公式一样的开头, 逗号, \"引号\" 和 'single' | 竖线: yes",
        ),
        make_raw(
            "draft-entry", category="失业保险", status="draft", similar_questions=["只有一个问法"]
        ),
        make_raw("archived-entry", category="工伤保险", status="archived"),
    ]


@pytest.fixture
def filled(tmp_path: Path, db: Database) -> Database:
    path = write_content(tmp_path / "seed.yaml", tricky_entries())
    with db.session() as session:
        entries, problems = validate_paths([path], session)
        assert problems == []
        import_entries(session, entries, "seed")
    return db


def export_to(db: Database, fmt: str, folder: Path, include_all: bool = True) -> Path:
    with db.session() as session:
        entries = select_entries(session, include_all)
    path = folder / f"export.{fmt}"
    if fmt == "xlsx":
        write_xlsx(entries, path)
        return path
    writer = {"jsonl": write_jsonl, "yaml": write_yaml, "csv": write_csv}[fmt]
    with path.open("w", encoding="utf-8-sig" if fmt == "csv" else "utf-8", newline="") as out:
        writer(entries, out)
    return path


def snapshots(db: Database) -> dict[str, dict[str, Any]]:
    with db.session() as session:
        return {e.id: e.snapshot() for e in select_entries(session, include_all=True)}


@pytest.mark.parametrize("fmt", ["yaml", "csv", "xlsx", "jsonl"])
def test_round_trip_changes_nothing(fmt: str, tmp_path: Path, filled: Database) -> None:
    before = snapshots(filled)
    path = export_to(filled, fmt, tmp_path)
    with filled.session() as session:
        entries, problems = validate_paths([path], session)
        assert problems == []
        result = import_entries(session, entries, "again")
    assert (result.created, result.updated) == ([], [])
    assert sorted(result.unchanged) == sorted(before)

    fresh = Database(make_test_database_url(tmp_path, "fresh.db"))
    try:
        fresh.create_all()
        with fresh.session() as session:
            import_entries(session, validate_paths([path], session)[0], "fresh")
        assert snapshots(fresh) == before
        (tmp_path / "second").mkdir()
        second = export_to(fresh, fmt, tmp_path / "second")
        if fmt in ("yaml", "csv"):  # xlsx files carry a timestamp, jsonl records who and when
            assert second.read_bytes() == path.read_bytes()
    finally:
        fresh.engine.dispose()


def test_jsonl_prints_one_published_entry_per_line(filled: Database) -> None:
    out = io.StringIO()
    with filled.session() as session:
        write_jsonl(select_entries(session), out)
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["id"] for r in records] == ["pension-jiangmen", "pension-maoming", "unemployment-a"]
    first = records[0]
    for name in (
        "id",
        "question",
        "similar_questions",
        "answer",
        "region",
        "source",
        "source_title",
        "source_number",
        "source_date",
        "effective_from",
        "effective_to",
        "status",
        "category",
        "keywords",
        "topic",
    ):
        assert name in first
    assert first["source"] == "《失业保险条例》 国务院令第258号 1999-01-22"
    assert (first["effective_from"], first["effective_to"]) == ("2024-01-01", "2025-12-31")
    assert records[2]["source"] == "《失业保险条例》"


def test_all_statuses_on_request(filled: Database) -> None:
    with filled.session() as session:
        statuses = {e.id: e.status for e in select_entries(session, include_all=True)}
    assert statuses["draft-entry"] == "draft"
    assert statuses["archived-entry"] == "archived"


def test_yaml_groups_by_category(filled: Database) -> None:
    out = io.StringIO()
    with filled.session() as session:
        write_yaml(select_entries(session, include_all=True), out)
    text = out.getvalue()
    assert text.index("# ── 养老保险 (2) ──") < text.index("- id: pension-jiangmen")
    assert "# ── 失业保险 (2) ──" in text and "# ── 工伤保险 (1) ──" in text
    assert "answer: |" in text  # several lines as a literal block


def test_yaml_of_one_category_is_a_content_file(tmp_path: Path, filled: Database) -> None:
    with filled.session() as session:
        entries = [e for e in select_entries(session) if e.category == "养老保险"]
    out = io.StringIO()
    write_yaml(entries, out)
    assert out.getvalue().startswith("category: 养老保险\nentries:\n")
    assert "category:" not in out.getvalue().split("entries:", 1)[1]


def test_yaml_folder_has_one_content_file_per_category(
    tmp_path: Path, filled: Database, session: Session
) -> None:
    written = write_yaml_dir(select_entries(session, include_all=True), tmp_path / "out")
    assert sorted(p.name for p in written) == ["养老保险.yaml", "失业保险.yaml", "工伤保险.yaml"]
    entries, problems = validate_paths(written, session)
    assert problems == []
    assert len(entries) == 5


def test_xlsx_has_a_header_and_text_never_becomes_a_formula(
    tmp_path: Path, filled: Database
) -> None:
    path = export_to(filled, "xlsx", tmp_path)
    book = load_workbook(path)
    sheet = book["entries"]
    assert sheet["A1"].value == "id"
    answers = [row[3] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "=公式一样的开头, 逗号, \"引号\" 和 'single' | 竖线: yes" in answers
    book.close()
