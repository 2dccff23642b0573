"""The unanswered queue's pages: clusters, and what staff do with one.

From a cluster: start a new entry prefilled with its questions (the entry form marks them
resolved when the entry is saved), add its questions as other ways of asking to an existing
entry (through ``curation.update`` and ``submit_for_review``, so a reviewer publishes them), or
dismiss them as noise. Each cluster shows the document passages closest to it, so a curator
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
from webhooks.admin import texts, unanswered
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
        entries = curation.choices(s)
    return render_template(
        "admin/queue.html",
        clusters=clusters,
        passages={c.leader: closest_passages(c.title) for c in clusters[:PASSAGES_FOR]},
        total=total,
        entries=entries,
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


@bp.post("/add")
def add_to_entry() -> Response:
    """Add the cluster's wordings to an entry's similar questions, for review."""
    ids = unanswered.parse_ids(request.form.get("ids"))
    entry_id = (request.form.get("entry_id") or "").strip()
    submit = request.form.get("submit_for_review", "1") == "1"
    try:
        with transaction() as s:
            if s.get(Entry, entry_id) is None:
                raise curation.EntryNotFound(f"没有条目 {entry_id!r}")
            questions = unanswered.questions_of(s, ids)
            new = curation.add_similar_questions(s, entry_id, questions, actor(), submit=submit)
            unanswered.triage(s, ids, "resolved")
            if not new:
                flash(texts.QUEUE_NOTHING_NEW, "info")
                return redirect(url_for(".index"))
            record(s, "queue_add_questions", entry_id, questions=new, ids=ids, submitted=submit)
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
    flash(message.format(n=len(new), entry=entry_id), "success")
    return redirect(url_for("admin.entries.show", entry_id=entry_id))
