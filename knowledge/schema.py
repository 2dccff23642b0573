"""The shape of one entry as curators write it, and the checks every entry must pass.

Used by the YAML content loader, ``shebao kb import`` (YAML, CSV, XLSX) and the staff console.
Run ``python -m knowledge.schema knowledge/content/*.yaml`` to check content files by hand.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from knowledge.models import STATUSES
from knowledge.regions import load_regions

MAX_ANSWER_CHARS = 320
MIN_SIMILAR = 3
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{2,119}$")
_PUNCT = re.compile(r"[\s\u3000，。？！、；：,.?!;:“”\"'（）()《》]+")


@dataclass
class EntryData:
    id: str
    question: str
    similar_questions: list[str]
    answer: str
    region: str
    category: str
    source_title: str
    source_number: str | None = None
    source_date: date | None = None
    effective_from: date | None = None
    effective_to: date | None = None
    status: str = "published"
    keywords: list[str] = field(default_factory=list)
    topic: str = ""

    def all_questions(self) -> list[str]:
        return [self.question, *self.similar_questions]


@dataclass(frozen=True)
class Problem:
    where: str  # file and row, e.g. "knowledge/content/pension.yaml entry 3"
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}, field {self.field}: {self.message}"


class InvalidEntries(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def question_key(text: str) -> str:
    """Two questions that differ only by punctuation or spacing are the same question."""
    return _PUNCT.sub("", text).lower()


def _date(value: Any, where: str, name: str, problems: list[Problem]) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        problems.append(Problem(where, name, f"not a date (YYYY-MM-DD): {value!r}"))
        return None


def _list(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        parts = re.split(r"[\n|；;]+", value)
        return [p.strip() for p in parts if p.strip()]
    return [str(v).strip() for v in value if str(v).strip()]


def parse_entry(
    raw: dict[str, Any], where: str, category: str | None = None
) -> tuple[EntryData | None, list[Problem]]:
    """Turn one raw mapping into ``EntryData``, or say exactly what is wrong with it."""
    problems: list[Problem] = []
    regions = load_regions()

    def text(name: str, required: bool = True) -> str:
        value = raw.get(name)
        value = "" if value is None else str(value).strip()
        if required and not value:
            problems.append(Problem(where, name, "missing"))
        return value

    source = raw.get("source") or {}
    if not isinstance(source, dict):
        source = {"title": str(source)}
    entry_id = text("id")
    if entry_id and not _SLUG.match(entry_id):
        problems.append(Problem(where, "id", f"not a slug (a-z, 0-9, '-'): {entry_id!r}"))
    question = text("question")
    similar = _list(raw.get("similar_questions", raw.get("similar")))
    answer = text("answer")
    region = text("region")
    if region and region not in regions:
        problems.append(Problem(where, "region", f"unknown region {region!r}"))
    cat = str(raw.get("category") or category or "").strip()
    if not cat:
        problems.append(Problem(where, "category", "missing"))
    title = str(source.get("title") or raw.get("source_title") or "").strip()
    if not title:
        problems.append(Problem(where, "source", "missing source title"))
    number = str(source.get("number") or raw.get("source_number") or "").strip() or None
    sdate = _date(source.get("date", raw.get("source_date")), where, "source.date", problems)
    eff_from = _date(raw.get("effective_from"), where, "effective_from", problems)
    eff_to = _date(raw.get("effective_to"), where, "effective_to", problems)
    if eff_from and eff_to and eff_to < eff_from:
        problems.append(Problem(where, "effective_to", "ends before effective_from"))
    status = str(raw.get("status") or "published").strip()
    if status not in STATUSES:
        problems.append(Problem(where, "status", f"must be one of {', '.join(STATUSES)}"))
    if answer and len(answer) > MAX_ANSWER_CHARS:
        problems.append(
            Problem(where, "answer", f"{len(answer)} characters, at most {MAX_ANSWER_CHARS}")
        )
    if status == "published" and len(similar) < MIN_SIMILAR:
        problems.append(
            Problem(
                where, "similar_questions", f"{len(similar)} given, at least {MIN_SIMILAR} needed"
            )
        )
    keys = [question_key(q) for q in [question, *similar]]
    if len(set(keys)) != len(keys):
        problems.append(Problem(where, "similar_questions", "repeats a question"))
    if problems:
        return None, problems
    return EntryData(
        id=entry_id,
        question=question,
        similar_questions=similar,
        answer=answer,
        region=region,
        category=cat,
        source_title=title,
        source_number=number,
        source_date=sdate,
        effective_from=eff_from,
        effective_to=eff_to,
        status=status,
        keywords=_list(raw.get("keywords")),
        topic=str(raw.get("topic") or entry_id).strip(),
    ), []


def check_unique(entries: list[tuple[EntryData, str]]) -> list[Problem]:
    """No two entries share an id, and no two share a question.

    The one exception: regional variants of one topic (the same question answered for 江门市
    and for 茂名市) may ask the same way, since the asker's region picks between them.
    """
    problems: list[Problem] = []
    ids: dict[str, str] = {}
    owners: dict[str, EntryData] = {}
    for entry, where in entries:
        if entry.id in ids:
            problems.append(Problem(where, "id", f"{entry.id!r} already used at {ids[entry.id]}"))
            continue
        ids[entry.id] = where
        for q in entry.all_questions():
            key = question_key(q)
            other = owners.get(key)
            if (
                other is not None
                and other.id != entry.id
                and not (other.topic == entry.topic and other.region != entry.region)
            ):
                problems.append(
                    Problem(where, "question", f"{q!r} is also a question of entry {other.id!r}")
                )
            owners.setdefault(key, entry)
    return problems


def load_yaml_file(path: Path) -> tuple[list[tuple[EntryData, str]], list[Problem]]:
    problems: list[Problem] = []
    try:
        doc = yaml.safe_load(path.read_text("utf-8")) or {}
    except yaml.YAMLError as exc:
        return [], [Problem(str(path), "-", f"not valid YAML: {exc}")]
    category = doc.get("category") if isinstance(doc, dict) else None
    raws = doc.get("entries", []) if isinstance(doc, dict) else doc
    out: list[tuple[EntryData, str]] = []
    for i, raw in enumerate(raws or [], start=1):
        where = f"{path} entry {i}" + (f" ({raw.get('id')})" if isinstance(raw, dict) else "")
        if not isinstance(raw, dict):
            problems.append(Problem(where, "-", "not a mapping"))
            continue
        entry, errs = parse_entry(raw, where, category)
        problems += errs
        if entry:
            out.append((entry, where))
    return out, problems


def main(argv: list[str]) -> int:
    all_entries: list[tuple[EntryData, str]] = []
    problems: list[Problem] = []
    for name in argv:
        entries, errs = load_yaml_file(Path(name))
        all_entries += entries
        problems += errs
    problems += check_unique(all_entries)
    for p in problems:
        print(p)
    print(f"{len(all_entries)} entries, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
