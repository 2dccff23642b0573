"""Policy documents in the console: the list and import (as ``shebao kb import-document``, the
same validate-everything-then-write rule), and a document's page: its passages with how often
each was quoted in an answer, the coverage report, and one click to a draft entry prefilled
from a passage (which then goes through the usual review)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, flash, render_template, request
from sqlalchemy import func, select

from bot import grounded
from knowledge.coverage import coverage, summary
from knowledge.document_models import Document, Passage
from knowledge.documents import FORMATS, import_document, sentences, validate_file
from knowledge.models import Entry
from knowledge.schema import Problem
from shebao import clock
from webhooks.admin import texts
from webhooks.admin.forms import DocumentForm
from webhooks.admin.web import actor, current_staff, record, transaction
from webhooks.services import services

bp = Blueprint("documents", __name__, url_prefix="/documents")

ANSWER_CHARS = 320  # an entry's answer is at most this long (the edit form says so)


def _live_index() -> Any:
    bot = services().bot
    return grounded.passages_of(bot.understanding, bot.db).current()


def _listing() -> list[dict[str, Any]]:
    with transaction() as s:
        rows = s.execute(
            select(
                Passage.document_id, func.count(), func.coalesce(func.sum(Passage.answered), 0)
            ).group_by(Passage.document_id)
        ).all()
        counts = {r[0]: (int(r[1]), int(r[2])) for r in rows}
        today = clock.china_today()
        return [
            {
                "doc": d,
                "passages": counts.get(d.id, (0, 0))[0],
                "answered": counts.get(d.id, (0, 0))[1],
                "in_force": d.in_force(today),
            }
            for d in s.scalars(select(Document).order_by(Document.issued.desc()))
        ]


@bp.route("", methods=["GET", "POST"])
def index() -> str | tuple[str, int]:
    form = DocumentForm()
    problems: list[Problem] = []
    status = 200
    if request.method == "POST":
        if not current_staff().can("reviewer"):  # a document is quoted at once: no review step
            abort(403)
        problems = _import(form)
        status = 400 if problems else 200
    return render_template(
        "admin/documents/index.html", form=form, problems=problems, documents=_listing()
    ), status


def _import(form: DocumentForm) -> list[Problem]:
    upload = request.files.get("file")
    name = Path(upload.filename or "").name if upload else ""
    if upload is None or not name:
        return [Problem("-", "file", texts.DOCUMENT_NO_FILE)]
    suffix = Path(name).suffix.lower()
    if suffix not in FORMATS:
        return [Problem(name, "file", texts.DOCUMENT_BAD_TYPE.format(suffix=suffix or "（无）"))]
    fields = {
        "title": form.title.data,
        "number": form.number.data,
        "issuer": form.issuer.data,
        "date": form.date.data,
        "region": form.region.data,
        "effective_from": form.effective_from.data,
        "effective_to": form.effective_to.data,
        "filename": name,
    }
    with tempfile.TemporaryDirectory(prefix="shebao-document-") as folder:
        path = Path(folder) / f"upload{suffix}"
        upload.save(path)
        data, problems = validate_file(path, fields)
    problems = [Problem(name, p.field, p.message) for p in problems]
    if problems or data is None:
        flash(texts.IMPORT_PROBLEMS.format(n=len(problems)), "error")
        return problems
    with transaction() as s:
        row = import_document(s, data, f"console:{actor()}")
        record(s, "document_import", row.id, version=row.version, passages=len(data.passages))
        flash(texts.DOCUMENT_IMPORTED.format(title=row.title, n=len(data.passages)), "success")
    return []


@bp.get("/<doc_id>")
def show(doc_id: str) -> str:
    index = _live_index()
    regions = services().bot.understanding.regions
    with transaction() as s:
        doc = s.get(Document, doc_id)
        if doc is None:
            abort(404)
        items = coverage(s, doc_id, index, regions, clock.china_today())
        passages = [{"passage": p, "sentences": sentences(p.text)} for p in doc.passages]
        stating = {e for i in items for e in i.entries}
        questions = dict(
            s.execute(select(Entry.id, Entry.question).where(Entry.id.in_(stating))).all()
        )
        return render_template(
            "admin/documents/show.html",
            doc=doc,
            passages=passages,
            items=items,
            questions=questions,
            counts=summary(items),
            in_force=doc.in_force(clock.china_today()),
        )


def prefill_entry(form: Any, passage_id: int) -> bool:
    """Fill a new entry's form from a passage: its sentences as the answer (cut to the answer
    limit at a sentence end), the document as the source, its region and dates."""
    with transaction() as s:
        passage = s.get(Passage, passage_id)
        if passage is None:
            return False
        doc = passage.document
        answer = ""
        for sentence in sentences(passage.text):
            if len(answer) + len(sentence) > ANSWER_CHARS:
                break
            answer += sentence
        form.answer.data = answer or passage.text[:ANSWER_CHARS]
        form.source_title.data = doc.title
        form.source_number.data = doc.number or ""
        form.source_date.data = doc.issued
        form.region.data = doc.region
        form.effective_from.data = doc.effective_from
        form.effective_to.data = doc.effective_to
        form.category.data = "documents"
        return True
