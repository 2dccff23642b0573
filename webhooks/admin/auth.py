"""Login, logout and changing one's own password."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from webhooks.admin import accounts, texts
from webhooks.admin.forms import LoginForm, PasswordForm
from webhooks.admin.models import StaffUser
from webhooks.admin.web import (
    SESSION_KEY,
    client_ip,
    current_staff,
    limits,
    record,
    safe_next,
    transaction,
)

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int]:
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next"))
    if form.validate_on_submit():
        ip = client_ip()
        username = form.username.data or ""
        try:
            with transaction() as s:
                user = accounts.authenticate(s, username, form.password.data or "", ip, limits())
                if user is not None:
                    token = accounts.start_session(s, user, ip, limits())
                    accounts.audit(s, user.username, "login", user.username, ip)
                else:
                    accounts.audit(s, username[:80], "login_failed", username[:80], ip)
        except accounts.LockedOut as exc:
            with transaction() as s:
                accounts.record_refused(s, username, ip)
                accounts.audit(s, username[:80], "login_locked", username[:80], ip)
            flash(texts.LOGIN_LOCKED.format(minutes=exc.minutes), "error")
            return render_template("admin/login.html", form=form), 429
        if user is None:
            flash(texts.LOGIN_FAILED, "error")
            return render_template("admin/login.html", form=form), 401
        session.clear()  # a fresh cookie for the new login (and a fresh CSRF secret)
        session[SESSION_KEY] = token
        return redirect(safe_next(form.next.data) or url_for("admin.home.index"))
    return render_template("admin/login.html", form=form)


@bp.post("/logout")
def logout() -> Response:
    with transaction() as s:
        accounts.end_session(s, session.get(SESSION_KEY))
        record(s, "logout")
    session.clear()
    flash(texts.LOGGED_OUT, "info")
    return redirect(url_for("admin.auth.login"))


@bp.route("/password", methods=["GET", "POST"])
def password() -> str | Response | tuple[str, int]:
    form = PasswordForm()
    if form.validate_on_submit():
        from werkzeug.security import check_password_hash

        with transaction() as s:
            user = s.get(StaffUser, current_staff().id)
            assert user is not None
            if not check_password_hash(user.password_hash, form.current.data or ""):
                flash(texts.PASSWORD_WRONG, "error")
                return render_template("admin/password.html", form=form), 400
            accounts.set_password(s, user, form.new.data or "")
            record(s, "password_change", user.username)
        session.clear()
        flash(texts.PASSWORD_CHANGED, "info")
        return redirect(url_for("admin.auth.login"))
    return render_template("admin/password.html", form=form)
