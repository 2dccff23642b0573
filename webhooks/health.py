"""Operations: ``/healthz``, ``/readyz``, ``/metrics``, request ids, and 503 when the database is
down.

- ``GET /healthz``: the process is up and answering (no dependencies checked).
- ``GET /readyz``: the engine is warm (else 503 ``"warming"``; a server nobody warmed starts
  warming on this first check), the database answers and its schema is the code's, and Redis
  (when ``REDIS_URL`` is set) answers. 200 ``{"status": "ok"}``; 200 ``"degraded"`` when only
  Redis is down (the service still answers: rate limits and retry claims fall back to the
  database and process memory); 503 ``"unavailable"`` when the database is down or behind the
  code, so a load balancer stops sending traffic here.
- ``GET /metrics``: Prometheus text (shebao/metrics.py); with ``METRICS_TOKEN`` set it wants
  ``Authorization: Bearer <token>``.

Registering this blueprint also installs, for the whole app: a request id per request
(``X-Request-Id`` from the load balancer, or a new one; echoed in the response and in every log
line, see shebao/logging.py), request counts and latency per endpoint, a 503 with a clear body
(and ``Retry-After``) for any request that fails because the database cannot be reached. (The
embedded default's in-process outbox worker is started by ``app.create_app``, app/worker.py.)
"""

from __future__ import annotations

import hmac
import re
import time
import uuid
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request
from flask.blueprints import BlueprintSetupState
from flask.sansio.app import App
from sqlalchemy import text

from shebao import metrics
from shebao.db import is_unavailable
from shebao.logging import request_id

bp = Blueprint("health", __name__)

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
UNAVAILABLE_MESSAGE = (
    "The service's database cannot be reached right now; nothing was "
    "processed. Please retry in a few seconds."
)


@bp.get("/healthz")
def healthz():  # type: ignore[no-untyped-def]
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    services = current_app.extensions["shebao"]
    body: dict[str, Any] = {"database": _database(services.db)}
    hub = _redis_hub(services.settings.redis_url)
    if hub is None:
        body["redis"] = {"ok": None, "configured": False}
    else:
        started = time.perf_counter()
        ok = hub.ping()
        body["redis"] = {"ok": ok, "configured": True, "ms": _ms(started)}
    body["engine"] = {"warm": services.warmed.is_set(), "seconds": services.warm_seconds}
    if body["database"]["ok"] and not services.warmed.is_set():
        services.warm_in_background()  # a server nobody warmed warms on its first check
    if not body["database"]["ok"]:
        body["status"] = "unavailable"
    elif not services.warmed.is_set():
        body["status"] = "warming"
    elif body["redis"]["ok"] is False:
        body["status"] = "degraded"
    else:
        body["status"] = "ok"
    return jsonify(body), 503 if body["status"] in ("unavailable", "warming") else 200


def _database(db: Any) -> dict[str, Any]:
    from shebao.schema import head_revision

    started = time.perf_counter()
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            from alembic.runtime.migration import MigrationContext

            current = MigrationContext.configure(conn).get_current_revision()
    except Exception as exc:
        return {"ok": False, "error": type(exc).__name__, "ms": _ms(started)}
    head = head_revision()
    if current != head:
        return {
            "ok": False,
            "error": f"schema at {current}, code needs {head}: run `shebao db upgrade`",
            "ms": _ms(started),
        }
    return {"ok": True, "schema": current, "ms": _ms(started)}


def _redis_hub(url: str | None) -> Any:
    from shebao.redis import hub_for

    return hub_for(url)


@bp.get("/metrics")
def metrics_view() -> Response:
    token = current_app.extensions["shebao"].settings.metrics_token
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), token.encode()):
            return Response("metrics need a bearer token\n", 401, mimetype="text/plain")
    body, content_type = metrics.render(current_app.extensions["shebao"].db)
    return Response(body, 200, content_type=content_type)


# -- for every request of the app ---------------------------------------------------------------


@bp.before_app_request
def _start() -> None:
    g._started = time.perf_counter()
    given = request.headers.get("X-Request-Id", "")
    rid = given if _REQUEST_ID.match(given) else uuid.uuid4().hex[:16]
    g.request_id = rid
    g._request_id_token = request_id.set(rid)


@bp.after_app_request
def _finish(response: Response) -> Response:
    rid = g.get("request_id")
    if rid:
        response.headers["X-Request-Id"] = rid
    started = g.get("_started")
    if started is not None:
        endpoint = request.endpoint or "unmatched"
        metrics.observe_request(
            endpoint, request.method, response.status_code, time.perf_counter() - started
        )
    return response


@bp.teardown_app_request
def _forget(_exc: BaseException | None) -> None:
    token = g.pop("_request_id_token", None)
    if token is not None:
        try:
            request_id.reset(token)
        except ValueError:  # reset from another context (streamed responses): just clear it
            request_id.set(None)


def database_unavailable(error: Exception) -> tuple[Response, int]:
    """503 for a request that failed because the database cannot be reached."""
    if not is_unavailable(error):
        raise error
    metrics.database_unavailable()
    current_app.logger.warning(
        "database unavailable on %s %s: %s", request.method, request.path, type(error).__name__
    )
    response = jsonify(error={"code": "database_unavailable", "message": UNAVAILABLE_MESSAGE})
    response.headers["Retry-After"] = "5"
    return response, 503


def _register_unavailable(app: App) -> None:
    from sqlalchemy import exc as sa_exc

    errors: list[type[Exception]] = [
        sa_exc.OperationalError,
        sa_exc.InterfaceError,
        sa_exc.TimeoutError,
        sa_exc.DBAPIError,
    ]
    try:
        import psycopg

        errors += [psycopg.OperationalError, psycopg.InterfaceError]
    except ImportError:
        pass
    for error in errors:
        app.register_error_handler(error, database_unavailable)


@bp.record_once
def _install_errors(state: BlueprintSetupState) -> None:
    _register_unavailable(state.app)


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)
