"""``/api/mp``: the mini-program's JSON API (webhooks/miniprogram_openapi.yaml).

- ``POST /login`` exchanges ``wx.login``'s code through WeChat's code2Session (without
  ``MINIPROGRAM_APPID``/``MINIPROGRAM_SECRET`` a sandbox stand-in derives an openid from the
  code) and returns the bot's own signed, expiring token. ``session_key`` stays server-side.
- ``POST /ask``: the same engine as WeChat (channel ``miniprogram``).
- ``/binding``: status, start (ID number, name, phone), confirm (one-time code), unbind.
- ``/records/contributions``, ``/records/pension``: the user's own records, masked.
- ``/applications``: eligibility, create (``Idempotency-Key`` header), list, one by number.

Every error has one shape: ``{"error": {"code", "message"}}`` (plus ``field``,
``attempts_left``, ``application_id`` or ``locked_until`` where they help); its code, status and
message come from the one table, webhooks/miniprogram_errors.py, worded for buttons rather than
chat. Views are thin: the work is in bot/ (binding, records, applications), shared with the chat;
what bot/ says is wrong comes back as a code and is worded here.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
import secrets
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import requests
from flask import Blueprint, Response, current_app, g, jsonify, request
from flask.blueprints import BlueprintSetupState
from flask.sansio.app import App
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.exceptions import HTTPException

from bot.backend import local_time, user_key
from bot.personal import service as personal
from bot.personal.service import (
    log_access,
    pending_for,
    read_bank_card,
    read_date,
    read_phone,
    reason_qualifies,
    seal,
    seeking_work_qualifies,
    submissions_of,
    submit,
)
from bot.types import Message
from proxy.errors import CoreError, CoreUnavailable, IdempotencyKeyReused, NotFound
from proxy.types import (
    InsuranceType,
    LeavingReason,
    PaymentAccount,
    PaymentAccountKind,
    UnemploymentApplication,
    UnemploymentApplicationRequest,
)
from shebao import clock, metrics
from shebao.clock import utcnow
from shebao.db import is_unavailable
from shebao.masking import mask_text
from shebao.ratelimit import RateLimiter
from shebao.redis import hub_for
from webhooks import miniprogram_errors as say
from webhooks.miniprogram_errors import error_body
from webhooks.miniprogram_models import MiniProgramSession
from webhooks.services import Services

log = logging.getLogger("shebao.miniprogram")

bp = Blueprint("miniprogram", __name__, url_prefix="/api/mp")

CHANNEL = "miniprogram"
TOKEN_TTL = timedelta(hours=2)
MAX_TEXT = 500
_APP_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_KEY = re.compile(r"^[\x21-\x7e]{8,128}$")
_SURROGATE = re.compile("[\ud800-\udfff]")
# The fields' forms, as webhooks/miniprogram_openapi.yaml states them (the document and the
# server accept exactly the same; the chat is more forgiving, the API is a contract), and the
# code for a value of another form.
PATTERNS = {
    "id_number": (re.compile(r"^[0-9]{17}[0-9Xx]$"), "id_number_format"),
    "phone": (re.compile(r"^1[3-9][0-9]{9}$"), "phone_format"),
}
# Werkzeug's own errors (unknown path, wrong method, body too large) by status; any other 4xx
# is invalid_request, any 5xx internal.
_HTTP_CODES = {
    400: "invalid_request",
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
}


class ApiError(Exception):
    """An error answer: ``code`` of miniprogram_errors.ERRORS (which gives status and message),
    the field it is about, and the details its message or body take."""

    def __init__(
        self,
        code: str,
        *,
        field: str | None = None,
        retry_after: int | None = None,
        **details: Any,
    ) -> None:
        super().__init__(code)
        self.code, self.field, self.retry_after, self.details = code, field, retry_after, details


def error_response(
    code: str, field: str | None = None, *, retry_after: int | None = None, **details: Any
) -> tuple[Response, int]:
    response = jsonify({"error": error_body(code, field, **details)})
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response, say.ERRORS[code].status


@bp.record_once
def _install(state: BlueprintSetupState) -> None:
    app = state.app
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.register_error_handler(HTTPException, _http_error)
    every = float(
        app.config.get("FOLLOW_APPLICATIONS_SECONDS")
        or app.extensions["shebao"].settings.follow_applications_seconds
    )
    if every > 0:
        _start_follower(app, every)


def _http_error(error: HTTPException) -> Any:
    """JSON errors for /api/mp (unknown paths included); other paths keep their own."""
    if not request.path.startswith(bp.url_prefix or "/api/mp"):
        return error
    status = error.code or 500
    # Never the core's "暂时连不上" for what is not the core's (that is _core_down's alone).
    code = _HTTP_CODES.get(status) or ("invalid_request" if status < 500 else "internal")
    response, status = error_response(code)
    for name, value in error.get_headers():  # e.g. Allow on a 405
        if name.lower() != "content-type":
            response.headers[name] = value
    return response, status


@bp.errorhandler(ApiError)
def _api_error(error: ApiError) -> tuple[Response, int]:
    return error_response(error.code, error.field, retry_after=error.retry_after, **error.details)


@bp.errorhandler(CoreUnavailable)
def _core_down(error: CoreUnavailable) -> tuple[Response, int]:
    return error_response("core_unavailable")


@bp.errorhandler(CoreError)
def _core_refused(error: CoreError) -> tuple[Response, int]:
    if isinstance(error, NotFound):
        return error_response("not_found")
    return error_response("refused", reason=mask_text(error.message) or say.REASON_REFUSED)


@bp.errorhandler(Exception)
def _unexpected(error: Exception) -> tuple[Response, int]:
    if isinstance(error, HTTPException):
        return _http_error(error)  # type: ignore[no-any-return]
    if is_unavailable(error):  # the database cannot be reached: nothing done, try again
        log.warning("mini-program API on %s: database unavailable", request.path)
        return error_response("unavailable", retry_after=5)
    log.exception("mini-program API failed on %s", request.path)
    return error_response("internal")


# -- plumbing ------------------------------------------------------------------------------------

_QUERY = {"miniprogram.contributions": {"type"}}


@bp.before_request
def _known_query_only() -> None:
    """The contract lists every query parameter; an unknown one is a client's mistake."""
    unknown = set(request.args) - _QUERY.get(request.endpoint or "", set())
    if unknown:
        raise ApiError("unknown_parameter", field=sorted(unknown)[0][:40])


def services() -> Services:
    return current_app.extensions["shebao"]  # type: ignore[no-any-return]


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(services().settings.secret_key, salt="shebao-miniprogram")


def body() -> dict[str, Any]:
    try:
        data = request.get_json(silent=True)
    except RecursionError as exc:  # json's parser recurses: 10,000 nested arrays
        raise ApiError("invalid_request") from exc
    if not isinstance(data, dict):
        raise ApiError("invalid_request")
    return data


def check_pattern(name: str, value: str) -> None:
    pattern, code = PATTERNS[name]
    if not pattern.match(value):
        raise ApiError(code, field=name)


def check_with(name: str, problem: str | None) -> None:
    """Raise the code bot/personal gave for the field's value (None: nothing wrong)."""
    if problem is not None:
        raise ApiError(problem, field=name)


def readable(value: str) -> bool:
    """False for text no UTF-8 can carry (a lone surrogate such as ``\\ud800``, which JSON's
    escapes allow): it would break the engine's text handling (OpenCC) half-way."""
    return not _SURROGATE.search(value)


def text_field(
    data: dict[str, Any],
    name: str,
    *,
    max_length: int = 64,
    required: bool = True,
    label: str | None = None,
) -> str:
    value = data.get(name)
    if value is None and not required:
        return ""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ApiError("field_missing", field=name, label=label)
    if not isinstance(value, str):
        raise ApiError("invalid_field", field=name, label=label)
    if len(value) > max_length:
        raise ApiError("field_too_long", field=name, label=label, max_length=max_length)
    if not readable(value):
        raise ApiError("unreadable_text", field=name, label=label)
    return value.strip()


def optional_text(data: dict[str, Any], name: str, *, max_length: int) -> str:
    """A field that may be absent, null or blank (then ""); otherwise checked as text."""
    value = data.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    return text_field(data, name, max_length=max_length)


def current_openid() -> str:
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header[:7].lower() == "bearer " else ""
    if not token:
        raise ApiError("unauthorized")
    try:
        data = _signer().loads(token, max_age=int(TOKEN_TTL.total_seconds()))
    except BadSignature as exc:  # SignatureExpired is a BadSignature
        raise ApiError("unauthorized") from exc
    sid = data.get("sid") if isinstance(data, dict) else None
    with services().db.session() as s:
        row = s.get(MiniProgramSession, sid) if isinstance(sid, str) else None
        if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
            raise ApiError("unauthorized")
        g.mp_openid = row.openid
        return row.openid


def me() -> str:
    return user_key(CHANNEL, current_openid())


def bound_subject() -> personal.Subject:
    key = me()
    found = personal.current_binding(services().db, key)
    if found is None:
        raise ApiError("not_bound")
    return personal.Subject(
        found.person_ref, found.name_masked, found.id_masked, found.region, "self"
    )


def audit(who: personal.Subject, what: str, outcome: str = "shown") -> None:
    log_access(
        services().db,
        actor_key=me(),
        actor_role="citizen",
        person_ref=who.person_ref,
        what=what,
        via="self",
        channel=CHANNEL,
        outcome=outcome,
    )


# -- the API's own description ------------------------------------------------------------------

SPEC = Path(__file__).with_name("miniprogram_openapi.yaml")


@bp.get("/openapi.yaml")
def openapi() -> Response:
    """This API's OpenAPI document, for the mini-program's developers and the tests."""
    return Response(SPEC.read_text(encoding="utf-8"), mimetype="application/yaml")


# -- login ---------------------------------------------------------------------------------------


WECHAT_ROOT = "https://api.weixin.qq.com/"
# code2Session's errcode for "WeChat is busy, try again" (errmsg "system error"); any other
# errcode refuses the code (40029 invalid, 40163 used already, 45011 too many logins).
_WECHAT_BUSY = {-1}


def _wechat_root() -> str:
    """WeChat's API root; under ``WECHAT_API_BASE_URL`` (its ``…/cgi-bin/``) that one's."""
    base = current_app.config.get("WECHAT_API_BASE_URL") or services().settings.wechat_api_base_url
    if not base:
        return WECHAT_ROOT
    return base.rstrip("/").removesuffix("/cgi-bin") + "/"


def code_to_session(code: str) -> tuple[str, str, str | None]:
    """(openid, session_key, unionid) for ``wx.login``'s code.

    ``sns/jscode2session`` takes the AppID and secret themselves: no access_token is fetched
    for it (a fetch per login would also replace the token other calls use)."""
    settings = services().settings
    appid = current_app.config.get("MINIPROGRAM_APPID") or settings.miniprogram_appid
    secret = current_app.config.get("MINIPROGRAM_SECRET") or settings.miniprogram_secret
    if not (appid and secret):  # development: a stand-in for WeChat's code2Session
        digest = hashlib.sha256(f"sandbox-code2session:{code}".encode()).hexdigest()
        return "mp-" + digest[:28], secrets.token_urlsafe(16), None
    params = {"appid": appid, "secret": secret, "js_code": code, "grant_type": "authorization_code"}
    try:
        response = requests.get(_wechat_root() + "sns/jscode2session", params=params, timeout=5)
        response.raise_for_status()
        answer = response.json()
        if not isinstance(answer, dict):
            raise ValueError("code2Session answered no JSON object")
    except (requests.RequestException, ValueError) as exc:
        log.warning("code2Session failed: %s", type(exc).__name__)
        raise ApiError("wechat_unavailable") from exc
    errcode = answer.get("errcode") or 0
    if errcode in _WECHAT_BUSY:
        log.warning("code2Session busy: %s", errcode)
        raise ApiError("wechat_unavailable")
    if errcode or not answer.get("openid") or not answer.get("session_key"):
        log.info("code2Session refused: %s", errcode)
        raise ApiError("invalid_code")
    unionid = answer.get("unionid")
    return str(answer["openid"]), str(answer["session_key"]), str(unionid) if unionid else None


@bp.post("/login")
def login() -> tuple[Response, int]:
    code = text_field(body(), "code", max_length=128, label="登录凭证")
    openid, session_key, unionid = code_to_session(code)
    sid = secrets.token_urlsafe(24)
    with services().db.session() as s:
        s.add(
            MiniProgramSession(
                id=sid,
                openid=openid,
                unionid=unionid,
                sealed_session_key=seal(services().settings, session_key),
                expires_at=utcnow() + TOKEN_TTL,
            )
        )
    bound = personal.current_binding(services().db, user_key(CHANNEL, openid)) is not None
    return jsonify(
        {
            "token": _signer().dumps({"sid": sid}),
            "expires_in": int(TOKEN_TTL.total_seconds()),
            "bound": bound,
        }
    ), 200


# -- ask -----------------------------------------------------------------------------------------


def rate_limiter() -> RateLimiter:
    """The per-user limit on questions (``RATE_LIMIT_PER_MINUTE``, as on the WeChat channel;
    shared through Redis when configured)."""
    app = current_app
    limiter = app.extensions.get("mp_rate_limit")
    if limiter is None:
        limit = int(
            app.config.get("RATE_LIMIT_PER_MINUTE") or services().settings.rate_limit_per_minute
        )
        limiter = RateLimiter(
            hub_for(services().settings.redis_url), limit=limit, namespace="rate-mp"
        )
        app.extensions["mp_rate_limit"] = limiter
    return limiter  # type: ignore[no-any-return]


@bp.post("/ask")
def ask() -> tuple[Response, int]:
    openid = current_openid()
    if not rate_limiter().allow(openid):
        metrics.rate_limited(CHANNEL)
        raise ApiError("too_many_requests", retry_after=60)
    data = body()
    text = text_field(data, "text", max_length=MAX_TEXT)
    region = optional_text(data, "region", max_length=40)
    if region and services().bot.understanding.regions.find(region, whole=True) is None:
        # names no place at all (火星): an error, not silently the region remembered before
        raise ApiError("unknown_region")
    reply = services().bot.handle(
        Message(channel=CHANNEL, user=openid, text=text, region=region or None)
    )
    # answer_id: what POST /feedback rates (webhooks/miniprogram_feedback.py)
    return jsonify(reply.as_json() | {"answer_id": reply.exchange_id}), 200


# -- binding -------------------------------------------------------------------------------------


def binding_json(found: Any) -> dict[str, Any]:
    if found is None:
        return {"bound": False}
    return {
        "bound": True,
        "name_masked": found.name_masked,
        "id_masked": found.id_masked,
        "region": found.region,
        "bound_at": _instant(found.bound_at),
    }


def _binding_error(exc: personal.BindingError, key: str) -> ApiError:
    """The API's error for what binding said (its code; its chat sentence is not used)."""
    if exc.code == "invalid_request":
        if exc.field:  # a field the checks before the call let through: named, not worded
            return ApiError("invalid_field", field=exc.field)
        # the core refused the request: its own sentence is the reason (masked by proxy/)
        return ApiError("refused", reason=exc.message or say.REASON_REFUSED)
    if exc.code == "unavailable":
        return ApiError("core_unavailable")
    if exc.code == "locked":
        until = personal.binding_locked_until(services().db, key)
        if until is None:  # the lock ended in between: the sentence still needs a time
            until = utcnow()
        seconds = max(1, math.ceil((until - utcnow()).total_seconds()))
        return ApiError(
            "locked", retry_after=seconds, until=local_time(until), locked_until=_instant(until)
        )
    if exc.code == "wrong_code":
        return ApiError("wrong_code", attempts_left=exc.attempts_left)
    if exc.code in ("identity_mismatch", "verification_expired"):
        return ApiError(exc.code)
    log.warning("binding said %s, which the API has no code for", exc.code)
    return ApiError("refused", reason=say.REASON_REFUSED)


@bp.get("/binding")
def binding_status() -> tuple[Response, int]:
    return jsonify(binding_json(personal.current_binding(services().db, me()))), 200


@bp.post("/binding/start")
def binding_start() -> tuple[Response, int]:
    key = me()
    data = body()
    names = ("id_number", "name", "phone")
    fields = [text_field(data, n, max_length=40) for n in names]
    for name, value in zip(names, fields, strict=True):
        if name in PATTERNS:
            check_pattern(name, value)
        check_with(name, personal.FIELD_CHECKS[name](value))
    try:
        started = personal.start_binding(services().bot, key, *fields)
    except personal.BindingError as exc:
        raise _binding_error(exc, key) from exc
    return jsonify(
        {"phone_masked": started.phone_masked, "expires_at": _instant(started.expires_at)}
    ), 200


@bp.post("/binding/confirm")
def binding_confirm() -> tuple[Response, int]:
    key = me()
    code = text_field(body(), "code", max_length=16)
    check_with("code", personal.code_problem(code))
    try:
        found = personal.confirm_binding(services().bot, key, CHANNEL, code)
    except personal.BindingError as exc:
        raise _binding_error(exc, key) from exc
    return jsonify(binding_json(found)), 200


@bp.delete("/binding")
def binding_delete() -> tuple[Response, int]:
    personal.unbind(services().db, me())
    return jsonify({"bound": False}), 200


# -- records -------------------------------------------------------------------------------------


@bp.get("/records/contributions")
def contributions() -> tuple[Response, int]:
    who = bound_subject()
    kind = request.args.get("type")
    if kind is not None and kind not in set(InsuranceType):
        raise ApiError("invalid_field", field="type")
    found = services().bot.core.contributions(who.person_ref)
    audit(who, "contributions")
    insurances = [i for i in found.insurances if kind is None or i.type.value == kind]
    return jsonify(
        {
            "name_masked": who.name_masked,
            "id_masked": who.id_masked,
            "insurances": [
                {
                    "type": i.type.value,
                    "label": i.type.label,
                    "total_months": i.total_months,
                    "first_month": i.first_month,
                    "last_month": i.last_month,
                    "gaps": [
                        {"first": g.first, "last": g.last, "months": g.months} for g in i.gaps
                    ],
                    "latest": [
                        {
                            "month": m.month,
                            "base": _money(m.base),
                            "personal": _money(m.personal),
                            "unit": _money(m.unit),
                        }
                        for m in i.months[-personal.LATEST :][::-1]
                    ],
                }
                for i in insurances
            ],
            "summary": personal.describe_contributions(
                found, who, [InsuranceType(kind)] if kind else list(InsuranceType)
            ),
        }
    ), 200


@bp.get("/records/pension")
def pension() -> tuple[Response, int]:
    who = bound_subject()
    found = services().bot.core.pension_payments(who.person_ref)
    audit(who, "pension")
    return jsonify(
        {
            "receiving": found.receiving,
            "monthly_amount": _money(found.monthly_amount) if found.monthly_amount else None,
            "payments": [
                {
                    "month": p.month,
                    "paid_on": p.paid_on.isoformat(),
                    "amount": _money(p.amount),
                    "account_masked": p.account_masked,
                }
                for p in found.payments[::-1]
            ],
            "summary": personal.describe_pension(found, who, clock.china_today()),
        }
    ), 200


# -- applications --------------------------------------------------------------------------------


def application_json(app: UnemploymentApplication) -> dict[str, Any]:
    return {
        "application_id": app.application_id,
        "status": app.status.value,
        "status_label": app.status.label,
        "submitted_at": _instant(app.submitted_at),
        "updated_at": _instant(app.updated_at),
        "leaving_date": app.leaving_date.isoformat(),
        "leaving_reason": app.leaving_reason.value,
        "payment_account": {
            "kind": app.payment_account.kind.value,
            "number_masked": app.payment_account.number_masked,
        },
        "phone_masked": app.phone_masked,
        "seeking_work": app.seeking_work,
        "rejection_reason": app.rejection_reason,
        "benefit_months": app.benefit_months,
        "monthly_amount": _money(app.monthly_amount) if app.monthly_amount is not None else None,
        "first_payment_on": app.first_payment_on.isoformat() if app.first_payment_on else None,
        "history": [
            {
                "status": h.status.value,
                "label": h.status.label,
                "at": _instant(h.at),
                "note": h.note,
            }
            for h in app.history
        ],
    }


@bp.get("/applications/eligibility")
def eligibility() -> tuple[Response, int]:
    who = bound_subject()
    found = services().bot.core.unemployment_eligibility(who.person_ref)
    audit(who, "eligibility")
    open_now = open_application(who.person_ref)
    if open_now is not None:  # POST /applications would answer 409: say so here first
        return jsonify(
            {
                "eligible": False,
                "contribution_months": found.contribution_months,
                "reason": open_now,
                "separation": None,
            }
        ), 200
    separation = None
    if found.separation is not None:
        separation = {
            "leaving_date": found.separation.leaving_date.isoformat(),
            "leaving_reason": found.separation.leaving_reason.value,
        }
    return jsonify(
        {
            "eligible": found.eligible,
            "contribution_months": found.contribution_months,
            "reason": found.reason,
            "separation": separation,
        }
    ), 200


def open_application(person_ref: str) -> str | None:
    """Why a new application cannot be made now (one is open or kept), or None."""
    if pending_for(services().db, person_ref) is not None:
        return say.PENDING_EXISTS
    for app in services().bot.core.unemployment_applications(person_ref):
        if not app.status.is_final:
            return say.OPEN_EXISTS.format(application_id=app.application_id)
    return None


def application_request(data: dict[str, Any], person_ref: str) -> UnemploymentApplicationRequest:
    today = clock.china_today()
    raw_date = text_field(data, "leaving_date", max_length=10)
    check_with("leaving_date", personal.leaving_date_problem(raw_date, today))
    leaving = read_date(raw_date, today)
    reason = data.get("leaving_reason")
    if reason is None or reason == "":
        raise ApiError("field_missing", field="leaving_reason")
    if not isinstance(reason, str) or reason not in set(LeavingReason):
        raise ApiError("invalid_field", field="leaving_reason")
    if not reason_qualifies(LeavingReason(reason)):
        voluntary = say.REASON_VOLUNTARY.format(reason=LeavingReason(reason).label)
        raise ApiError("not_eligible", field="leaving_reason", reason=voluntary)
    account = data.get("payment_account")
    if account is None:
        raise ApiError("field_missing", field="payment_account")
    if not isinstance(account, dict) or account.get("kind") not in set(PaymentAccountKind):
        raise ApiError("invalid_field", field="payment_account")
    number = None
    if account["kind"] == PaymentAccountKind.BANK_CARD.value:
        raw = account.get("number")
        if not isinstance(raw, str):
            raise ApiError("bank_card_format")
        if len(raw) > 40:
            raise ApiError("bank_card_length")
        check_with("payment_account", personal.bank_card_problem(raw))
        number = read_bank_card(raw)
    raw_phone = text_field(data, "phone", max_length=20)
    check_pattern("phone", raw_phone)
    phone = read_phone(raw_phone)
    seeking = data.get("seeking_work")
    if seeking is None:
        raise ApiError("field_missing", field="seeking_work")
    if not isinstance(seeking, bool):
        raise ApiError("invalid_field", field="seeking_work")
    if not seeking_work_qualifies(seeking):
        raise ApiError("not_eligible", field="seeking_work", reason=say.REASON_SEEKING_WORK)
    return UnemploymentApplicationRequest(
        person_ref=person_ref,
        leaving_date=leaving,
        leaving_reason=LeavingReason(reason),
        payment_account=PaymentAccount(PaymentAccountKind(account["kind"]), number),
        phone=phone,
        seeking_work=True,
    )


@bp.post("/applications")
def create_application() -> tuple[Response, int]:
    key = me()
    who = bound_subject()
    client_key = request.headers.get("Idempotency-Key", "")
    if not _KEY.match(client_key):
        raise ApiError("idempotency_key_required")
    application = application_request(body(), who.person_ref)
    # The client's key, kept apart per user, becomes the key sent to the core.
    core_key = "mp-" + hashlib.sha256(f"{key}\n{client_key}".encode()).hexdigest()[:40]
    kept = pending_for(services().db, who.person_ref)
    if kept is not None and kept.idempotency_key != core_key:
        # One application is kept for sending (the core was down): a second, under another
        # key, would be sent beside it when the core is back. The kept one's own key resends.
        raise ApiError("application_exists")
    try:
        outcome = submit(
            services().bot,
            user_key=key,
            person_ref=who.person_ref,
            request=application,
            idempotency_key=core_key,
        )
    except IdempotencyKeyReused as exc:
        raise ApiError("idempotency_key_reused") from exc
    if outcome.kind == "submitted":
        return jsonify(
            {
                "status": "submitted",
                "application_id": outcome.application_id,
                "message": say.SUBMITTED.format(application_id=outcome.application_id),
            }
        ), 201
    if outcome.kind == "pending":
        return jsonify(
            {"status": "pending", "application_id": None, "message": say.SUBMIT_PENDING}
        ), 202
    if outcome.kind == "exists":
        raise ApiError("application_exists", application_id=outcome.application_id)
    # An ineligible applicant is not_eligible, whether the API or the core says so (as the
    # document says); refused is the core declining the request for another reason. The
    # core's sentence (masked by proxy/) is the reason.
    if outcome.code == "not_eligible":
        raise ApiError("not_eligible", reason=outcome.message or say.REASON_NOT_ELIGIBLE)
    raise ApiError("refused", reason=outcome.message or say.REASON_REFUSED)


@bp.get("/applications")
def list_applications() -> tuple[Response, int]:
    who = bound_subject()
    found = services().bot.core.unemployment_applications(who.person_ref)
    audit(who, "unemployment_status")
    db = services().db
    pending = [
        {
            "created_at": _instant(row.created_at),
            "status": "pending",
            "message": say.KEPT.format(when=row.created_at.date().isoformat()),
        }
        for row in submissions_of(db, who.person_ref)
        if row.status == "pending"
    ]
    return jsonify({"applications": [application_json(a) for a in found], "pending": pending}), 200


@bp.get("/applications/<application_id>")
def one_application(application_id: str) -> tuple[Response, int]:
    who = bound_subject()
    if not _APP_ID.match(application_id):
        raise ApiError("not_found")
    found = services().bot.core.unemployment_application(application_id)
    if found.person_ref != who.person_ref:  # someone else's number: not found, not forbidden
        raise ApiError("not_found")
    audit(who, "unemployment_status")
    return jsonify(application_json(found)), 200


# -- helpers -------------------------------------------------------------------------------------


def _instant(value: datetime) -> str:
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _start_follower(app: App, every: float) -> None:
    """Follow applications in this process (FOLLOW_APPLICATIONS_SECONDS > 0)."""
    from bot.personal.service import Follower
    from webhooks.application_notices import SenderNotifier

    shebao = app.extensions["shebao"]

    def notifier() -> SenderNotifier:
        runtime = app.extensions.get("wechat")
        sender = runtime.sender if runtime is not None else None
        return SenderNotifier(shebao.settings, shebao.db, sender, dict(app.config))

    follower = Follower(lambda: shebao.bot, notifier, every)
    app.extensions["application_follower"] = follower
    follower.start()


from webhooks import miniprogram_feedback  # noqa: E402, F401  (registers POST /feedback)
