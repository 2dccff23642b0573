"""The staff console at ``/admin``: one parent blueprint and one child blueprint per area.

``bp`` (registered by ``webhooks.create_app``) holds the templates, the stylesheet and the
guard that every console request passes (CSRF on every POST, login, security headers). The
areas: ``auth`` (login, logout, own password), ``home`` (the overview), ``entries`` (the
knowledge base: list, edit with preview, review, history, import/export), ``documents`` (policy
documents: import, passages, coverage, a draft entry from a passage), ``tryout`` ("try a
question"), ``queue`` (the unanswered queue), ``disputes`` (answers citizens said were wrong),
``handoffs`` (the hand-off inbox), ``insight`` (what people ask), ``staff`` (accounts and the
audit log, for administrators), ``outbox`` (background jobs that kept failing).
"""

from __future__ import annotations

from typing import NoReturn

from flask import Blueprint, abort
from flask.blueprints import BlueprintSetupState
from flask_wtf.csrf import CSRFError

from webhooks.admin import (
    auth,
    disputes,
    documents,
    entries,
    handoffs_views,
    home,
    insight,
    outbox,
    queue,
    staff,
    tryout,
    web,
)

bp = Blueprint(
    "admin",
    __name__,
    url_prefix="/admin",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

bp.before_request(web.guard)
bp.after_request(web.secure_headers)
bp.context_processor(web.template_globals)
bp.register_error_handler(CSRFError, web.csrf_failed)
bp.register_error_handler(403, web.forbidden)
bp.register_error_handler(404, web.not_found)
bp.add_app_template_filter(web.local_time, "local_time")
bp.add_app_template_filter(web.display_name, "display_name")

for child in (
    auth.bp,
    home.bp,
    entries.bp,
    documents.bp,
    tryout.bp,
    queue.bp,
    disputes.bp,
    handoffs_views.bp,
    insight.bp,
    staff.bp,
    outbox.bp,
):
    bp.register_blueprint(child)


@bp.route("/<path:unknown>", methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"])
def unknown_address(unknown: str) -> NoReturn:
    """Any other /admin/… address: the console's own 404 (behind the login, in its frame), not
    Werkzeug's English page. Routing tries every real page first (a path rule ranks last)."""
    abort(404)


@bp.record_once
def _configure(state: BlueprintSetupState) -> None:
    # The session cookie only carries the console's login token and CSRF secret.
    if state.app.config.get("SESSION_COOKIE_SAMESITE") is None:
        state.app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
