"""``knowledge.importer``: reading YAML, CSV, XLSX and JSON lines; every validation rule;
all-or-nothing writes; revisions, versions and the generation counter; shipped content."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from kb_helpers import make_raw, write_content
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from knowledge.curation import generation
from knowledge.importer import (
    COLUMNS,
    import_entries,
    load_shipped_content,
    read_path,
    validate_paths,
)
from knowledge.models import Entry, EntryRevision
from knowledge.schema import InvalidEntries, Problem
from shebao.db import Database


def table_row(raw: dict[str, Any]) -> list[Any]:
    """A content-format entry as a spreadsheet row of ``COLUMNS``."""
    flat = {
        **raw,
        "source_title": raw["source"]["title"],
        "source_number": raw["source"].get("number"),
        "source_date": raw["source"].get("date"),
        "similar_questions": "\n".join(raw["similar_questions"]),
        "keywords": "|".join(raw.get("keywords", [])),
    }
    return [flat.get(name) for name in COLUMNS]


def write_csv(
    path: Path,
    raws: list[dict[str, Any]],
    encoding: str = "utf-8-sig",
    columns: tuple[str, ...] = COLUMNS,
) -> Path:
    with path.open("w", encoding=encoding, newline="") as out:
        writer = csv.writer(out)
        writer.writerow(columns)
        for raw in raws:
            row = dict(zip(COLUMNS, table_row(raw), strict=True))
            writer.writerow(["" if row.get(c) is None else row.get(c) for c in columns])
    return path


def write_xlsx(path: Path, rows: list[list[Any]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, problems
    return problems[0]


# ── reading each format ──────────────────────────────────────────────────────────────────────


def test_yaml_entries_take_the_file_category(tmp_path: Path) -> None:
    raw = make_raw("pension-a")
    del raw["category"]
    path = write_content(tmp_path / "p.yaml", [raw], category="养老保险")
    entries, problems = validate_paths([path])
    assert problems == []
    assert entries[0].category == "养老保险"
    assert entries[0].source_number == "国务院令第258号"
    assert entries[0].source_date == date(1999, 1, 22)


def test_csv_splits_similar_questions_on_newline_and_bar(tmp_path: Path) -> None:
    raw = make_raw("csv-a", similar_questions=["甲怎么办；乙呢|问法二", "问法三"])
    path = write_csv(tmp_path / "a.csv", [raw])
    entries, problems = validate_paths([path])
    assert problems == []
    assert entries[0].similar_questions == ["甲怎么办；乙呢", "问法二", "问法三"]
    assert entries[0].keywords == ["测试"]


def test_csv_saved_by_chinese_excel_as_gbk_is_read(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "gbk.csv", [make_raw("gbk-a")], encoding="gbk")
    entries, problems = validate_paths([path])
    assert problems == []
    assert entries[0].answer.startswith("关于gbk-a")


def test_csv_dates_as_excel_writes_them(tmp_path: Path) -> None:
    raw = make_raw("local-dates", effective_from="2024/1/1", effective_to="2025年12月31日")
    entries, problems = validate_paths([write_csv(tmp_path / "a.csv", [raw])])
    assert problems == []
    assert (entries[0].effective_from, entries[0].effective_to) == (
        date(2024, 1, 1),
        date(2025, 12, 31),
    )


def test_xlsx_date_cells_and_numbers(tmp_path: Path) -> None:
    row = table_row(make_raw("xlsx-a", effective_from="2024-01-01"))
    row[COLUMNS.index("source_date")] = date(2021, 5, 6)
    row[COLUMNS.index("source_number")] = 378
    path = write_xlsx(tmp_path / "a.xlsx", [row])
    entries, problems = validate_paths([path])
    assert problems == []
    assert entries[0].source_date == date(2021, 5, 6)
    assert entries[0].effective_from == date(2024, 1, 1)
    assert entries[0].source_number == "378"


def test_jsonl_ignores_the_source_label(tmp_path: Path) -> None:
    record = {k: v for k, v in make_raw("jsonl-a").items() if k != "source"}
    record |= {"source": "《失业保险条例》 国务院令第258号", "source_title": "失业保险条例"}
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n\n", "utf-8")
    entries, problems = validate_paths([path])
    assert problems == []
    assert entries[0].source_title == "失业保险条例"


def test_a_folder_stands_for_its_files(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    write_content(folder / "a.yaml", [make_raw("dir-a")])
    write_csv(folder / "b.csv", [make_raw("dir-b")])
    (folder / "notes.txt").write_text("not an entry file", "utf-8")
    entries, problems = validate_paths([folder])
    assert problems == []
    assert [e.id for e in entries] == ["dir-a", "dir-b"]


def test_unsupported_and_unreadable_files_are_problems(tmp_path: Path) -> None:
    txt = tmp_path / "a.txt"
    txt.write_text("x", "utf-8")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip")
    assert "unsupported file type" in only(read_path(txt)[1]).message
    assert "cannot read" in only(read_path(broken)[1]).message


# ── validation rules, each naming file, row and field ────────────────────────────────────────


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"source_title": "", "source_number": "", "source_date": ""},
            "source_title",
            "missing source",
        ),
        ({"region": ""}, "region", "missing"),
        ({"region": "火星市"}, "region", "unknown region"),
        ({"answer": "很" * 400}, "answer", "400 characters"),
        ({"source_date": "2021-13-01"}, "source_date", "not a date"),
        ({"effective_from": "下个月"}, "effective_from", "not a date"),
        ({"effective_to": "2024/2/30"}, "effective_to", "not a date"),
        (
            {"effective_from": "2024-01-01", "effective_to": "2023-01-01"},
            "effective_to",
            "ends before",
        ),
        ({"status": "live"}, "status", "must be one of"),
        ({"similar_questions": "只有一个问法"}, "similar_questions", "at least 3"),
        ({"id": "Bad Id"}, "id", "not a slug"),
    ],
)
def test_each_rule_names_file_row_and_field(
    tmp_path: Path, overrides: dict[str, str], field: str, message: str
) -> None:
    path = write_csv(tmp_path / "rules.csv", [make_raw("rule-ok"), make_raw("rule-bad")])
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    rows[1].update(overrides)
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(COLUMNS))
        writer.writeheader()
        writer.writerows(rows)
    entries, problems = validate_paths([path])
    assert entries == []
    problem = only(problems)
    assert (problem.where, problem.field) == (f"{path}, row 3", field)
    assert message in problem.message
    assert str(problem).startswith(f"{path}, row 3, field {field}: ")


def test_xlsx_rows_are_numbered_as_the_spreadsheet_shows(tmp_path: Path) -> None:
    good = table_row(make_raw("xlsx-good"))
    bad = table_row(make_raw("xlsx-bad", region="火星市"))
    path = write_xlsx(tmp_path / "rows.xlsx", [good, [None] * len(COLUMNS), bad])
    problem = only(validate_paths([path])[1])
    assert str(problem).startswith(f"{path}, row 4, field region: unknown region")


def test_csv_multiline_cells_do_not_shift_row_numbers(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "multi.csv",
        [
            make_raw("multi-a", answer="第一行\n第二行"),
            make_raw("multi-b"),
            make_raw("multi-c", region="火星市"),
        ],
    )
    assert only(validate_paths([path])[1]).where == f"{path}, row 4"


def test_unknown_and_missing_columns_are_reported_on_the_header(tmp_path: Path) -> None:
    columns = tuple(c for c in COLUMNS if c != "region") + ("similar_question",)
    path = write_csv(tmp_path / "cols.csv", [make_raw("cols-a")], columns=columns)
    problems = validate_paths([path])[1]
    assert {(p.where, p.field) for p in problems} == {
        (f"{path}, row 1", "similar_question"),
        (f"{path}, row 1", "region"),
    }


def test_duplicate_id_within_the_import(tmp_path: Path) -> None:
    a = write_content(tmp_path / "a.yaml", [make_raw("dup-id")])
    b = write_csv(
        tmp_path / "b.csv",
        [make_raw("dup-id", question="另一个问题？", similar_questions=["x一", "x二", "x三"])],
    )
    problem = only(validate_paths([a, b])[1])
    assert (problem.where, problem.field) == (f"{b}, row 2", "id")


def test_duplicate_question_within_the_import_ignoring_punctuation(tmp_path: Path) -> None:
    a = make_raw("q-a", question="失业金怎么领？")
    b = make_raw("q-b", similar_questions=["失业金 怎么领", "问法二", "问法三"])
    problem = only(validate_paths([write_content(tmp_path / "a.yaml", [a, b])])[1])
    assert problem.field == "question"
    assert "q-a" in problem.message


def test_regional_variants_of_one_topic_may_share_a_question(tmp_path: Path) -> None:
    a = make_raw("min-jiangmen", topic="min", region="江门市", question="最低标准多少？")
    b = make_raw(
        "min-maoming",
        topic="min",
        region="茂名市",
        question="最低标准多少？",
        similar_questions=["茂名一", "茂名二", "茂名三"],
    )
    assert validate_paths([write_content(tmp_path / "a.yaml", [a, b])])[1] == []


def test_duplicate_question_against_the_database(tmp_path: Path, session: Session) -> None:
    existing = write_content(tmp_path / "old.yaml", [make_raw("db-old", question="养老金怎么查？")])
    import_entries(session, validate_paths([existing], session)[0], "alice")
    clash = write_csv(tmp_path / "new.csv", [make_raw("db-new", question="养老金怎么查")])
    problem = only(validate_paths([clash], session)[1])
    assert (problem.where, problem.field) == (f"{clash}, row 2", "question")
    assert "db-old" in problem.message
    with pytest.raises(InvalidEntries):
        import_entries(session, validate_paths([clash])[0], "alice")


def test_an_entry_the_import_replaces_does_not_clash_with_itself(
    tmp_path: Path, session: Session
) -> None:
    path = write_content(tmp_path / "a.yaml", [make_raw("same")])
    import_entries(session, validate_paths([path], session)[0], "alice")
    write_content(path, [make_raw("same", answer="新的答案（全国，2025年）。")])
    entries, problems = validate_paths([path], session)
    assert problems == []
    assert import_entries(session, entries, "alice").updated == ["same"]


def test_archived_entries_do_not_block_a_question(tmp_path: Path, session: Session) -> None:
    old = write_content(
        tmp_path / "old.yaml", [make_raw("gone", status="archived", question="旧问题？")]
    )
    import_entries(session, validate_paths([old], session)[0], "alice")
    new = write_content(tmp_path / "new.yaml", [make_raw("fresh", question="旧问题？")])
    assert validate_paths([new], session)[1] == []


# ── writing: all or nothing, revisions, versions, generation ─────────────────────────────────


def count(session: Session, model: type[Any]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_one_bad_row_writes_nothing(tmp_path: Path, db: Database) -> None:
    path = write_csv(
        tmp_path / "bad.csv", [make_raw("ok-1"), make_raw("ok-2"), make_raw("bad-3", region="")]
    )
    with db.session() as session:
        entries, problems = validate_paths([path], session)
    assert entries == []
    assert [str(p) for p in problems] == [f"{path}, row 4, field region: missing"]
    with db.session() as session:
        assert count(session, Entry) == 0


def test_import_creates_updates_and_leaves_unchanged(tmp_path: Path, session: Session) -> None:
    path = write_content(tmp_path / "a.yaml", [make_raw("imp-a"), make_raw("imp-b")])
    first = import_entries(session, validate_paths([path], session)[0], "alice")
    assert (first.created, first.updated, first.unchanged) == (["imp-a", "imp-b"], [], [])
    assert generation(session) == 1
    b_before = session.get(Entry, "imp-b")
    assert b_before is not None
    stamp = b_before.updated_at

    write_content(
        path,
        [
            make_raw("imp-a", answer="改过的答案（全国，2025年）。"),
            make_raw("imp-b"),
            make_raw("imp-c"),
        ],
    )
    second = import_entries(session, validate_paths([path], session)[0], "bob")
    assert (second.created, second.updated, second.unchanged) == (["imp-c"], ["imp-a"], ["imp-b"])
    assert generation(session) == 2
    a = session.get(Entry, "imp-a")
    b = session.get(Entry, "imp-b")
    assert a is not None and b is not None
    assert (a.version, a.updated_by) == (2, "bob")
    assert (b.version, b.updated_by, b.updated_at) == (1, "alice", stamp)
    revisions = session.scalars(
        select(EntryRevision)
        .where(EntryRevision.entry_id == "imp-a")
        .order_by(EntryRevision.version)
    ).all()
    assert [(r.version, r.action, r.changed_by) for r in revisions] == [
        (1, "import", "alice"),
        (2, "import", "bob"),
    ]
    assert revisions[1].data == a.snapshot()

    third = import_entries(session, validate_paths([path], session)[0], "bob")
    assert (third.created, third.updated) == ([], [])
    assert generation(session) == 2


# ── shipped content ──────────────────────────────────────────────────────────────────────────


def test_shipped_content_loads_once_into_an_empty_database(shipped: Path, db: Database) -> None:
    raws = [make_raw("ship-a"), make_raw("ship-b")]
    for raw in raws:
        del raw["category"]
    write_content(shipped / "a.yaml", raws, "失业保险")
    assert load_shipped_content(db) == 2
    assert load_shipped_content(db) == 0
    with db.session() as session:
        entry = session.get(Entry, "ship-a")
        assert entry is not None
        assert (entry.updated_by, entry.category, entry.version) == ("system", "失业保险", 1)


def test_shipped_content_is_not_loaded_over_existing_entries(
    tmp_path: Path, shipped: Path, db: Database
) -> None:
    with db.session() as session:
        own = write_content(tmp_path / "own.yaml", [make_raw("own")])
        import_entries(session, validate_paths([own], session)[0], "alice")
    write_content(shipped / "a.yaml", [make_raw("ship-a")])
    assert load_shipped_content(db) == 0


def test_bad_shipped_content_loads_nothing(shipped: Path, db: Database) -> None:
    write_content(shipped / "a.yaml", [make_raw("ship-a"), make_raw("ship-b", region="火星市")])
    with pytest.raises(InvalidEntries) as info:
        load_shipped_content(db)
    assert only(info.value.problems).field == "region"
    with db.session() as session:
        assert count(session, Entry) == 0


def test_the_real_shipped_folder_is_found() -> None:
    from knowledge.importer import shipped_content_files

    with shipped_content_files() as files:
        assert all(f.suffix in (".yaml", ".yml") and f.is_file() for f in files)
