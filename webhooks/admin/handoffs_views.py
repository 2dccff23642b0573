"""The hand-off inbox: questions handed to a person, and staff replies to them.

A reply is saved first, then sent as a customer-service message if WeChat's 48-hour window is
still open (see ``webhooks.admin.handoffs``); otherwise it waits for the user's next message.
A reply can become a new knowledge-base entry (the entry form starts from it). Each case shows
its kind (转人工, 举报, 投诉) and who has it in hand (认领); while one member of staff has it,
another cannot answer it.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from bot.models import Exchange, Handoff
from webhooks.admin import handoffs, texts
from webhooks.admin.forms import ReplyForm
from webhooks.admin.models import HandoffClaim
from webhooks.admin.web import actor, current_staff, db, display_name, record, transaction

bp = Blueprint("handoffs", __name__, url_prefix="/handoffs")

STATUSES = ("open", "answered", "delivered", "closed")


def sender() -> Any:
    """The webhook's customer-service ``Sender`` (a recording one when WeChat is not set up)."""
    runtime = current_app.extensions.get("wechat")
    if runtime is not None:
        return runtime.sender
    from webhooks.services import services
    from webhooks.wechat.outbound import make_sender

    svc = services()
    return make_sender(svc.settings, svc.db)


@bp.get("")
def index() -> str:
    status = request.args.get("status", "open")
    kind = request.args.get("kind", "")
    mine = request.args.get("mine") == "1"
    with transaction() as s:
        query = select(Handoff).order_by(Handoff.created_at.desc()).limit(200)
        if status in STATUSES:
            query = query.where(Handoff.status == status)
        if kind in handoffs.KINDS:
            query = query.where(handoffs.is_kind(kind))
        if mine:
            query = query.join(HandoffClaim, HandoffClaim.handoff_id == Handoff.id).where(
                HandoffClaim.claimed_by == actor()
            )
        rows = list(s.scalars(query))
        counts = dict(
            s.execute(select(Handoff.status, func.count()).group_by(Handoff.status)).all()
        )
        send_states = {h.id: handoffs.send_state(s, h) for h in rows}
        claims = {i: c.claimed_by for i, c in handoffs.claims_of(s, [h.id for h in rows]).items()}
    return render_template(
        "admin/handoffs/index.html",
        handoffs=rows,
        status=status,
        counts=counts,
        send_states=send_states,
        claims=claims,
        kinds={h.id: handoffs.kind_of(h) for h in rows},
        contexts={h.id: handoffs.context_of(h) for h in rows},
        statuses=STATUSES,
        kind=kind if kind in handoffs.KINDS else "",
        all_kinds=handoffs.KINDS,
        mine=mine,
    )


@bp.route("/<int:handoff_id>", methods=["GET", "POST"])
def show(handoff_id: int) -> str | Response | tuple[str, int]:
    form = ReplyForm()
    if request.method == "POST" and form.validate():
        with transaction() as s:
            handoff = s.get(Handoff, handoff_id)
            if handoff is None:
                abort(404)
            answered = handoff.answer is not None
            claimed = handoff_id in handoffs.claims_of(s, [handoff_id])
        if answered:
            flash(texts.HANDOFF_ALREADY, "error")
            return redirect(url_for(".show", handoff_id=handoff_id))
        try:  # answering takes the case in hand: of two people answering at once, one wins
            handoffs.claim(db(), handoff_id, actor())
        except handoffs.AlreadyClaimed as taken:
            flash(texts.HANDOFF_TAKEN.format(name=display_name(taken.by)), "error")
            return redirect(url_for(".show", handoff_id=handoff_id))
        with transaction() as s:
            if not claimed:
                record(s, "handoff_claim", str(handoff_id), on_reply=True)
            handoff = s.get(Handoff, handoff_id)
            assert handoff is not None
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
        send_state = handoffs.send_state(s, handoff)
        last = handoffs.last_message_at(s, handoff.user_key)
        held = handoffs.claims_of(s, [handoff_id]).get(handoff_id)
    status = 400 if request.method == "POST" else 200
    return render_template(
        "admin/handoffs/show.html",
        handoff=handoff,
        form=form,
        recent=recent,
        send_state=send_state,
        last=last,
        kind=handoffs.kind_of(handoff),
        context=handoffs.context_of(handoff),
        claimed_by=held.claimed_by if held else None,
        claimed_at=held.claimed_at if held else None,
    ), status


@bp.post("/<int:handoff_id>/claim")
def claim(handoff_id: int) -> Response:
    with transaction() as s:
        handoff = s.get(Handoff, handoff_id)
        if handoff is None:
            abort(404)
    try:
        handoffs.claim(db(), handoff_id, actor())
    except handoffs.AlreadyClaimed as taken:
        flash(texts.HANDOFF_TAKEN.format(name=display_name(taken.by)), "error")
    else:
        with transaction() as s:
            record(s, "handoff_claim", str(handoff_id))
        flash(texts.HANDOFF_CLAIMED, "success")
    return redirect(url_for(".show", handoff_id=handoff_id))


@bp.post("/<int:handoff_id>/release")
def release(handoff_id: int) -> Response:
    """放弃认领: the one who has it, or an administrator, gives the case back."""
    with transaction() as s:
        held = handoffs.claims_of(s, [handoff_id]).get(handoff_id)
        if held is None:
            return redirect(url_for(".show", handoff_id=handoff_id))
        if held.claimed_by != actor() and not current_staff().can("admin"):
            abort(403)
        by = handoffs.release(s, handoff_id)
        record(s, "handoff_release", str(handoff_id), claimed_by=by)
    flash(texts.HANDOFF_RELEASED, "success")
    return redirect(url_for(".show", handoff_id=handoff_id))


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
