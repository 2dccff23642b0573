"""The page where staff pick an existing entry by searching its questions, for the unanswered
queue's 加入已有条目的问法 and 答错反馈's 市民其实想问的条目: no id to type.

A GET form searches (``knowledge.entry_picker``: the question and its other ways of asking,
similar wordings too); the matches are listed as question, region and status, each with a
radio button, in a POST form to the page's action. Plain HTML, so it works without JavaScript
and, one column, at 390 px wide. The first search is the citizens' own first wording, so the
likely entry is often listed before staff type anything.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import render_template, request
from sqlalchemy.orm import Session

from knowledge import entry_picker


@dataclass(frozen=True)
class Pick:
    """What the page is for: where it came from, what is added, where the choice is posted."""

    title: str  # the page's heading
    back_label: str  # the page it came from, for the breadcrumbs
    back_url: str
    search_url: str  # this page (GET)
    action_url: str  # where the chosen entry is posted
    button: str  # the submit button's label
    ids_text: str  # the exchanges or disputes the wordings come from
    wordings: list[str]


def render(s: Session, pick: Pick) -> str:
    """The page, searching ``q`` from the query string (empty: the first wording)."""
    q = (request.args.get("q") or "").strip() or (pick.wordings[0] if pick.wordings else "")
    matches = entry_picker.find(s, q) if q else []
    return render_template(
        "admin/pick_entry.html",
        pick=pick,
        q=q,
        matches=matches,
        limit=entry_picker.LIMIT,
    )
