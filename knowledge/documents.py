"""Policy documents: read (.txt, .docx, .pdf), validate, split into passages, import.

A document is a record (title, 文号, issuing body, date, region, effective dates, status) and its
source text. The text is split into **passages**: runs of whole sentences of one paragraph (a
short heading line goes with the paragraph under it, a table row becomes one line naming its
columns), each knowing its document and its position. Passages are what the passage index
(``knowledge.passages``) searches and what a grounded answer quotes, so every sentence shown
to a citizen is the document's own.

Import validates everything first (``validate_document``) and writes only when there is no
problem; re-importing a document (same id) replaces its passages, keeping the answer counts of
passages whose text did not change. The five seed documents ship in ``knowledge/documents/``
(``manifest.yaml``) and are loaded on a first run with the shipped entries.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from knowledge.document_models import DOCUMENT_STATUSES, Document, Passage
from knowledge.regions import Regions, load_regions
from knowledge.schema import Problem
from shebao.clock import utcnow
from shebao.db import Database

FORMATS = (".txt", ".docx", ".pdf")
PASSAGE_CHARS = 160  # a passage closes at the first sentence end after this many characters
HEADING_CHARS = 30  # a line this short without a sentence end is a heading (or a caption)
MAX_TEXT = 2_000_000  # characters; a policy document is far shorter
_SENTENCE = re.compile(r"[^。！？!?]*(?:[。！？!?]+[”’」』）)]*|$)")
_SENTENCE_END = re.compile(r"[。！？!?；;：:][”’」』）)]*$")
_TOC = re.compile(r"(?:\.{3,}|…{2,}|·{3,})\s*\d+\s*$")  # 第一节 发展基础.....1
_MARKUP = re.compile(r"\*\*|^#+\s*|^\s*[-*]\s+(?=\S)")
_SPACES = re.compile(r"[ \u3000]{2,}")
_FIGURE_CELL = re.compile(r"^[\[\]\d.,%<>≥≤～~\-\s万亿元]+$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,119}$")


class InvalidDocument(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class DocumentData:
    """A validated document, ready to write."""

    id: str
    title: str
    issued: date
    region: str
    text: str
    date_precision: str = "day"
    number: str | None = None
    issuer: str | None = None
    effective_from: date | None = None
    effective_to: date | None = None
    status: str = "in_force"
    filename: str | None = None
    passages: list[str] = field(default_factory=list)


# -- reading ------------------------------------------------------------------------------------


def read_text(path: Path) -> str:
    """The text of a .txt (UTF-8 or GB18030), .docx (paragraphs and table rows) or .pdf (its
    text layer). Raises ``ValueError`` with a message for the citizen-facing staff to read."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"unsupported file type {suffix or '(none)'}; use .txt, .docx or .pdf")
    if suffix == ".txt":
        raw = path.read_bytes()
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                return raw.decode(encoding)
            except UnicodeDecodeError:
                continue
        raise ValueError("the .txt file is neither UTF-8 nor GB18030 text")
    if suffix == ".docx":
        return _docx_text(path)
    return _pdf_text(path)


def _docx_text(path: Path) -> str:
    import docx  # python-docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, KeyError, ValueError) as exc:
        raise ValueError(f"not a readable .docx file ({exc})") from exc
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        lines.append("")
        for row in table.rows:
            lines.append("\t".join(cell.text.strip() for cell in row.cells))
    return "\n\n".join(lines)


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, OSError) as exc:
        raise ValueError(f"not a readable .pdf file ({exc})") from exc
    return "\n".join(pages)


# -- splitting ----------------------------------------------------------------------------------


def sentences(text: str) -> list[str]:
    """The sentences of a passage, as written: split after 。！？ (with a closing quote), and at
    line breaks (a heading, a table row)."""
    out: list[str] = []
    for line in text.split("\n"):
        for match in _SENTENCE.finditer(line):
            s = match.group(0).strip()
            if s:
                out.append(s)
    return out


def _clean(line: str) -> str:
    line = _MARKUP.sub("", line.strip()).replace("**", "")
    return _SPACES.sub(" ", line).strip()


class _Table:
    """Tab-separated lines as lines naming their columns: ``专栏2 “十四五”时期主要指标：失业保险
    参保人数（万人）：2020 年 3603，2025 年 3700，约束性``. The header is the first row whose
    cells after the first are not figures; a line without tabs inside the table (一、社会保险)
    heads the rows under it."""

    def __init__(self, caption: str | None) -> None:
        self.caption = caption
        self.header: list[str] | None = None
        self.group: str | None = None

    def row(self, line: str) -> str | None:
        cells = [c.strip() for c in line.split("\t")]
        filled = [c for c in cells if c]
        if not filled:
            return None
        if self.header is None and not any(_FIGURE_CELL.match(c) for c in filled[1:]):
            self.header = [c.replace(" ", "") for c in cells]
            return None
        names = self.header or []
        units = [c for i, c in enumerate(cells) if i < len(names) and names[i] == "单位"]

        def unit_of(cell: str) -> str:
            """A figure cell said with the row's unit (3700 万人, 95%), as the table means it."""
            unit = units[0] if units else ""
            bare = not any(ch in cell for ch in "%％万亿元")
            return unit if unit and bare else ""

        label: list[str] = []
        values: list[str] = []
        for i, cell in enumerate(cells):
            name = names[i] if i < len(names) else ""
            if not cell or name == "序号":
                continue
            if name == "单位":
                continue
            elif _FIGURE_CELL.match(cell) and name:
                values.append(f"{name} {cell}{unit_of(cell)}")
            elif values:
                values.append(cell)
            else:
                label.append(cell)
        head = "，".join(label)
        body = "，".join(values)
        prefix = "".join(f"{p}：" for p in (self.caption, self.group) if p)
        return prefix + (f"{head}：{body}" if head and body else head or body) + "。"

    def heading(self, line: str) -> None:
        self.group = line


def paragraphs(text: str) -> list[str]:
    """The document's paragraphs, cleaned: markup and tables of contents out, a paragraph cut by a
    page break joined again, each table row one paragraph."""
    lines = [_clean(line) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    lines = [line for line in lines if line and not _TOC.search(line)]
    out: list[str] = []
    joinable = False
    table: _Table | None = None
    caption: str | None = None
    for i, line in enumerate(lines):
        if "\t" in line:
            if table is None:
                table = _Table(caption)
            row = table.row(line)
            if row:
                out.append(row)
            joinable = False
            continue
        if table is not None:
            following = lines[i + 1] if i + 1 < len(lines) else ""
            if len(line) <= HEADING_CHARS and "\t" in following:
                table.heading(line)
                continue
            table = None
        caption = line if len(line) <= HEADING_CHARS else None
        if joinable and not line.startswith(("第", "专栏", "（", "(")):
            out[-1] += line  # a sentence cut by a page or column break
        else:
            out.append(line)
        joinable = len(out[-1]) > HEADING_CHARS and not _SENTENCE_END.search(out[-1])
    return out


def split_passages(text: str) -> list[str]:
    """Passages of whole sentences, at paragraph boundaries; a heading goes with what follows."""
    out: list[str] = []
    heading: str | None = None
    for para in paragraphs(text):
        if len(para) <= HEADING_CHARS and not _SENTENCE_END.search(para):
            heading = para if heading is None else f"{heading}\n{para}"
            continue
        named = heading is not None and para.startswith(heading.split("\n")[-1])
        current: list[str] = [heading] if heading and not named else []
        heading = None
        size = 0
        for s in sentences(para):
            current.append(s)
            size += len(s)
            if size >= PASSAGE_CHARS:
                out.append(_join(current))
                current, size = [], 0
        if size:
            out.append(_join(current))
    if heading:
        out.append(heading)
    return out


def _join(parts: list[str]) -> str:
    """A heading on its own line, then the sentences as they run in the paragraph."""
    if parts and not _SENTENCE_END.search(parts[0]) and len(parts) > 1:
        return parts[0] + "\n" + "".join(parts[1:])
    return "".join(parts)


# -- validation ---------------------------------------------------------------------------------


def document_id(title: str, number: str | None) -> str:
    """A stable id for a document named by its 文号 (or title): the same document re-imported
    replaces itself."""
    key = (number or title).strip()
    return "doc-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]


def _parse_date(value: Any, name: str, where: str, problems: list[Problem]) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        problems.append(Problem(where, name, f"{value!r} is not a date (YYYY-MM-DD)"))
        return None


def _parse_issued(value: Any, where: str, problems: list[Problem]) -> tuple[date | None, str]:
    """The document's date and how much of it is known: YYYY-MM-DD, or YYYY-MM / YYYY when
    that is all the document says (a news feature)."""
    if isinstance(value, int) or (isinstance(value, str) and _YEAR.match(value.strip())):
        return date(int(str(value).strip()), 1, 1), "year"
    if isinstance(value, str) and _MONTH.match(value.strip()):
        year, month = value.strip().split("-")
        return date(int(year), int(month), 1), "month"
    return _parse_date(value, "date", where, problems), "day"


_YEAR = re.compile(r"^(19|20)\d\d$")
_MONTH = re.compile(r"^(19|20)\d\d-(0[1-9]|1[0-2])$")


def validate_document(
    fields: Mapping[str, Any],
    text: str | None,
    where: str,
    regions: Regions | None = None,
) -> tuple[DocumentData | None, list[Problem]]:
    """Every problem of one document (its fields and its text), or the validated document."""
    regions = regions or load_regions()
    problems: list[Problem] = []

    def text_field(name: str, limit: int, required: bool = False) -> str | None:
        value = fields.get(name)
        value = None if value is None else str(value).strip()
        if not value:
            if required:
                problems.append(Problem(where, name, "is required"))
            return None
        if len(value) > limit:
            problems.append(Problem(where, name, f"is longer than {limit} characters"))
        return value

    title = text_field("title", 300, required=True)
    number = text_field("number", 120)
    issuer = text_field("issuer", 200)
    doc_id = text_field("id", 120)
    if doc_id is not None and not _ID.match(doc_id):
        problems.append(Problem(where, "id", "use letters, digits, '.', '_' or '-'"))
    issued, precision = _parse_issued(fields.get("date"), where, problems)
    if fields.get("date") in (None, ""):
        problems.append(Problem(where, "date", "is required (YYYY-MM-DD)"))
    start = _parse_date(fields.get("effective_from"), "effective_from", where, problems)
    end = _parse_date(fields.get("effective_to"), "effective_to", where, problems)
    if start and end and end < start:
        problems.append(Problem(where, "effective_to", "is before effective_from"))
    region_name = text_field("region", 40, required=True)
    region: str | None = None
    if region_name is not None:
        resolved = regions.resolve(region_name)
        if resolved not in regions:
            served = "、".join(regions.parent)
            problems.append(
                Problem(where, "region", f"{region_name!r} is not a served region ({served})")
            )
        else:
            region = resolved
    status = str(fields.get("status") or "in_force")
    if status not in DOCUMENT_STATUSES:
        problems.append(Problem(where, "status", f"must be one of {', '.join(DOCUMENT_STATUSES)}"))
    passages: list[str] = []
    if text is None or not text.strip():
        problems.append(Problem(where, "text", "the document has no text (a scanned PDF?)"))
    elif len(text) > MAX_TEXT:
        problems.append(Problem(where, "text", f"is longer than {MAX_TEXT} characters"))
    else:
        passages = split_passages(text)
        if not any(_SENTENCE_END.search(p) for p in passages):
            problems.append(Problem(where, "text", "has no sentence to quote"))
    if problems or title is None or issued is None or region is None or text is None:
        return None, problems
    return (
        DocumentData(
            id=doc_id or document_id(title, number),
            title=title,
            issued=issued,
            region=region,
            text=text,
            date_precision=precision,
            number=number,
            issuer=issuer,
            effective_from=start,
            effective_to=end,
            status=status,
            filename=str(fields.get("filename")) if fields.get("filename") else None,
            passages=passages,
        ),
        [],
    )


def validate_file(
    path: Path, fields: Mapping[str, Any], regions: Regions | None = None
) -> tuple[DocumentData | None, list[Problem]]:
    """Read ``path`` and validate it with ``fields``; every problem, or the document."""
    where = str(path)
    try:
        text: str | None = read_text(path)
    except (OSError, ValueError) as exc:
        _, problems = validate_document(fields, None, where, regions)
        return None, [Problem(where, "file", str(exc))] + [p for p in problems if p.field != "text"]
    return validate_document({"filename": path.name, **fields}, text, where, regions)


# -- writing ------------------------------------------------------------------------------------


def import_document(session: Session, data: DocumentData, actor: str) -> Document:
    """Write ``data``: a new document, or a new version of the one with its id, whose passages
    replace the old ones (a passage with unchanged text keeps its answer count)."""
    row = session.get(Document, data.id)
    kept: dict[str, int] = {}
    if row is None:
        row = Document(id=data.id, version=1)
        session.add(row)
    else:
        kept = {p.text: p.answered for p in row.passages}
        row.version = (row.version or 1) + 1
        session.execute(delete(Passage).where(Passage.document_id == data.id))
        session.expire(row, ["passages"])
    row.title = data.title
    row.number = data.number
    row.issuer = data.issuer
    row.issued = data.issued
    row.date_precision = data.date_precision
    row.region = data.region
    row.effective_from = data.effective_from
    row.effective_to = data.effective_to
    row.status = data.status
    row.text = data.text
    row.filename = data.filename
    row.imported_by = actor
    row.imported_at = utcnow()
    session.flush()
    for position, text in enumerate(data.passages):
        session.add(
            Passage(document_id=data.id, position=position, text=text, answered=kept.get(text, 0))
        )
    session.flush()
    return row


def documents(session: Session) -> list[Document]:
    return list(session.scalars(select(Document).order_by(Document.issued.desc(), Document.id)))


def count_answered(session: Session, passage_id: int) -> None:
    """One more answer quoted ``passage_id``."""
    passage = session.get(Passage, passage_id)
    if passage is not None:
        passage.answered = (passage.answered or 0) + 1


# -- the shipped documents ---------------------------------------------------------------------


def shipped_manifest() -> list[dict[str, Any]]:
    text = resources.files("knowledge").joinpath("documents/manifest.yaml").read_text("utf-8")
    loaded = yaml.safe_load(text) or {}
    return list(loaded.get("documents") or [])


def validate_shipped(regions: Regions | None = None) -> tuple[list[DocumentData], list[Problem]]:
    folder = resources.files("knowledge").joinpath("documents")
    out: list[DocumentData] = []
    problems: list[Problem] = []
    for i, item in enumerate(shipped_manifest(), 1):
        where = f"knowledge/documents/manifest.yaml document {i}"
        name = str(item.get("file") or "")
        source = folder.joinpath(name)
        if not name or not source.is_file():
            problems.append(Problem(where, "file", f"{name!r} is not in knowledge/documents/"))
            continue
        fields = {k: v for k, v in item.items() if k not in ("file", "excluded")}
        data, found = validate_document(
            {"filename": name, **fields}, source.read_text("utf-8"), where, regions
        )
        problems += found
        if data is not None:
            out.append(data)
    return out, problems


def exclusions() -> dict[str, list[tuple[str, str]]]:
    """Per shipped document id, the (text, reason) of sentences deliberately not covered."""
    out: dict[str, list[tuple[str, str]]] = {}
    for item in shipped_manifest():
        doc_id = str(item.get("id") or "")
        out[doc_id] = [(str(e["text"]), str(e["reason"])) for e in item.get("excluded") or []]
    return out


def load_shipped_documents(db: Database) -> int:
    """On a knowledge base without documents, import the shipped ones as "system"; return how
    many were loaded (0 when documents exist). Raises ``InvalidDocument`` for bad content."""
    try:
        with db.session() as session:
            if session.scalar(select(func.count()).select_from(Document)):
                return 0
            shipped, problems = validate_shipped()
            if problems:
                raise InvalidDocument(problems)
            for data in shipped:
                import_document(session, data, "system")
            return len(shipped)
    except IntegrityError:
        with db.session() as session:  # another worker loaded them at the same moment
            if session.scalar(select(func.count()).select_from(Document)):
                return 0
        raise


def figures_of(text: str) -> list[str]:
    """The figures a sentence states (numbers with their unit, years, counts)."""
    return [m.group(0) for m in _FIGURE.finditer(text)]


_FIGURE = re.compile(
    r"\d+(?:[.,]\d+)*\s*(?:%|％|万人次|万人|万元|亿元|万家|万|亿|元|人次|人|项|个|家|条|张|笔|年|月|日|周岁|岁|倍)?"
    r"|[一二三四五六七八九十百千两]+(?:个|项|类|级|支柱|统一|无差异|通)"
)


def region_ok(regions: Regions, name: str) -> bool:
    return name in regions


def iter_sentences(passages: Iterable[str]) -> Iterable[tuple[int, str]]:
    for position, text in enumerate(passages):
        for s in sentences(text):
            yield position, s
