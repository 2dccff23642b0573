"""The sandbox's ``/sandbox`` blueprint: what tests and demos need that the real core never has.

- ``POST /sandbox/applications/<id>/advance`` ``{"status"?: …, "reason"?: …}``: move an
  application to its next status (or the one given; ``rejected`` takes a reason).
- ``PUT /sandbox/faults`` ``{"delay_seconds"?: 2.0, "fail_status"?: 503, "times"?: 3}`` and
  ``DELETE /sandbox/faults``: make ``/v1`` slow or failing, for a while or until cleared.
- ``GET /sandbox/citizens``: the demo citizens, to try the bot with.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from proxy import codec
from proxy.errors import InvalidRequest
from proxy.messages import SANDBOX as TEXT
from proxy.sandbox import demo
from proxy.sandbox.api import answer, core
from proxy.sandbox.faults import FaultPlan
from proxy.sandbox.seed import person_ref
from proxy.types import ApplicationStatus

bp = Blueprint("sandbox_admin", __name__, url_prefix="/sandbox")


def _payload() -> dict[str, Any]:
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else {}


@bp.post("/applications/<application_id>/advance")
def advance(application_id: str) -> tuple[Response, int, dict[str, str]]:
    data = _payload()
    status = data.get("status")
    if status is not None and status not in set(ApplicationStatus):
        raise InvalidRequest(TEXT["status_unknown"])
    reason = data.get("reason")
    result = core().advance_application(
        application_id,
        ApplicationStatus(status) if status else None,
        reason if isinstance(reason, str) and reason.strip() else None,
    )
    return answer(result)


@bp.put("/faults")
def set_faults() -> tuple[Response, int, dict[str, str]]:
    try:
        plan = codec.from_json(FaultPlan, _payload())
    except codec.DecodeError as exc:
        raise InvalidRequest() from exc
    core().faults.set(plan)
    return answer(plan)


@bp.delete("/faults")
def clear_faults() -> tuple[Response, int]:
    core().faults.clear()
    return jsonify({}), 200


@bp.get("/citizens")
def citizens() -> tuple[Response, int, dict[str, str]]:
    listed = [
        {
            "name": c.name,
            "id_number": c.id_number,
            "phone": c.phone,
            "region": c.region,
            "person_ref": person_ref(c.id_number),
        }
        for c in demo.CITIZENS
    ]
    return answer({"one_time_code": demo.ONE_TIME_CODE, "citizens": listed})
