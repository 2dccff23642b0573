"""HTTP entry points: the Flask app over built services, and the blueprints it registers
(``app.create_app`` is the factory that builds the services first)."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response

from webhooks.proxies import TrustedProxies
from webhooks.services import Services


def build_app(services: Services, flask_config: dict[str, Any] | None = None) -> Flask:
    """The Flask app over built ``services`` (``app.create_app`` builds them from Settings);
    ``flask_config`` is Flask's own configuration (``TESTING``, ``OUTBOX_IN_PROCESS`` …)."""
    settings = services.settings
    app = Flask(__name__)
    app.config["SECRET_KEY"] = settings.secret_key
    if settings.production:  # served over HTTPS behind the load balancer
        app.config["SESSION_COOKIE_SECURE"] = True
        app.after_request(_strict_transport_security)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.config.update(flask_config or {})
    app.extensions["shebao"] = services

    from webhooks import about, admin, health, miniprogram
    from webhooks.wechat import inbound as wechat

    for blueprint in (health.bp, about.bp, wechat.bp, admin.bp, miniprogram.bp):
        app.register_blueprint(blueprint)
    # request.remote_addr is the client's, through the trusted proxies only.
    app.wsgi_app = TrustedProxies(app.wsgi_app, settings.forwarded_allow_ips)  # type: ignore[method-assign]
    return app


HSTS = "max-age=31536000; includeSubDomains"


def _strict_transport_security(response: Response) -> Response:
    response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response
