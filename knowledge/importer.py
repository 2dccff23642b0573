"""Bulk import of entries from YAML (the content format), CSV, XLSX and JSON lines.

Staff keep entries in Excel, so a spreadsheet is a first-class source: one row per entry, a
header row naming the columns (``COLUMNS``), similar questions one per line in the cell (or
separated by ``|``), keywords separated by ``|``, commas or 、, dates as date cells or
YYYY-MM-DD. Problems are reported as "file, row N, field X: message", N being the row number
the spreadsheet shows (the header is row 1).

Import is all-or-nothing: ``validate_paths`` reads and checks every file (each entry with
``knowledge.schema``, then ids and questions across the import and against the database)
before ``import_entries`` writes anything, in the caller's one transaction.

Import is the bulk path for administrators and for the shipped content: each entry's status is
taken from the file (published entries go live without the review step of
``knowledge.curation``). A changed entry takes the next version number, which supersedes any
pending edit of it made in the console; ``ImportResult.superseded`` names those entries.
"""

from __future__ import annotations

import csv
import io
import json
import re
import warnings
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from knowledge.curation import (
    apply_data,
    bump_generation,
    commit_row,
    pending_edit,
    question_conflicts,
    snapshot_of,
)
from knowledge.documents import load_shipped_documents
from knowledge.models import Entry
from knowledge.schema import (
    EntryData,
    InvalidEntries,
    Problem,
    check_unique,
    load_yaml_file,
    parse_entry,
)
from shebao.db import Database

#: The columns of a CSV or XLSX file, in the order the exporter writes them.
COLUMNS = (
    "id",
    "question",
    "similar_questions",
    "answer",
    "region",
    "category",
    "keywords",
    "source_title",
    "source_number",
    "source_date",
    "effective_from",
    "effective_to",
    "status",
    "topic",
)
REQUIRED_COLUMNS = ("id", "question", "answer", "region", "category", "source_title")
SUFFIXES = (".yaml", ".yml", ".csv", ".xlsx", ".jsonl")

_DATE_COLUMNS = ("source_date", "effective_from", "effective_to")
# Excel on Chinese Windows writes dates into CSV as 2024/1/1; people also type 2024年1月1日.
_LOCAL_DATE = re.compile(r"^(\d{4})\s*[/.年-]\s*(\d{1,2})\s*[/.月-]\s*(\d{1,2})\s*日?$")
# The schema names fields as the YAML format nests them; CSV, XLSX and JSON lines are flat.
_SCHEMA_TO_COLUMN = {"source": "source_title", "source.date": "source_date"}
_SIMILAR_SPLIT = re.compile(r"[\n|]+")
_KEYWORD_SPLIT = re.compile(r"[\n|,，、;；]+")


@dataclass
class ImportResult:
    """Ids of the entries an import created, changed and left alone."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    superseded: list[str] = field(default_factory=list)  # pending console edits overridden


# ── reading ──────────────────────────────────────────────────────────────────────────────────


def expand_paths(paths: Iterable[Path | str]) -> list[Path]:
    """Files as given; a directory stands for its importable files, sorted by name."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(f for f in p.iterdir() if f.suffix.lower() in SUFFIXES)
        else:
            out.append(p)
    return out


def read_path(path: Path) -> tuple[list[tuple[EntryData, str]], list[Problem]]:
    """Every entry of one file, each with where it came from, or what is wrong with them."""
    suffix = path.suffix.lower()
    try:
        if suffix in (".yaml", ".yml"):
            return load_yaml_file(path)
        if suffix == ".csv":
            return _read_table(path, _csv_rows(path))
        if suffix == ".xlsx":
            return _read_table(path, _xlsx_rows(path))
        if suffix == ".jsonl":
            return _read_jsonl(path)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, InvalidFileException) as exc:
        return [], [Problem(str(path), "-", f"cannot read the file: {exc}")]
    return [], [
        Problem(str(path), "-", f"unsupported file type {suffix!r}; use {', '.join(SUFFIXES)}")
    ]


def _csv_rows(path: Path) -> Iterator[tuple[int, list[Any]]]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("gb18030")  # Excel on Chinese Windows saves CSV as GBK
    # A cell may hold several lines; the spreadsheet shows it as one row, so count records.
    yield from enumerate(csv.reader(io.StringIO(text, newline="")), start=1)


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[Any]]]:
    with warnings.catch_warnings():
        # Files saved by WPS or LibreOffice lack openpyxl's default style; harmless.
        warnings.filterwarnings("ignore", category=UserWarning, module="openpyxl")
        book = load_workbook(path, data_only=True)
    try:
        sheet = book["entries"] if "entries" in book.sheetnames else book.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, list(row)
    finally:
        book.close()


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, date) or value is None:
        return value
    return str(value).strip()


def _local_date(value: Any) -> Any:
    """``2024/1/1`` or ``2024年1月1日`` as a date; anything else as it was, for the schema to
    accept or report."""
    match = _LOCAL_DATE.match(value) if isinstance(value, str) else None
    if match is None:
        return value
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        return value


def _split(value: Any, pattern: re.Pattern[str]) -> list[str]:
    if value in (None, ""):
        return []
    return [part.strip() for part in pattern.split(str(value)) if part.strip()]


def _read_table(
    path: Path, rows: Iterator[tuple[int, list[Any]]]
) -> tuple[list[tuple[EntryData, str]], list[Problem]]:
    header: list[str] | None = None
    out: list[tuple[EntryData, str]] = []
    problems: list[Problem] = []
    for number, cells in rows:
        values = [_cell(c) for c in cells]
        if all(v in (None, "") for v in values):
            continue
        if header is None:
            header = [str(v or "").strip().lower() for v in values]
            where = f"{path}, row {number}"
            problems += [
                Problem(where, name, "unknown column; expected one of " + ", ".join(COLUMNS))
                for name in header
                if name and name not in COLUMNS
            ]
            problems += [
                Problem(where, name, "column missing")
                for name in REQUIRED_COLUMNS
                if name not in header
            ]
            if problems:
                return [], problems
            continue
        raw = {name: value for name, value in zip(header, values, strict=False) if name}
        raw["similar_questions"] = _split(raw.get("similar_questions"), _SIMILAR_SPLIT)
        raw["keywords"] = _split(raw.get("keywords"), _KEYWORD_SPLIT)
        for name in _DATE_COLUMNS:
            raw[name] = _local_date(raw.get(name))
        where = f"{path}, row {number}"
        entry, errs = parse_entry(raw, where)
        problems += [replace(p, field=_SCHEMA_TO_COLUMN.get(p.field, p.field)) for p in errs]
        if entry is not None:
            out.append((entry, where))
    if header is None:
        problems.append(Problem(str(path), "-", "empty: no header row"))
    return out, problems


def _read_jsonl(path: Path) -> tuple[list[tuple[EntryData, str]], list[Problem]]:
    out: list[tuple[EntryData, str]] = []
    problems: list[Problem] = []
    for number, line in enumerate(path.read_text("utf-8-sig").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}, line {number}"
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(Problem(where, "-", f"not JSON: {exc}"))
            continue
        if not isinstance(raw, dict):
            problems.append(Problem(where, "-", "not a JSON object"))
            continue
        if "source_title" in raw:
            raw.pop("source", None)  # the exporter's display label, not the title
        entry, errs = parse_entry(raw, where)
        problems += [replace(p, field=_SCHEMA_TO_COLUMN.get(p.field, p.field)) for p in errs]
        if entry is not None:
            out.append((entry, where))
    return out, problems


def validate_paths(
    paths: Iterable[Path | str], session: Session | None = None
) -> tuple[list[EntryData], list[Problem]]:
    """Read and check every file; with a ``session``, also against the database.

    Checks each entry (``knowledge.schema.parse_entry``: missing fields, source or region,
    unknown region, answer too long, bad dates, …), then that no id or question appears twice
    in the import, nor in an entry already in the database that the import does not replace.
    Nothing is written. Entries are returned only when there are no problems.
    """
    pairs: list[tuple[EntryData, str]] = []
    problems: list[Problem] = []
    for path in expand_paths(paths):
        entries, errs = read_path(path)
        pairs += entries
        problems += errs
    if session is not None:
        problems += question_conflicts(session, pairs)
    else:
        problems += check_unique(pairs)
    if problems:
        return [], problems
    return [entry for entry, _ in pairs], []


# ── writing ──────────────────────────────────────────────────────────────────────────────────


def import_entries(session: Session, entries: list[EntryData], actor: str) -> ImportResult:
    """Create or update ``entries`` in one go; raise ``InvalidEntries`` before writing if any
    id or question clashes. Entries equal to the database are not touched. The caller owns the
    transaction (``Database.session()`` rolls everything back on an exception)."""
    problems = question_conflicts(session, [(e, f"entry {e.id}") for e in entries])
    if problems:
        raise InvalidEntries(problems)
    result = ImportResult()
    for data in entries:
        entry = session.get(Entry, data.id)
        if entry is None:
            entry = Entry(id=data.id, version=0)
            apply_data(entry, data)
            session.add(entry)
            commit_row(session, entry, "import", actor)
            result.created.append(data.id)
            continue
        if entry.snapshot() == snapshot_of(data):
            result.unchanged.append(data.id)
            continue
        if pending_edit(session, data.id) is not None:
            result.superseded.append(data.id)
        apply_data(entry, data)
        commit_row(session, entry, "import", actor)
        result.updated.append(data.id)
    if result.created or result.updated:
        bump_generation(session, result.created + result.updated)
    return result


@contextmanager
def shipped_content_files() -> Iterator[list[Path]]:
    """The curated YAML files shipped in ``knowledge/content``, as real files while open."""
    folder = resources.files("knowledge").joinpath("content")
    with ExitStack() as stack:
        files: list[Path] = []
        if folder.is_dir():
            for item in sorted(folder.iterdir(), key=lambda t: t.name):
                if item.name.endswith((".yaml", ".yml")):
                    files.append(Path(stack.enter_context(resources.as_file(item))))
        yield files


def load_shipped_content(db: Database) -> int:
    """On an empty knowledge base, import the shipped content as "system"; return how many
    entries were loaded (0 when entries exist). Raises ``InvalidEntries`` for bad content.
    The shipped policy documents are loaded the same way (``knowledge.documents``)."""
    load_shipped_documents(db)
    try:
        with db.session() as session:
            if session.scalar(select(func.count()).select_from(Entry)):
                return 0
            with shipped_content_files() as files:
                entries, problems = validate_paths(files, session)
            if problems:
                raise InvalidEntries(problems)
            result = import_entries(session, entries, "system")
            return len(result.created)
    except IntegrityError:
        # Another worker loaded the content at the same moment; that is as good.
        with db.session() as session:
            if session.scalar(select(func.count()).select_from(Entry)):
                return 0
        raise
