"""``shebao kb import`` and ``shebao kb export`` against a temporary SQLite database."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result
from dbutil import make_test_database_url
from kb_helpers import make_raw, write_content
from sqlalchemy import func, select

from app.kb_cli import kb
from knowledge.models import Entry
from shebao.db import Database


@pytest.fixture
def database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shipped: Path) -> str:
    url = make_test_database_url(tmp_path, "cli.db")
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def run(*args: str) -> Result:
    return CliRunner().invoke(kb, list(args), catch_exceptions=False)


def entry_ids(url: str) -> list[str]:
    db = Database(url)
    try:
        with db.session() as session:
            return list(session.scalars(select(Entry.id).order_by(Entry.id)))
    finally:
        db.engine.dispose()


def test_a_first_run_loads_the_shipped_content(database_url: str, shipped: Path) -> None:
    write_content(shipped / "a.yaml", [make_raw("ship-a"), make_raw("ship-b", status="draft")])
    result = run("export", "--format", "jsonl")
    assert result.exit_code == 0, result.output
    assert "loaded 2 shipped entries" in result.stderr
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["ship-a"]
    again = run("export", "--format", "jsonl", "--all")
    assert "loaded" not in again.stderr
    assert len(again.stdout.splitlines()) == 2


def test_import_reports_counts(database_url: str, tmp_path: Path) -> None:
    path = write_content(tmp_path / "a.yaml", [make_raw("cli-a"), make_raw("cli-b")])
    result = run("import", str(path), "--actor", "alice")
    assert result.exit_code == 0, result.output
    assert result.stdout == "created 2, updated 0, unchanged 0\n"
    write_content(path, [make_raw("cli-a"), make_raw("cli-b", answer="改了（全国，2025年）。")])
    assert run("import", str(path)).stdout == "created 0, updated 1, unchanged 1\n"


def test_one_bad_row_fails_the_import_and_writes_nothing(database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "id,question,similar_questions,answer,region,category,source_title,source_date\n"
        "row-a,第一个问题？,一|二|三,答案一。,全国,测试,失业保险条例,1999-01-22\n"
        "row-b,第二个问题？,四|五|六,答案二。,火星市,测试,失业保险条例,1999-01-22\n"
        "row-c,第三个问题？,七|八|九,答案三。,全国,测试,失业保险条例,1999-02-30\n",
        "utf-8",
    )
    result = run("import", str(path))
    assert result.exit_code == 1
    assert f"{path}, row 3, field region: unknown region '火星市'" in result.stderr
    assert f"{path}, row 4, field source_date: not a date" in result.stderr
    assert "2 problems; nothing was imported" in result.stderr
    assert result.stdout == ""
    assert entry_ids(database_url) == []


def test_check_only_validates(database_url: str, tmp_path: Path) -> None:
    path = write_content(tmp_path / "a.yaml", [make_raw("cli-a")])
    result = run("import", "--check", str(path))
    assert result.exit_code == 0
    assert "1 entries, no problems" in result.stdout
    assert entry_ids(database_url) == []


def test_export_formats(database_url: str, tmp_path: Path) -> None:
    path = write_content(
        tmp_path / "a.yaml",
        [
            make_raw("exp-a", category="养老保险"),
            make_raw("exp-b", category="失业保险"),
            make_raw("exp-draft", status="draft"),
        ],
    )
    assert run("import", str(path)).exit_code == 0

    doc = yaml.safe_load(run("export", "--format", "yaml").stdout)
    assert [(e["category"], e["id"]) for e in doc["entries"]] == [
        ("养老保险", "exp-a"),
        ("失业保险", "exp-b"),
    ]  # categories in code-point order

    csv_file = tmp_path / "out.csv"
    assert run("export", "--format", "csv", "--all", "-o", str(csv_file)).exit_code == 0
    assert csv_file.read_bytes().startswith(b"\xef\xbb\xbfid,question,")
    with csv_file.open(encoding="utf-8-sig", newline="") as f:
        assert [row[0] for row in csv.reader(f)] == ["id", "exp-a", "exp-b", "exp-draft"]

    missing = run("export", "--format", "xlsx")
    assert missing.exit_code == 2
    assert "xlsx needs --output" in missing.output
    xlsx_file = tmp_path / "out.xlsx"
    result = run("export", "--format", "xlsx", "--output", str(xlsx_file))
    assert result.exit_code == 0
    assert "exported 2 entries" in result.stderr
    assert run("import", str(xlsx_file)).stdout == "created 0, updated 0, unchanged 2\n"

    folder = tmp_path / "content"
    folder.mkdir()
    assert run("export", "--format", "yaml", "-o", str(folder)).exit_code == 0
    assert sorted(p.name for p in folder.iterdir()) == sorted(["失业保险.yaml", "养老保险.yaml"])


def test_a_database_with_entries_is_left_alone(
    database_url: str, shipped: Path, tmp_path: Path
) -> None:
    path = write_content(tmp_path / "a.yaml", [make_raw("mine")])
    assert run("import", str(path)).exit_code == 0
    write_content(shipped / "a.yaml", [make_raw("ship-a")])
    assert run("export", "--format", "jsonl").exit_code == 0
    db = Database(database_url)
    try:
        with db.session() as session:
            assert session.scalar(select(func.count()).select_from(Entry)) == 1
    finally:
        db.engine.dispose()
