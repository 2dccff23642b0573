"""The unanswered queue's pages: clusters, and what staff do with one.

From a cluster: start a new entry prefilled with its questions (the entry form marks them
resolved when the entry is saved), add its questions as other ways of asking to an existing
entry, picked by searching its questions (``webhooks.admin.pick``), through
``curation.add_similar_questions`` (so a reviewer publishes them), or dismiss them as noise.
Each cluster shows the document passages closest to it, so a curator
sees where the answer may already be written (and can draft an entry from it).
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from bot import grounded
from knowledge import curation
from knowledge.models import Entry
from knowledge.passages import PassageHit
from knowledge.schema import InvalidEntries
from shebao import clock
from webhooks.admin import pick, texts, unanswered
from webhooks.admin.web import actor, record, transaction
from webhooks.services import services

bp = Blueprint("queue", __name__, url_prefix="/queue")

PASSAGES_FOR = 50  # clusters shown with their closest document passages (a search each)
PASSAGES_SHOWN = 2


def closest_passages(question: str) -> list[PassageHit]:
    """The document passages closest to a cluster's question, whatever their score: where a
    curator might find the answer (the policy documents, knowledge/passages.py)."""
    bot = services().bot
    index = grounded.passages_of(bot.understanding, bot.db).current()
    region = bot.understanding.regions.canonical(question)
    hits = index.search(question, region, clock.china_today(), limit=PASSAGES_SHOWN)
    return [h for h in hits if h.coverage > 0]


@bp.get("")
def index() -> str:
    threshold = request.args.get("similar", unanswered.SIMILAR_AT, type=float)
    with transaction() as s:
        total = unanswered.queued_count(s)
        clusters = unanswered.cluster(unanswered.queued(s), threshold)
    return render_template(
        "admin/queue.html",
        clusters=clusters,
        passages={c.leader: closest_passages(c.title) for c in clusters[:PASSAGES_FOR]},
        total=total,
        threshold=threshold,
        low=unanswered.LOW_CONFIDENCE,
    )


@bp.post("/dismiss")
def dismiss() -> Response:
    ids = unanswered.parse_ids(request.form.get("ids"))
    with transaction() as s:
        n = unanswered.triage(s, ids, "dismissed")
        record(s, "queue_dismiss", f"{n} exchanges", ids=ids)
    flash(texts.QUEUE_DISMISSED.format(n=n), "success")
    return redirect(url_for(".index"))


@bp.get("/add")
def pick_entry() -> str:
    """Search the entry the cluster's wordings belong to (the cluster's card links here)."""
    ids = unanswered.parse_ids(request.args.get("ids"))
    with transaction() as s:
        wordings = unanswered.questions_of(s, ids)
        return pick.render(
            s,
            pick.Pick(
                title="把问法加入已有条目",
                back_label="未解答问题",
                back_url=url_for(".index"),
                search_url=url_for(".pick_entry"),
                action_url=url_for(".add_to_entry"),
                button="加入并提交审核",
                ids_text=",".join(map(str, ids)),
                wordings=wordings,
            ),
        )


@bp.post("/add")
def add_to_entry() -> Response:
    """Add the cluster's wordings to an entry's similar questions, for review."""
    ids = unanswered.parse_ids(request.form.get("ids"))
    entry_id = (request.form.get("entry_id") or "").strip()
    submit = request.form.get("submit_for_review", "1") == "1"
    if not entry_id:
        flash(texts.PICK_AN_ENTRY, "error")
        return redirect(url_for(".pick_entry", ids=",".join(map(str, ids))))
    try:
        with transaction() as s:
            if s.get(Entry, entry_id) is None:
                raise curation.EntryNotFound(texts.NO_SUCH_ENTRY)
            questions = unanswered.questions_of(s, ids)
            new = curation.add_similar_questions(s, entry_id, questions, actor(), submit=submit)
            unanswered.triage(s, ids, "resolved")
            if not new:
                flash(texts.QUEUE_NOTHING_NEW, "info")
                return redirect(url_for(".index"))
            record(s, "queue_add_questions", entry_id, questions=new, ids=ids, submitted=submit)
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
    message = texts.QUEUE_ADDED if submit else texts.QUEUE_ADDED_DRAFT
    flash(message.format(n=len(new), entry=question), "success")
    return redirect(url_for("admin.entries.show", entry_id=entry_id))
