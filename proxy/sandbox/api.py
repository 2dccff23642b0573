"""The sandbox's ``/v1`` blueprint: proxy/openapi.yaml, served from ``SandboxCore``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from proxy import codec
from proxy.errors import CoreUnavailable, InvalidRequest, error_payload
from proxy.messages import SANDBOX as TEXT
from proxy.sandbox import idempotency
from proxy.sandbox.service import SandboxCore
from proxy.types import InsuranceType, UnemploymentApplicationRequest

bp = Blueprint("core_v1", __name__, url_prefix="/v1")


def core() -> SandboxCore:
    sandbox: SandboxCore = current_app.extensions["sandbox_core"]
    return sandbox


def answer(value: Any, status: int = 200, **headers: str) -> tuple[Response, int, dict[str, str]]:
    return jsonify(codec.to_json(value)), status, headers


def created(value: Any, made_now: bool) -> tuple[Response, int, dict[str, str]]:
    if made_now:
        return answer(value, 201)
    return answer(value, 200, **{"Idempotent-Replayed": "true"})


def body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise InvalidRequest()
    return data


def text_field(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str):
        raise InvalidRequest()
    return value


@bp.before_request
def planned_faults() -> tuple[Response, int] | None:
    status = core().faults.apply()
    if status is None:
        return None
    return jsonify(error_payload(CoreUnavailable())), status


@bp.get("/health")
def health() -> tuple[Response, int, dict[str, str]]:
    return answer({"status": "ok"})


@bp.post("/identity/verifications")
def start_verification() -> tuple[Response, int, dict[str, str]]:
    data = body()
    result = core().start_verification(
        text_field(data, "id_number"), text_field(data, "name"), text_field(data, "phone")
    )
    return answer(result, 201)


@bp.post("/identity/verifications/<verification_id>/confirm")
def confirm_verification(verification_id: str) -> tuple[Response, int, dict[str, str]]:
    return answer(core().confirm_verification(verification_id, text_field(body(), "code")))


@bp.get("/persons/<person_ref>/contributions")
def contributions(person_ref: str) -> tuple[Response, int, dict[str, str]]:
    kind = request.args.get("type") or None
    if kind is not None and kind not in set(InsuranceType):
        raise InvalidRequest(TEXT["type_invalid"])
    result = core().contributions(
        person_ref,
        insurance_type=InsuranceType(kind) if kind else None,
        from_month=request.args.get("from") or None,
        to_month=request.args.get("to") or None,
    )
    return answer(result)


@bp.get("/persons/<person_ref>/pension-payments")
def pension_payments(person_ref: str) -> tuple[Response, int, dict[str, str]]:
    result = core().pension_payments(
        person_ref,
        from_month=request.args.get("from") or None,
        to_month=request.args.get("to") or None,
    )
    return answer(result)


@bp.get("/persons/<person_ref>/unemployment-eligibility")
def unemployment_eligibility(person_ref: str) -> tuple[Response, int, dict[str, str]]:
    return answer(core().unemployment_eligibility(person_ref))


@bp.post("/unemployment-applications")
def create_application() -> tuple[Response, int, dict[str, str]]:
    key = idempotency.check_key(request.headers.get("Idempotency-Key"))
    try:
        application = codec.from_json(UnemploymentApplicationRequest, body())
    except codec.DecodeError as exc:
        current_app.logger.info("sandbox: bad application body: %s", exc)
        raise InvalidRequest() from exc
    return created(*core().submit_application(application, key))


@bp.get("/unemployment-applications/<application_id>")
def application(application_id: str) -> tuple[Response, int, dict[str, str]]:
    return answer(core().unemployment_application(application_id))


@bp.get("/persons/<person_ref>/unemployment-applications")
def applications(person_ref: str) -> tuple[Response, int, dict[str, str]]:
    return answer({"applications": core().unemployment_applications(person_ref)})


@bp.post("/persons/<person_ref>/card-loss-reports")
def card_loss(person_ref: str) -> tuple[Response, int, dict[str, str]]:
    key = idempotency.check_key(request.headers.get("Idempotency-Key"))
    return created(*core().submit_card_loss(person_ref, key))
