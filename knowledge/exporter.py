"""Export of entries as JSON lines, YAML (the content format), CSV and XLSX.

By default only published entries are exported (in force or not); ``include_all`` adds drafts,
entries in review and archived ones. Entries come out ordered by category, then id. What is
exported is each entry's live row; pending console edits are not part of it.

YAML, CSV and XLSX exports are valid input for ``shebao kb import`` and import back without
change. The JSON-lines record adds ``source`` (a display label such as
"《失业保险条例》 国务院令第258号 1999-01-22"), ``version``, ``updated_by`` and ``updated_at``.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from itertools import groupby
from pathlib import Path
from typing import IO, Any, TextIO

import yaml
from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge.importer import COLUMNS
from knowledge.models import Entry

FORMATS = ("jsonl", "yaml", "csv", "xlsx")
_WIDTHS = {
    "id": 32,
    "question": 36,
    "similar_questions": 40,
    "answer": 70,
    "keywords": 24,
    "source_title": 30,
    "source_number": 22,
    "topic": 32,
}


def select_entries(session: Session, include_all: bool = False) -> list[Entry]:
    query = select(Entry).order_by(Entry.category, Entry.id)
    if not include_all:
        query = query.where(Entry.status == "published")
    return list(session.scalars(query))


def entry_record(entry: Entry) -> dict[str, Any]:
    """One entry as a flat JSON-ready mapping (the JSON-lines record)."""
    record = entry.snapshot()
    return {
        "id": record["id"],
        "question": record["question"],
        "similar_questions": record["similar_questions"],
        "answer": record["answer"],
        "region": record["region"],
        "source": entry.source_label(),
        "source_title": record["source_title"],
        "source_number": record["source_number"],
        "source_date": record["source_date"],
        "effective_from": record["effective_from"],
        "effective_to": record["effective_to"],
        "status": record["status"],
        "category": record["category"],
        "keywords": record["keywords"],
        "topic": record["topic"],
        "version": entry.version,
        "updated_by": entry.updated_by,
        "updated_at": entry.updated_at.isoformat(timespec="seconds") if entry.updated_at else None,
    }


def write_jsonl(entries: Iterable[Entry], out: TextIO) -> None:
    for entry in entries:
        out.write(json.dumps(entry_record(entry), ensure_ascii=False) + "\n")


# ── YAML ─────────────────────────────────────────────────────────────────────────────────────


class _Dumper(yaml.SafeDumper):
    """Readable YAML: several-line text as a literal block, long lines not folded."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def yaml_entry(entry: Entry, with_category: bool = True) -> dict[str, Any]:
    """One entry in the content format (knowledge/content/README.md); empty fields left out."""
    out: dict[str, Any] = {"id": entry.id}
    if entry.topic and entry.topic != entry.id:
        out["topic"] = entry.topic
    out["question"] = entry.question
    out["similar_questions"] = list(entry.similar_questions or [])
    out["answer"] = entry.answer
    out["region"] = entry.region
    if with_category:
        out["category"] = entry.category
    if entry.keywords:
        out["keywords"] = list(entry.keywords)
    source: dict[str, Any] = {"title": entry.source_title}
    if entry.source_number:
        source["number"] = entry.source_number
    if entry.source_date:
        source["date"] = entry.source_date
    out["source"] = source
    if entry.effective_from:
        out["effective_from"] = entry.effective_from
    if entry.effective_to:
        out["effective_to"] = entry.effective_to
    out["status"] = entry.status
    return out


def _dump(data: Any) -> str:
    return yaml.dump(
        data,
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        width=4096,
        default_flow_style=False,
    )


def category_document(category: str, entries: Iterable[Entry]) -> str:
    """One content file: ``category:`` and its entries."""
    return _dump(
        {"category": category, "entries": [yaml_entry(e, with_category=False) for e in entries]}
    )


def write_yaml(entries: Iterable[Entry], out: TextIO) -> None:
    """One YAML document, entries grouped by category.

    With a single category this is exactly a content file; with several, each entry carries
    its ``category`` and a comment heads each group.
    """
    groups = [(cat, list(group)) for cat, group in groupby(entries, key=lambda e: e.category)]
    if len(groups) == 1:
        out.write(category_document(*groups[0]))
        return
    out.write("entries:\n" if groups else "entries: []\n")
    for category, group in groups:
        out.write(f"# ── {category} ({len(group)}) ──\n")
        out.write(_dump([yaml_entry(e) for e in group]))


def write_yaml_dir(entries: Iterable[Entry], folder: Path) -> list[Path]:
    """One content file per category, named after it (``失业保险.yaml``), in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for category, group in groupby(entries, key=lambda e: e.category):
        name = "".join(c if c.isalnum() or c in "-_" else "_" for c in category) or "uncategorised"
        path = folder / f"{name}.yaml"
        path.write_text(category_document(category, group), "utf-8")
        written.append(path)
    return written


# ── tables ───────────────────────────────────────────────────────────────────────────────────


def table_row(entry: Entry) -> list[Any]:
    """One entry as a row of ``knowledge.importer.COLUMNS`` (dates as ``date``)."""
    values: dict[str, Any] = {
        "id": entry.id,
        "question": entry.question,
        "similar_questions": "\n".join(entry.similar_questions or []),
        "answer": entry.answer,
        "region": entry.region,
        "category": entry.category,
        "keywords": "|".join(entry.keywords or []),
        "source_title": entry.source_title,
        "source_number": entry.source_number,
        "source_date": entry.source_date,
        "effective_from": entry.effective_from,
        "effective_to": entry.effective_to,
        "status": entry.status,
        "topic": entry.topic,
    }
    return [values[name] for name in COLUMNS]


def write_csv(entries: Iterable[Entry], out: TextIO) -> None:
    """CSV with a header row. Write files as ``utf-8-sig`` so Excel reads the Chinese."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for entry in entries:
        writer.writerow(
            [
                "" if v is None else v.isoformat() if hasattr(v, "isoformat") else v
                for v in table_row(entry)
            ]
        )


def write_xlsx(entries: Iterable[Entry], out: Path | IO[bytes]) -> None:
    """A workbook with one sheet "entries": a header row, then one row per entry."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "entries"
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "B2"
    wrap = Alignment(wrap_text=True, vertical="top")
    for entry in entries:
        sheet.append(table_row(entry))
        for cell in sheet[sheet.max_row]:
            assert isinstance(cell, Cell)  # a row just appended has no merged cells
            cell.alignment = wrap
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text, never a formula
            elif cell.is_date:
                cell.number_format = "yyyy-mm-dd"
    for index, name in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = _WIDTHS.get(name, 14)
    book.save(out)
