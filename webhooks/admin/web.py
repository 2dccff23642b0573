"""Request glue every console page shares: the signed-in account, roles, CSRF, audit, formats.

The parent blueprint (``webhooks.admin.bp``) runs ``guard`` before every console request:
CSRF first (every POST, whichever form), then the login check (a logged-out visit to any page
but the login page lands on the login page). Views declare the weakest role they need with
``@requires("reviewer")``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import (
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf.csrf import CSRFError, generate_csrf, validate_csrf
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as BaseResponse
from wtforms import ValidationError

from shebao.clock import CHINA
from shebao.db import Database
from webhooks.admin import accounts, texts
from webhooks.admin.models import StaffUser
from webhooks.services import services

F = TypeVar("F", bound=Callable[..., Any])

SESSION_KEY = "staff_token"
#: Endpoints a logged-out visitor may reach.
PUBLIC_ENDPOINTS = frozenset({"admin.auth.login", "admin.static"})
#: Endpoints that take a file upload, and how large it may be.
UPLOAD_ENDPOINTS = frozenset({"admin.entries.import_view", "admin.documents.index"})
UPLOAD_MAX_BYTES = 10 * 1024 * 1024
#: China Standard Time (no daylight saving): how staff read every time shown.
LOCAL = CHINA


def db() -> Database:
    return services().db  # type: ignore[no-any-return]


@contextmanager
def transaction() -> Iterator[Session]:
    with db().session() as s:
        yield s


def limits() -> accounts.Limits:
    return accounts.Limits.from_config(current_app.config)


def client_ip() -> str:
    return (request.remote_addr or "")[:64]


def current_staff() -> StaffUser:
    staff: StaffUser | None = g.get("staff")
    if staff is None:
        abort(401)
    return staff


def actor() -> str:
    """The name written into revisions and the audit log for the signed-in account."""
    return current_staff().username


def record(s: Session, action: str, target: str = "", **detail: Any) -> None:
    """Audit one action of the signed-in account (``login`` records its own)."""
    accounts.audit(s, actor(), action, target, client_ip(), **detail)


# ── the guard ────────────────────────────────────────────────────────────────────────────────


def check_csrf() -> None:
    token = request.form.get("csrf_token") or request.headers.get("X-CSRFToken")
    try:
        # The token lives as long as a login: an editor's long edit must not be lost to it.
        validate_csrf(token, time_limit=int(limits().lifetime.total_seconds()))
    except ValidationError as exc:
        raise CSRFError(str(exc)) from exc


def guard() -> BaseResponse | None:
    if request.endpoint in UPLOAD_ENDPOINTS and session.get(SESSION_KEY):
        # A spreadsheet of entries is larger than the webhooks' body limit.
        request.max_content_length = UPLOAD_MAX_BYTES
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        check_csrf()
    g.staff = None
    token = session.get(SESSION_KEY)
    expired = False
    if token:
        with transaction() as s:
            g.staff, expired = accounts.resume_session(s, token, limits())
        if g.staff is None:
            session.pop(SESSION_KEY, None)
    if g.staff is None and request.endpoint not in PUBLIC_ENDPOINTS:
        flash(texts.SESSION_EXPIRED if expired else texts.LOGIN_REQUIRED, "info")
        target = request.full_path if request.method == "GET" else None
        return redirect(url_for("admin.auth.login", next=safe_next(target)))
    return None


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path inside the console, else None (no open redirects)."""
    if not target or any(ord(c) < 0x20 or ord(c) == 0x7F or c == "\\" for c in target):
        return None  # CR/LF would split the Location header; a backslash is a host to browsers
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/admin"):
        return None
    return target.rstrip("?")


def requires(role: str) -> Callable[[F], F]:
    """Refuse (403 page) an account weaker than ``role``."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_staff().can(role):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorate


def csrf_failed(error: CSRFError) -> tuple[str, int]:
    return render_template("admin/error.html", title="请求被拒绝", message=texts.CSRF_FAILED), 400


def forbidden(error: Exception) -> tuple[str, int]:
    return render_template("admin/error.html", title="没有权限", message=texts.FORBIDDEN), 403


def not_found(error: Exception) -> tuple[str, int]:
    """An unknown console address, or a thing that does not exist, inside the console's frame."""
    return render_template("admin/error.html", title="页面不存在", message=texts.NOT_FOUND), 404


def secure_headers(response: Response) -> Response:
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'",
    )
    return response


# ── template helpers ─────────────────────────────────────────────────────────────────────────


def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored UTC time as China time."""
    if value is None:
        return ""
    return value.replace(tzinfo=UTC).astimezone(LOCAL).strftime(fmt)


def display_name(username: str | None) -> str:
    """How staff read a stored account name: the account's display name (``wang`` → 王芳).

    Names written by tools say which tool, in Chinese (``console:wang`` from an import →
    控制台导入（王芳）, ``system`` → 系统（随程序发布的内容）); other names with no account are
    shown as stored. The staff table is read once per request.
    """
    if not username:
        return ""
    names: dict[str, str] | None = g.get("display_names")
    if names is None:
        with transaction() as s:
            names = {u.username: u.label for u in s.scalars(select(StaffUser))}
        g.display_names = names
    if username in texts.TOOL_ACTORS:
        return texts.TOOL_ACTORS[username]
    prefix, _, name = username.rpartition(":")
    shown = names.get(name, name)
    if not prefix:
        return shown
    return texts.TOOL_PREFIXES.get(prefix, prefix + "：{name}").format(name=shown)


def action_name(action: str) -> str:
    """A revision's action as staff read it (``restore v3`` → 恢复第3版)."""
    if action.startswith("restore v") and action[9:].isdigit():
        return texts.RESTORE_ACTION.format(version=action[9:])
    return texts.ACTION_NAMES.get(action, action)


def template_globals() -> dict[str, Any]:
    staff = g.get("staff")
    return {
        "csrf_token": generate_csrf,
        "display_name": display_name,
        "action_name": action_name,
        "staff": staff,
        "texts": texts,
        "role_name": lambda role: texts.ROLE_NAMES.get(role, role),
        "status_name": lambda status: texts.STATUS_NAMES.get(status, status),
        "outcome_name": lambda outcome: texts.OUTCOME_NAMES.get(outcome, outcome),
        "intent_name": lambda intent: texts.INTENT_NAMES.get(intent, intent),
    }


def flash_problems(problems: list[Any]) -> None:
    for problem in problems:
        flash(f"{problem.field}：{problem.message}", "error")
