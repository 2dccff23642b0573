"""The knowledge base in the console: list, edit with preview, review, history, import, export.

Every change goes through ``knowledge.curation`` (drafts, four-eyes publish, archive, restore,
history, diff); import and export through ``knowledge.importer`` / ``knowledge.exporter``.
Publishing bumps ``KbState.generation`` (inside ``curation.publish``), so every worker's
engine reloads its index within seconds.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from bot.models import Handoff
from knowledge import curation, entry_picker
from knowledge.exporter import FORMATS, select_entries, write_csv, write_jsonl, write_xlsx
from knowledge.exporter import write_yaml as write_yaml_doc
from knowledge.importer import SUFFIXES, import_entries, validate_paths
from knowledge.models import STATUSES, Entry
from knowledge.regions import load_regions
from knowledge.schema import InvalidEntries, Problem
from shebao import clock
from webhooks.admin import diffs, disputed, documents, texts, unanswered
from webhooks.admin.forms import PROBLEM_FIELDS, EntryForm, ImportForm
from webhooks.admin.preview import preview
from webhooks.admin.web import actor, current_staff, record, requires, transaction

bp = Blueprint("entries", __name__, url_prefix="/entries")

PAGE_SIZE = 50
_MIMETYPES = {
    "jsonl": "application/x-ndjson; charset=utf-8",
    "yaml": "application/yaml; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


# ── list ─────────────────────────────────────────────────────────────────────────────────────


@bp.get("")
def index() -> str:
    args = request.args
    q = args.get("q", "").strip()
    region = args.get("region", "")
    category = args.get("category", "")
    status = args.get("status", "")
    in_force = args.get("in_force", "")
    page = max(1, args.get("page", 1, type=int) or 1)
    today = clock.china_today()
    query = select(Entry)
    if q:
        like = f"%{q}%"
        query = query.where(
            or_(
                Entry.id.ilike(like),
                Entry.question.ilike(like),
                Entry.answer.ilike(like),
                cast(Entry.similar_questions, String).ilike(like),
                cast(Entry.keywords, String).ilike(like),
            )
        )
    if region:
        query = query.where(Entry.region == region)
    if category:
        query = query.where(Entry.category == category)
    if status in STATUSES:
        query = query.where(Entry.status == status)
    started = or_(Entry.effective_from.is_(None), Entry.effective_from <= today)
    not_ended = or_(Entry.effective_to.is_(None), Entry.effective_to >= today)
    if in_force == "yes":
        query = query.where(started, not_ended)
    elif in_force == "no":
        query = query.where(~(started & not_ended))
    with transaction() as s:
        total = s.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = list(
            s.scalars(
                query.order_by(Entry.category, Entry.id)
                .offset((page - 1) * PAGE_SIZE)
                .limit(PAGE_SIZE)
            )
        )
        pending = {e.id for e in rows if curation.pending_edit(s, e.id) is not None}
        categories = list(s.scalars(select(Entry.category).distinct().order_by(Entry.category)))
    pages = max(1, -(-total // PAGE_SIZE))
    return render_template(
        "admin/entries/index.html",
        entries=rows,
        total=total,
        page=page,
        pages=pages,
        pending=pending,
        categories=categories,
        regions=list(load_regions().parent),
        statuses=STATUSES,
        today=today,
        args=args,
    )


@bp.get("/review")
def review() -> str:
    with transaction() as s:
        works = curation.awaiting_review(s)
        questions = {w.entry_id: w.data.get("question", "") for w in works}
    return render_template("admin/entries/review.html", works=works, questions=questions)


# ── one entry ────────────────────────────────────────────────────────────────────────────────


def _get(s: Session, entry_id: str) -> Entry:
    entry = s.get(Entry, entry_id)
    if entry is None:
        abort(404)
    return entry


@bp.get("/<entry_id>")
def show(entry_id: str) -> str:
    with transaction() as s:
        entry = _get(s, entry_id)
        work = curation.working_copy(s, entry_id)
        live = entry.snapshot()
        live_revision = curation.live_revision(s, entry_id)
        disputes, answers = disputed.rate(s, entry_id)
        returned = curation.open_return(s, entry_id)
        topic = entry_picker.topics(s).get(work.data["topic"], work.data["topic"])
    return render_template(
        "admin/entries/show.html",
        entry=entry,
        returned=returned,
        live=live,
        live_revision=live_revision,
        topic=topic,
        work=work,
        disputes=disputes,
        answers=answers,
        window=disputed.WINDOW_DAYS,
        preview=preview(work.data),
        today=clock.china_today(),
    )


def _apply_problems(form: EntryForm, problems: list[Problem]) -> None:
    general: list[str] = []
    for p in problems:
        name = PROBLEM_FIELDS.get(p.field, p.field)
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors") and name != "exchanges":
            field.errors = [*field.errors, p.message]
        else:
            general.append(f"{p.field}：{p.message}")
    flash(texts.INVALID + (" " + "；".join(general) if general else ""), "error")


def _render_form(form: EntryForm, entry: Entry | None, status: int = 200) -> tuple[str, int]:
    data = form.snapshot()
    data["id"] = entry.id if entry is not None else ""
    with transaction() as s:
        categories = list(s.scalars(select(Entry.category).distinct().order_by(Entry.category)))
    return render_template(
        "admin/entries/edit.html",
        form=form,
        entry=entry,
        preview=preview(data),
        categories=categories,
    ), status


def _form() -> EntryForm:
    with transaction() as s:
        return EntryForm(topics=entry_picker.topics(s))


@bp.route("/new", methods=["GET", "POST"])
def new() -> str | Response | tuple[str, int]:
    form = _form()
    if request.method == "GET":
        _prefill_new(form)
        return _render_form(form, None)
    action = request.form.get("action", "save")
    if action == "preview" or not form.validate():
        return _render_form(form, None, 200 if action == "preview" else 400)
    data = form.snapshot()
    exchange_ids = unanswered.parse_ids(form.exchanges.data)
    try:
        with transaction() as s:
            entry = curation.create_draft(s, data, actor())
            if action == "submit":
                curation.submit_for_review(s, entry.id, actor())
            resolved = unanswered.triage(s, exchange_ids, "resolved")
            record(
                s,
                "entry_create",
                entry.id,
                submitted=action == "submit",
                resolved_exchanges=resolved,
                handoff=form.handoff.data or None,
            )
    except InvalidEntries as exc:
        _apply_problems(form, exc.problems)
        return _render_form(form, None, 400)
    except curation.CurationError as exc:
        flash(str(exc), "error")
        return _render_form(form, None, 400)
    flash(texts.SUBMITTED if action == "submit" else texts.CREATED, "success")
    return redirect(url_for(".show", entry_id=entry.id))


def _prefill_new(form: EntryForm) -> None:
    """Start from questions in the unanswered queue, or from a hand-off and its answer."""
    form.region.data = "全国"
    passage_id = request.args.get("passage", type=int)
    if passage_id is not None:  # 起草条目 on a document's page
        documents.prefill_entry(form, passage_id)
    ids = unanswered.parse_ids(request.args.get("exchanges"))
    with transaction() as s:
        if ids:
            questions = unanswered.questions_of(s, ids)
            if questions:
                form.question.data = questions[0]
                form.similar_questions.data = "\n".join(questions[1:9])
                flash(
                    texts.PREFILLED_FROM_QUEUE.format(
                        n=len(questions[:9]), similar=len(questions[1:9])
                    ),
                    "info",
                )
            form.exchanges.data = ",".join(map(str, ids))
        handoff_id = request.args.get("handoff", type=int)
        if handoff_id:
            handoff = s.get(Handoff, handoff_id)
            if handoff is not None:
                form.question.data = handoff.question
                form.answer.data = handoff.answer or ""
                form.handoff.data = str(handoff.id)


@bp.route("/<entry_id>/edit", methods=["GET", "POST"])
def edit(entry_id: str) -> str | Response | tuple[str, int]:
    with transaction() as s:
        entry = _get(s, entry_id)
        work = curation.working_copy(s, entry_id)
    form = _form()
    if request.method == "GET":
        form.fill(work.data)
        return _render_form(form, entry)
    action = request.form.get("action", "save")
    if action == "preview" or not form.validate():
        return _render_form(form, entry, 200 if action == "preview" else 400)
    data = form.snapshot()
    data["id"] = entry_id
    try:
        with transaction() as s:
            before = curation.working_copy(s, entry_id).revision_id
            rev = curation.update(s, entry_id, data, actor())
            changed = rev.id != before
            if action == "submit":
                curation.submit_for_review(s, entry_id, actor())
            record(
                s,
                "entry_edit",
                entry_id,
                version=rev.version,
                changed=changed,
                submitted=action == "submit",
            )
    except InvalidEntries as exc:
        _apply_problems(form, exc.problems)
        return _render_form(form, entry, 400)
    except curation.CurationError as exc:
        flash(str(exc), "error")
        return _render_form(form, entry, 400)
    if action == "submit":
        flash(texts.SUBMITTED, "success")
    elif not changed:
        flash(texts.NOTHING_CHANGED, "info")
    else:
        flash(texts.SAVED_PENDING if entry.status == "published" else texts.SAVED_DRAFT, "success")
    return redirect(url_for(".show", entry_id=entry_id))


@bp.post("/preview")
def preview_fragment() -> str:
    """The preview alone, for the edit page's small script (the page works without it)."""
    form = EntryForm()
    return render_template("admin/entries/_preview.html", preview=preview(form.snapshot()))


# ── workflow ─────────────────────────────────────────────────────────────────────────────────


def _workflow(entry_id: str, action: str, done: str) -> Response:
    try:
        with transaction() as s:
            _get(s, entry_id)
            if action == "submit":
                curation.submit_for_review(s, entry_id, actor())
            elif action == "publish":
                curation.publish(s, entry_id, actor())
            elif action == "archive":
                curation.archive(s, entry_id, actor())
            record(s, f"entry_{action}", entry_id)
    except curation.ReviewerIsAuthor:
        with transaction() as s:
            record(s, f"entry_{action}_refused", entry_id, reason="reviewer_is_author")
        flash(texts.REVIEWER_IS_AUTHOR, "error")
    except InvalidEntries as exc:
        flash(
            texts.INVALID + " " + "；".join(f"{p.field}：{p.message}" for p in exc.problems),
            "error",
        )
    except curation.CurationError as exc:
        flash(str(exc), "error")
    else:
        flash(done, "success")
    return redirect(url_for(".show", entry_id=entry_id))


@bp.post("/<entry_id>/submit")
def submit(entry_id: str) -> Response:
    return _workflow(entry_id, "submit", texts.SUBMITTED)


@bp.post("/<entry_id>/publish")
@requires("reviewer")
def publish(entry_id: str) -> Response:
    return _workflow(entry_id, "publish", texts.PUBLISHED)


@bp.post("/<entry_id>/return")
@requires("reviewer")
def return_for_changes(entry_id: str) -> Response:
    """退回修改: the reviewer sends the change back to its author with a required comment."""
    comment = request.form.get("comment", "").strip()
    if not comment:
        flash(texts.RETURN_NEEDS_COMMENT, "error")
        return redirect(url_for(".show", entry_id=entry_id))
    try:
        with transaction() as s:
            _get(s, entry_id)
            if curation.working_copy(s, entry_id).status != "review":
                flash(texts.RETURN_NOT_IN_REVIEW, "error")
                return redirect(url_for(".show", entry_id=entry_id))
            rev = curation.return_for_changes(s, entry_id, actor(), comment)
            record(s, "entry_return", entry_id, version=rev.version, comment=comment)
    except curation.CurationError as exc:
        flash(str(exc), "error")
    else:
        flash(texts.RETURNED, "success")
    return redirect(url_for(".show", entry_id=entry_id))


@bp.post("/<entry_id>/archive")
@requires("reviewer")
def archive(entry_id: str) -> Response:
    return _workflow(entry_id, "archive", texts.ARCHIVED)


@bp.post("/<entry_id>/restore")
def restore(entry_id: str) -> Response:
    revision_id = request.form.get("revision", type=int)
    if revision_id is None:
        abort(400)
    try:
        with transaction() as s:
            _get(s, entry_id)
            version = curation.revision(s, entry_id, revision_id).version
            rev = curation.restore(s, entry_id, revision_id, actor())
            record(
                s,
                "entry_restore",
                entry_id,
                revision=revision_id,
                version=version,
                new_version=rev.version,
            )
    except InvalidEntries as exc:
        flash(
            texts.INVALID + " " + "；".join(f"{p.field}：{p.message}" for p in exc.problems),
            "error",
        )
    except curation.CurationError as exc:
        flash(str(exc), "error")
    else:
        flash(texts.RESTORED.format(version=version), "success")
    return redirect(url_for(".show", entry_id=entry_id))


# ── history ──────────────────────────────────────────────────────────────────────────────────


@bp.get("/<entry_id>/history")
def history(entry_id: str) -> str:
    with transaction() as s:
        entry = _get(s, entry_id)
        revisions = curation.history(s, entry_id)
        live = curation.live_revision(s, entry_id)
    return render_template(
        "admin/entries/history.html",
        entry=entry,
        revisions=list(reversed(revisions)),
        live_revision_id=live.id if live is not None else None,
    )


@bp.get("/<entry_id>/diff")
def diff(entry_id: str) -> str:
    a = request.args.get("a", type=int)  # revision ids: several revisions may be of one version
    b = request.args.get("b", type=int)
    if a is None or b is None:
        abort(400)
    try:
        with transaction() as s:
            entry = _get(s, entry_id)
            changes = curation.diff(s, entry_id, a, b)
            rev_a = curation.revision(s, entry_id, a)
            rev_b = curation.revision(s, entry_id, b)
    except curation.EntryNotFound:
        abort(404)
    return render_template(
        "admin/entries/diff.html",
        entry=entry,
        changes=[diffs.shown(c) for c in changes],
        rev_a=rev_a,
        rev_b=rev_b,
    )


# ── import / export ──────────────────────────────────────────────────────────────────────────


@bp.route("/import", methods=["GET", "POST"])
@requires("admin")
def import_view() -> str | tuple[str, int]:
    """Bulk import (as ``shebao kb import``): statuses come from the file, so it is for
    administrators; everything is checked before anything is written."""
    form = ImportForm()
    problems: list[Problem] = []
    result: Any = None
    if request.method == "POST":
        upload = request.files.get("file")
        name = Path(upload.filename or "").name if upload else ""
        suffix = Path(name).suffix.lower()
        if upload is None or not name:
            flash(texts.IMPORT_NO_FILE, "error")
            return render_template("admin/entries/import.html", form=form), 400
        if suffix not in SUFFIXES:
            problems = [
                Problem(
                    name, "-", f"不支持的文件类型 {suffix or '（无）'}；请用 {'、'.join(SUFFIXES)}"
                )
            ]
        else:
            with tempfile.TemporaryDirectory(prefix="shebao-import-") as folder:
                path = Path(folder) / f"upload{suffix}"
                upload.save(path)
                with transaction() as s:
                    entries, problems = validate_paths([path], s)
                    problems = [
                        Problem(p.where.replace(str(path), name), p.field, p.message)
                        for p in problems
                    ]
                    if not problems and not form.check_only.data:
                        result = import_entries(s, entries, f"console:{actor()}")
                        record(
                            s,
                            "import",
                            name,
                            created=result.created,
                            updated=result.updated,
                            superseded=result.superseded,
                        )
                    elif not problems:
                        flash(texts.IMPORT_CHECKED.format(n=len(entries)), "success")
        if problems:
            flash(texts.IMPORT_PROBLEMS.format(n=len(problems)), "error")
            return render_template("admin/entries/import.html", form=form, problems=problems), 400
        if result is not None:
            flash(
                texts.IMPORT_DONE.format(
                    created=len(result.created),
                    updated=len(result.updated),
                    unchanged=len(result.unchanged),
                ),
                "success",
            )
            if result.superseded:
                flash(texts.IMPORT_SUPERSEDED.format(ids="、".join(result.superseded)), "info")
    return render_template("admin/entries/import.html", form=form, result=result, problems=problems)


@bp.get("/export")
def export() -> Response:
    fmt = request.args.get("format", "xlsx")
    if fmt not in FORMATS:
        abort(400)
    include_all = request.args.get("all") == "1"
    with transaction() as s:
        entries = select_entries(s, include_all)
        record(s, "export", fmt, include_all=include_all, count=len(entries))
    if fmt == "xlsx":
        data = io.BytesIO()
        write_xlsx(entries, data)
        payload = data.getvalue()
    else:
        out = io.StringIO()
        {"jsonl": write_jsonl, "yaml": write_yaml_doc, "csv": write_csv}[fmt](entries, out)
        payload = out.getvalue().encode("utf-8-sig" if fmt == "csv" else "utf-8")
    name = f"shebao-entries-{clock.china_today().isoformat()}{'-all' if include_all else ''}.{fmt}"
    return send_file(
        io.BytesIO(payload), mimetype=_MIMETYPES[fmt], as_attachment=True, download_name=name
    )


def can_publish(work: curation.Work) -> bool:
    """For the templates: whether the signed-in account may publish this work."""
    staff = current_staff()
    return staff.can("reviewer") and work.status == "review" and staff.username not in work.authors


bp.add_app_template_global(can_publish, "admin_can_publish")
