"""The hand-off inbox: questions handed to a person, and staff replies to them.

A reply is saved first, then sent as a customer-service message if WeChat's 48-hour window is
still open (see ``webhooks.admin.handoffs``); otherwise it waits for the user's next message.
A reply can become a new knowledge-base entry (the entry form starts from it).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from bot.models import Exchange, Handoff
from webhooks.admin import handoffs, texts
from webhooks.admin.forms import ReplyForm
from webhooks.admin.web import actor, db, record, transaction

bp = Blueprint("handoffs", __name__, url_prefix="/handoffs")

STATUSES = ("open", "answered", "delivered", "closed")


def sender() -> Any:
    """The webhook's customer-service ``Sender`` (a recording one when WeChat is not set up)."""
    runtime = current_app.extensions.get("wechat")
    if runtime is not None:
        return runtime.sender
    from webhooks.services import services
    from webhooks.wechat_outbound import make_sender

    svc = services()
    return make_sender(svc.settings, svc.db)


@bp.get("")
def index() -> str:
    status = request.args.get("status", "open")
    with transaction() as s:
        query = select(Handoff).order_by(Handoff.created_at.desc()).limit(200)
        if status in STATUSES:
            query = query.where(Handoff.status == status)
        rows = list(s.scalars(query))
        counts = dict(
            s.execute(select(Handoff.status, func.count()).group_by(Handoff.status)).all()
        )
        windows = {h.id: handoffs.window_open(s, h) for h in rows}
    return render_template(
        "admin/handoffs/index.html",
        handoffs=rows,
        status=status,
        counts=counts,
        windows=windows,
        statuses=STATUSES,
    )


@bp.route("/<int:handoff_id>", methods=["GET", "POST"])
def show(handoff_id: int) -> str | Response | tuple[str, int]:
    form = ReplyForm()
    if request.method == "POST" and form.validate():
        with transaction() as s:
            handoff = s.get(Handoff, handoff_id)
            if handoff is None:
                abort(404)
            if handoff.answer is not None:
                flash(texts.HANDOFF_ALREADY, "error")
                return redirect(url_for(".show", handoff_id=handoff_id))
            handoffs.record_answer(s, handoff, form.answer.data or "", actor())
            record(s, "handoff_reply", str(handoff_id))
        delivery = handoffs.deliver(db(), handoff_id, sender())
        with transaction() as s:
            record(
                s,
                "handoff_delivery",
                str(handoff_id),
                sent=delivery.sent,
                reason=delivery.reason,
                error=delivery.error or None,
            )
        if delivery.sent:
            flash(texts.HANDOFF_SENT, "success")
        elif delivery.reason == "send_failed":
            flash(texts.HANDOFF_SEND_FAILED.format(error=delivery.error), "error")
        else:
            flash(texts.HANDOFF_KEPT, "info")
        return redirect(url_for(".show", handoff_id=handoff_id))
    with transaction() as s:
        handoff = s.get(Handoff, handoff_id)
        if handoff is None:
            abort(404)
        recent = list(
            s.scalars(
                select(Exchange)
                .where(Exchange.user_key == handoff.user_key)
                .order_by(Exchange.created_at.desc())
                .limit(10)
            )
        )
        window = handoffs.window_open(s, handoff)
        last = handoffs.last_message_at(s, handoff.user_key)
    status = 400 if request.method == "POST" else 200
    return render_template(
        "admin/handoffs/show.html",
        handoff=handoff,
        form=form,
        recent=recent,
        window=window,
        last=last,
        can_send=handoffs.openid_of(handoff) is not None,
    ), status


@bp.post("/<int:handoff_id>/close")
def close(handoff_id: int) -> Response:
    with transaction() as s:
        handoff = s.get(Handoff, handoff_id)
        if handoff is None:
            abort(404)
        if handoff.status == "open":
            handoff.status = "closed"
            record(s, "handoff_close", str(handoff_id))
    flash(texts.HANDOFF_CLOSED, "success")
    return redirect(url_for(".index"))
