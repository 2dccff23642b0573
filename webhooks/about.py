"""``/``: a small Chinese page saying what runs here and where to go (the console, the WeChat
and mini-program entry points, health checks), so whoever opens the server's address in a
browser is not met by an English 404. In development it also says how to make the first
console account; in production it leaves that out.
"""

from __future__ import annotations

from flask import Blueprint, render_template

from knowledge import curation
from shebao import clock
from shebao.db import is_unavailable
from webhooks.services import services

bp = Blueprint("about", __name__, template_folder="templates")


def _entries_served() -> int | None:
    try:
        with services().db.session() as s:
            return len(curation.published_in_force(s, clock.china_today()))
    except Exception as exc:  # the page must not fail because the database is down
        if is_unavailable(exc):
            return None
        raise


@bp.get("/")
def index() -> str:
    svc = services()
    return render_template(
        "about.html",
        production=svc.settings.production,
        entries=_entries_served(),
    )
