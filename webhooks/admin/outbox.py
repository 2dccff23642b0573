"""Background work that kept failing: the outbox's dead jobs (shebao/outbox.py), for staff.

A job is dead after its last attempt failed (8 by default, with back-off in between): a
customer-service message WeChat kept refusing, say. The page lists them with their last error;
a reviewer or administrator can send one round again once the cause is fixed. The home page
shows how many there are.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from shebao.outbox import Outbox
from webhooks.admin import texts
from webhooks.admin.web import db, record, requires, transaction

bp = Blueprint("outbox", __name__, url_prefix="/outbox")


def dead_count() -> int:
    return Outbox(db()).depth().get("dead", 0)


@bp.get("")
def index() -> str:
    outbox = Outbox(db())
    return render_template(
        "admin/outbox.html",
        jobs=outbox.dead_jobs(),
        depth=outbox.depth(),
        kind_name=lambda kind: texts.JOB_KINDS.get(kind, kind),
    )


@bp.post("/<int:job_id>/retry")
@requires("reviewer")
def retry(job_id: int) -> Response:
    if Outbox(db()).revive(job_id):
        with transaction() as s:
            record(s, "outbox_retry", f"job {job_id}")
        flash(texts.OUTBOX_REVIVED.format(job_id=job_id), "success")
    else:
        flash(texts.OUTBOX_NOT_DEAD.format(job_id=job_id), "info")
    return redirect(url_for(".index"))
