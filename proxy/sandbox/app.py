"""``create_sandbox_app``: the sandbox core service as a Flask app of its own.

Served over HTTP by ``shebao sandbox-core`` and by the tests; nothing to do with the bot's own
Flask app (webhooks/). Every error, including unknown paths and methods, has the contract's one
shape ``{"error": {"code", "message"}}``.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

from proxy.errors import CoreError, InvalidRequest, NotFound, error_payload
from proxy.sandbox import admin, api
from proxy.sandbox.service import SandboxCore

log = logging.getLogger(__name__)


def create_sandbox_app(
    database_url: str = "sqlite://", *, core: SandboxCore | None = None
) -> Flask:
    app = Flask("proxy.sandbox")
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions["sandbox_core"] = core or SandboxCore(database_url)
    app.register_blueprint(api.bp)
    app.register_blueprint(admin.bp)

    @app.errorhandler(CoreError)
    def core_error(error: CoreError) -> tuple[Response, int]:
        return jsonify(error_payload(error)), error.status

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[Response, int]:
        status = error.code or 500
        mapped = NotFound() if status == 404 else InvalidRequest() if status < 500 else CoreError()
        return jsonify(error_payload(mapped)), status

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> tuple[Response, int]:
        log.exception("sandbox core: unexpected error")
        return jsonify(error_payload(CoreError())), 500

    return app
