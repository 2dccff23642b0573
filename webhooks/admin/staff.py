"""Staff accounts, the audit log of staff actions, and who saw whose personal data (the
access log of bot/personal, with refusals and locked-out code guessing): administrators only."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from webhooks.admin import accounts, texts
from webhooks.admin.forms import StaffForm
from webhooks.admin.models import ROLES, AuditLog, StaffUser
from webhooks.admin.web import current_staff, record, requires, transaction
from webhooks.services import services

bp = Blueprint("staff", __name__, url_prefix="/staff")

AUDIT_PAGE = 100


@bp.route("", methods=["GET", "POST"])
@requires("admin")
def index() -> str | Response | tuple[str, int]:
    form = StaffForm()
    if request.method == "POST" and form.validate():
        try:
            with transaction() as s:
                user = accounts.create_user(
                    s,
                    form.username.data or "",
                    form.password.data or "",
                    form.role.data or "editor",
                    form.display_name.data or "",
                )
                record(s, "staff_create", user.username, role=user.role)
        except accounts.AccountError:
            flash(texts.STAFF_EXISTS.format(username=form.username.data), "error")
        else:
            flash(texts.STAFF_CREATED.format(username=form.username.data), "success")
            return redirect(url_for(".index"))
    with transaction() as s:
        users = list(s.scalars(select(StaffUser).order_by(StaffUser.username)))
    status = 400 if request.method == "POST" else 200
    return render_template("admin/staff.html", users=users, form=form, roles=ROLES), status


@bp.post("/<int:user_id>")
@requires("admin")
def update(user_id: int) -> Response:
    role = request.form.get("role")
    active = request.form.get("active") == "1"
    with transaction() as s:
        user = s.get(StaffUser, user_id)
        if user is None:
            return redirect(url_for(".index"))
        if user.id == current_staff().id and (not active or role != user.role):
            flash(texts.STAFF_SELF, "error")
            return redirect(url_for(".index"))
        if role in ROLES:
            user.role = role
        if user.active and not active:
            accounts.revoke_sessions(s, user.id)
        user.active = active
        record(s, "staff_update", user.username, role=user.role, active=active)
        flash(texts.STAFF_UPDATED.format(username=user.username), "success")
    return redirect(url_for(".index"))


@bp.get("/audit")
@requires("admin")
def audit() -> str:
    page = max(1, request.args.get("page", 1, type=int) or 1)
    who = request.args.get("actor", "").strip()
    with transaction() as s:
        query = select(AuditLog).order_by(AuditLog.id.desc())
        if who:
            query = query.where(AuditLog.actor == who)
        rows = list(s.scalars(query.offset((page - 1) * AUDIT_PAGE).limit(AUDIT_PAGE + 1)))
    return render_template(
        "admin/audit.html", rows=rows[:AUDIT_PAGE], more=len(rows) > AUDIT_PAGE, page=page, who=who
    )


ACCESS_OUTCOMES = {
    "shown": "已查看",
    "refused": "超出授权被拒",
    "refused_other_person": "问的是别人，被拒",
    "unavailable": "核心系统连不上",
    "granted": "授权生效",
}


@bp.get("/access")
@requires("admin")
def access() -> str:
    """Every look at a citizen's personal data: when, who (citizen or volunteer), whose, what,
    under which authorisation and with what outcome; volunteers locked out for guessing codes."""
    from bot.personal import service

    page = max(1, request.args.get("page", 1, type=int) or 1)
    outcome = request.args.get("outcome", "").strip()
    db = services().db
    rows = service.access_entries(db, outcome, (page - 1) * AUDIT_PAGE, AUDIT_PAGE + 1)
    guessing = service.code_guessers(db)
    return render_template(
        "admin/access.html",
        rows=rows[:AUDIT_PAGE],
        more=len(rows) > AUDIT_PAGE,
        page=page,
        outcome=outcome,
        outcomes=ACCESS_OUTCOMES,
        guessing=guessing,
    )


@bp.route("/volunteers", methods=["GET", "POST"])
@requires("admin")
def volunteer_list() -> str | Response:
    """社保志愿者: list, grant (by the WeChat user key, e.g. wechat:<openid>), revoke; each
    change in the audit log. Revoking ends the volunteer's authorisations at once."""
    from bot.personal import service

    db = services().db
    if request.method == "POST":
        key = (request.form.get("user_key") or "").strip()
        action = request.form.get("action", "grant")
        note = (request.form.get("note") or "").strip()[:200]
        if not key or ":" not in key or len(key) > 160:
            flash(texts.VOLUNTEER_BAD_KEY, "error")
            return redirect(url_for(".volunteer_list"))
        who = current_staff().username
        with transaction() as s:
            if action == "revoke":
                done = service.revoke_volunteer(db, key)
                record(s, "volunteer_revoke", key, done=done)
                flash((texts.VOLUNTEER_REVOKED if done else texts.VOLUNTEER_NOT_ONE), "info")
            else:
                done = service.grant_volunteer(db, key, who, note)
                record(s, "volunteer_grant", key, note=note, done=done)
                flash((texts.VOLUNTEER_GRANTED if done else texts.VOLUNTEER_ALREADY), "success")
        return redirect(url_for(".volunteer_list"))
    return render_template("admin/volunteers.html", volunteers=service.volunteers(db))
