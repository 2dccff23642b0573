"""``/api/mp``: the mini-program's JSON API (webhooks/miniprogram_openapi.yaml).

- ``POST /login`` exchanges ``wx.login``'s code through code2Session (wechatpy's ``WeChatWxa``;
  without ``MINIPROGRAM_APPID``/``MINIPROGRAM_SECRET`` a sandbox stand-in derives an openid from
  the code) and returns the bot's own signed, expiring token. ``session_key`` stays server-side.
- ``POST /ask``: the same engine as WeChat (channel ``miniprogram``).
- ``/binding``: status, start (ID number, name, phone), confirm (one-time code), unbind.
- ``/records/contributions``, ``/records/pension``: the user's own records, masked.
- ``/applications``: eligibility, create (``Idempotency-Key`` header), list, one by number.

Every error has one shape: ``{"error": {"code", "message"}}`` (plus ``field`` or
``attempts_left`` where they help). Views are thin: the work is in bot/ (binding, records,
applications), shared with the chat.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request
from flask.blueprints import BlueprintSetupState
from flask.sansio.app import App
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.exceptions import HTTPException

from bot.backend import user_key
from bot.personal import service as personal
from bot.personal.service import (
    Invalid,
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
from bot.personal.service import texts as t
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
# server accept exactly the same; the chat is more forgiving, the API is a contract).
PATTERNS = {
    "id_number": re.compile(r"^[0-9]{17}[0-9Xx]$"),
    "phone": re.compile(r"^1[3-9][0-9]{9}$"),
}
_HTTP_CODES = {
    400: "invalid_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "invalid_request",
    429: "too_many_requests",
}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra


def error_response(status: int, code: str, message: str, **extra: Any) -> tuple[Response, int]:
    body = {"code": code, "message": message, **{k: v for k, v in extra.items() if v is not None}}
    return jsonify({"error": body}), status


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
    response, _ = error_response(
        status, _HTTP_CODES.get(status, "internal"), t.API_HTTP.get(status, t.API_HTTP[500])
    )
    for name, value in error.get_headers():  # e.g. Allow on a 405
        if name.lower() != "content-type":
            response.headers[name] = value
    return response, status


@bp.errorhandler(ApiError)
def _api_error(error: ApiError) -> tuple[Response, int]:
    return error_response(error.status, error.code, error.message, **error.extra)


@bp.errorhandler(CoreUnavailable)
def _core_down(error: CoreUnavailable) -> tuple[Response, int]:
    return error_response(503, "core_unavailable", t.CORE_DOWN)


@bp.errorhandler(CoreError)
def _core_refused(error: CoreError) -> tuple[Response, int]:
    status = 404 if isinstance(error, NotFound) else 422
    return error_response(status, error.code, mask_text(error.message))


@bp.errorhandler(Exception)
def _unexpected(error: Exception) -> tuple[Response, int]:
    if isinstance(error, HTTPException):
        return _http_error(error)  # type: ignore[no-any-return]
    if is_unavailable(error):  # the database cannot be reached: nothing done, try again
        log.warning("mini-program API on %s: database unavailable", request.path)
        response, status = error_response(503, "unavailable", t.API_HTTP[503])
        response.headers["Retry-After"] = "5"
        return response, status
    log.exception("mini-program API failed on %s", request.path)
    return error_response(500, "internal", t.API_HTTP[500])


# -- plumbing ------------------------------------------------------------------------------------

_QUERY = {"miniprogram.contributions": {"type"}}


@bp.before_request
def _known_query_only() -> None:
    """The contract lists every query parameter; an unknown one is a client's mistake."""
    unknown = set(request.args) - _QUERY.get(request.endpoint or "", set())
    if unknown:
        name = sorted(unknown)[0][:40]
        raise ApiError(400, "invalid_request", t.API_BAD_FIELD.format(field=name), field=name)


def services() -> Services:
    return current_app.extensions["shebao"]  # type: ignore[no-any-return]


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(services().settings.secret_key, salt="shebao-miniprogram")


def body() -> dict[str, Any]:
    try:
        data = request.get_json(silent=True)
    except RecursionError as exc:  # json's parser recurses: 10,000 nested arrays
        raise ApiError(400, "invalid_request", t.API_TOO_DEEP) from exc
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_request", t.API_BODY_NOT_OBJECT)
    return data


def check_pattern(name: str, value: str) -> None:
    pattern = PATTERNS.get(name)
    if pattern is not None and not pattern.match(value):
        raise ApiError(400, "invalid_request", t.API_BAD_FIELD.format(field=name), field=name)


def readable(value: str) -> bool:
    """False for text no UTF-8 can carry (a lone surrogate such as ``\\ud800``, which JSON's
    escapes allow): it would break the engine's text handling (OpenCC) half-way."""
    return not _SURROGATE.search(value)


def text_field(
    data: dict[str, Any], name: str, *, max_length: int = 64, required: bool = True
) -> str:
    value = data.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip() or len(value) > max_length:
        raise ApiError(400, "invalid_request", t.API_BAD_FIELD.format(field=name), field=name)
    if not readable(value):
        raise ApiError(400, "invalid_request", t.API_BAD_TEXT.format(field=name), field=name)
    return value.strip()


def current_openid() -> str:
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header[:7].lower() == "bearer " else ""
    if not token:
        raise ApiError(401, "unauthorized", t.API_LOGIN_NEEDED)
    try:
        data = _signer().loads(token, max_age=int(TOKEN_TTL.total_seconds()))
    except BadSignature as exc:  # SignatureExpired is a BadSignature
        raise ApiError(401, "unauthorized", t.API_LOGIN_EXPIRED) from exc
    sid = data.get("sid") if isinstance(data, dict) else None
    with services().db.session() as s:
        row = s.get(MiniProgramSession, sid) if isinstance(sid, str) else None
        if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
            raise ApiError(401, "unauthorized", t.API_LOGIN_EXPIRED)
        g.mp_openid = row.openid
        return row.openid


def me() -> str:
    return user_key(CHANNEL, current_openid())


def bound_subject() -> personal.Subject:
    key = me()
    found = personal.current_binding(services().db, key)
    if found is None:
        raise ApiError(403, "not_bound", t.NOT_BOUND)
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


def code_to_session(code: str) -> tuple[str, str, str | None]:
    """(openid, session_key, unionid) for ``wx.login``'s code."""
    settings = services().settings
    appid = current_app.config.get("MINIPROGRAM_APPID") or settings.miniprogram_appid
    secret = current_app.config.get("MINIPROGRAM_SECRET") or settings.miniprogram_secret
    if not (appid and secret):  # development: a stand-in for WeChat's code2Session
        digest = hashlib.sha256(f"sandbox-code2session:{code}".encode()).hexdigest()
        return "mp-" + digest[:28], secrets.token_urlsafe(16), None
    from wechatpy import WeChatClient
    from wechatpy.exceptions import WeChatClientException

    try:
        answer = WeChatClient(appid, secret, timeout=5).wxa.code_to_session(code)
    except WeChatClientException as exc:
        log.info("code2Session refused: %s", exc.errcode)
        raise ApiError(401, "invalid_code", t.API_INVALID_CODE) from exc
    except Exception as exc:
        log.warning("code2Session failed: %s", type(exc).__name__)
        raise ApiError(503, "wechat_unavailable", t.API_WECHAT_DOWN) from exc
    return str(answer["openid"]), str(answer["session_key"]), answer.get("unionid")


@bp.post("/login")
def login() -> tuple[Response, int]:
    code = text_field(body(), "code", max_length=128)
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
        response, status = error_response(429, "too_many_requests", t.API_HTTP[429])
        response.headers["Retry-After"] = "60"
        return response, status
    data = body()
    text = text_field(data, "text", max_length=MAX_TEXT)
    region = data.get("region")
    if region is not None and (
        not isinstance(region, str) or len(region) > 40 or not readable(region)
    ):
        raise ApiError(
            400, "invalid_request", t.API_BAD_FIELD.format(field="region"), field="region"
        )
    if region and services().bot.understanding.regions.find(region, whole=True) is None:
        # names no place at all (火星): an error, not silently the region remembered before
        raise ApiError(400, "unknown_region", t.API_UNKNOWN_REGION, field="region")
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


_BINDING_STATUS = {
    "invalid_request": 400,
    "locked": 429,
    "identity_mismatch": 422,
    "wrong_code": 422,
    "verification_expired": 410,
    "unavailable": 503,
}


def _binding_error(exc: personal.BindingError) -> ApiError:
    return ApiError(
        _BINDING_STATUS.get(exc.code, 422),
        exc.code,
        exc.message,
        field=exc.field,
        attempts_left=exc.attempts_left,
    )


@bp.get("/binding")
def binding_status() -> tuple[Response, int]:
    return jsonify(binding_json(personal.current_binding(services().db, me()))), 200


@bp.post("/binding/start")
def binding_start() -> tuple[Response, int]:
    key = me()
    data = body()
    fields = [text_field(data, n, max_length=40) for n in ("id_number", "name", "phone")]
    for name, value in zip(("id_number", "name", "phone"), fields, strict=True):
        check_pattern(name, value)
    try:
        started = personal.start_binding(services().bot, key, *fields)
    except personal.BindingError as exc:
        raise _binding_error(exc) from exc
    return jsonify(
        {"phone_masked": started.phone_masked, "expires_at": _instant(started.expires_at)}
    ), 200


@bp.post("/binding/confirm")
def binding_confirm() -> tuple[Response, int]:
    key = me()
    code = text_field(body(), "code", max_length=16)
    try:
        found = personal.confirm_binding(services().bot, key, CHANNEL, code)
    except personal.BindingError as exc:
        raise _binding_error(exc) from exc
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
        raise ApiError(400, "invalid_request", t.API_TYPE_INVALID, field="type")
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
        return t.APPLY_PENDING_EXISTS
    for app in services().bot.core.unemployment_applications(person_ref):
        if not app.status.is_final:
            return t.APPLY_OPEN_EXISTS.format(application_id=app.application_id)
    return None


def application_request(data: dict[str, Any], person_ref: str) -> UnemploymentApplicationRequest:
    today = clock.china_today()
    try:
        leaving = read_date(text_field(data, "leaving_date", max_length=10), today)
    except Invalid as exc:
        raise ApiError(400, "invalid_request", exc.message, field="leaving_date") from exc
    reason = data.get("leaving_reason")
    if not isinstance(reason, str) or reason not in set(LeavingReason):
        raise ApiError(400, "invalid_request", t.REASON_INVALID, field="leaving_reason")
    if not reason_qualifies(LeavingReason(reason)):
        raise ApiError(
            422,
            "not_eligible",
            t.API_REASON_VOLUNTARY.format(reason=LeavingReason(reason).label),
            field="leaving_reason",
        )
    account = data.get("payment_account")
    if not isinstance(account, dict) or account.get("kind") not in set(PaymentAccountKind):
        raise ApiError(400, "invalid_request", t.PAYMENT_INVALID, field="payment_account")
    number = None
    if account["kind"] == PaymentAccountKind.BANK_CARD.value:
        raw = account.get("number")
        try:
            if not isinstance(raw, str) or len(raw) > 40:
                raise Invalid(t.PAYMENT_INVALID)
            number = read_bank_card(raw)
        except Invalid as exc:
            raise ApiError(400, "invalid_request", exc.message, field="payment_account") from exc
    try:
        raw_phone = text_field(data, "phone", max_length=20)
        check_pattern("phone", raw_phone)
        phone = read_phone(raw_phone)
    except Invalid as exc:
        raise ApiError(400, "invalid_request", exc.message, field="phone") from exc
    if not seeking_work_qualifies(data.get("seeking_work")):
        raise ApiError(422, "not_eligible", t.API_SEEKING_REQUIRED, field="seeking_work")
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
        raise ApiError(400, "idempotency_key_required", t.API_KEY_REQUIRED)
    application = application_request(body(), who.person_ref)
    # The client's key, kept apart per user, becomes the key sent to the core.
    core_key = "mp-" + hashlib.sha256(f"{key}\n{client_key}".encode()).hexdigest()[:40]
    try:
        outcome = submit(
            services().bot,
            user_key=key,
            person_ref=who.person_ref,
            request=application,
            idempotency_key=core_key,
        )
    except IdempotencyKeyReused as exc:
        raise ApiError(422, "idempotency_key_reused", exc.message) from exc
    if outcome.kind == "submitted":
        return jsonify(
            {
                "status": "submitted",
                "application_id": outcome.application_id,
                "message": t.SUBMITTED.format(application_id=outcome.application_id),
            }
        ), 201
    if outcome.kind == "pending":
        return jsonify(
            {"status": "pending", "application_id": None, "message": t.SUBMIT_PENDING}
        ), 202
    if outcome.kind == "exists":
        raise ApiError(
            409,
            "application_exists",
            t.APPLY_OPEN_EXISTS.format(application_id=outcome.application_id),
            application_id=outcome.application_id,
        )
    # An ineligible applicant is not_eligible, whether the API or the core says so (as the
    # document says); refused is the core declining the request for another reason.
    code = "not_eligible" if outcome.code == "not_eligible" else "refused"
    raise ApiError(422, code, outcome.message or t.SUBMIT_REFUSED.format(message=""))


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
            "message": t.STATUS_PENDING.format(when=row.created_at.date().isoformat()),
        }
        for row in submissions_of(db, who.person_ref)
        if row.status == "pending"
    ]
    return jsonify({"applications": [application_json(a) for a in found], "pending": pending}), 200


@bp.get("/applications/<application_id>")
def one_application(application_id: str) -> tuple[Response, int]:
    who = bound_subject()
    if not _APP_ID.match(application_id):
        raise ApiError(404, "not_found", t.API_HTTP[404])
    found = services().bot.core.unemployment_application(application_id)
    if found.person_ref != who.person_ref:  # someone else's number: not found, not forbidden
        raise ApiError(404, "not_found", t.API_HTTP[404])
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
