"""「答错反馈」: the answers citizens said were wrong, grouped by entry, and what staff do.

For a group: edit the entry (through the usual review; the disputes are closed as edited),
add the citizens' wordings as other ways of asking to the entry they meant, picked by
searching its questions (``webhooks.admin.pick``, as the unanswered queue does), or close
them as the citizen's misunderstanding.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from knowledge import curation
from knowledge.models import Entry
from knowledge.schema import InvalidEntries
from webhooks.admin import disputed, pick, texts, unanswered
from webhooks.admin.web import actor, record, transaction

bp = Blueprint("disputes", __name__, url_prefix="/disputes")


@bp.get("")
def index() -> str:
    with transaction() as s:
        groups = disputed.open_groups(s)
        offered = {i for g in groups for d in g.disputes for i in d.offered}
        names = disputed.questions(s, offered)
    return render_template(
        "admin/disputes.html",
        groups=groups,
        names=names,
        kinds=texts.DISPUTE_KINDS,
        window=disputed.WINDOW_DAYS,
    )


@bp.post("/misunderstanding")
def misunderstanding() -> Response:
    ids = unanswered.parse_ids(request.form.get("ids"))
    with transaction() as s:
        n = disputed.resolve(s, ids, "misunderstanding", actor())
        record(s, "disputes_misunderstanding", f"{n} disputes", ids=ids)
    flash(texts.DISPUTES_MISUNDERSTANDING.format(n=n), "success")
    return redirect(url_for(".index"))


@bp.post("/edit")
def edit_entry() -> Response:
    ids = unanswered.parse_ids(request.form.get("ids"))
    entry_id = (request.form.get("entry_id") or "").strip()
    with transaction() as s:
        if s.get(Entry, entry_id) is None:
            flash(texts.NO_SUCH_ENTRY, "error")
            return redirect(url_for(".index"))
        n = disputed.resolve(s, ids, "edited", actor(), f"修改条目 {entry_id}")
        record(s, "disputes_edit", entry_id, ids=ids)
    flash(texts.DISPUTES_EDITING.format(n=n), "info")
    return redirect(url_for("admin.entries.edit", entry_id=entry_id))


@bp.get("/add")
def pick_entry() -> str:
    """Search the entry the citizens meant (the group's card links here)."""
    ids = unanswered.parse_ids(request.args.get("ids"))
    with transaction() as s:
        return pick.render(
            s,
            pick.Pick(
                title="市民其实想问的条目",
                back_label="答错反馈",
                back_url=url_for(".index"),
                search_url=url_for(".pick_entry"),
                action_url=url_for(".add_to_entry"),
                button="把问法加入并提交审核",
                ids_text=",".join(map(str, ids)),
                wordings=disputed.wordings(s, ids),
            ),
        )


@bp.post("/add")
def add_to_entry() -> Response:
    """The citizens' wordings become other ways of asking of the entry they meant, for review."""
    ids = unanswered.parse_ids(request.form.get("ids"))
    entry_id = (request.form.get("entry_id") or "").strip()
    if not entry_id:
        flash(texts.PICK_AN_ENTRY, "error")
        return redirect(url_for(".pick_entry", ids=",".join(map(str, ids))))
    try:
        with transaction() as s:
            if s.get(Entry, entry_id) is None:
                raise curation.EntryNotFound(texts.NO_SUCH_ENTRY)
            wordings = disputed.wordings(s, ids)
            new = curation.add_similar_questions(s, entry_id, wordings, actor(), leave_others=True)
            n = disputed.resolve(s, ids, "reworded", actor(), f"问法加入 {entry_id}")
            record(s, "disputes_add_questions", entry_id, questions=new, ids=ids)
            question = curation.working_copy(s, entry_id).data["question"]
    except InvalidEntries as exc:
        flash(
            texts.INVALID + " " + "；".join(f"{p.field}：{p.message}" for p in exc.problems),
            "error",
        )
        return redirect(url_for(".index"))
    except curation.CurationError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".index"))
    flash(texts.DISPUTES_ADDED.format(n=len(new), entry=question, closed=n), "success")
    return redirect(url_for("admin.entries.show", entry_id=entry_id))
