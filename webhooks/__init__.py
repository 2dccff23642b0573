"""HTTP entry points: the Flask app factory and the blueprints it registers."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response

from shebao.settings import Settings
from webhooks.proxies import TrustedProxies


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app. ``config`` overrides ``Settings`` fields (tests pass a plain dict)."""
    from webhooks.services import Services

    settings = Settings.from_env()
    overrides = {k: v for k, v in (config or {}).items() if hasattr(settings, k)}
    settings = settings.with_overrides(**overrides)

    if settings.production:
        settings.check_production()  # SettingsError: development secrets in production
    app = Flask(__name__)
    app.config["SECRET_KEY"] = settings.secret_key
    if settings.production:  # served over HTTPS behind the load balancer
        app.config["SESSION_COOKIE_SECURE"] = True
        app.after_request(_strict_transport_security)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.config.update({k: v for k, v in (config or {}).items() if k.isupper()})
    services = Services(settings)
    app.extensions["shebao"] = services

    from webhooks import health

    app.register_blueprint(health.bp)
    for module_name in (
        "webhooks.about",
        "webhooks.wechat",
        "webhooks.admin",
        "webhooks.miniprogram",
    ):
        module = __import__(module_name, fromlist=["bp"])
        app.register_blueprint(module.bp)
    # request.remote_addr is the client's, through the trusted proxies only.
    app.wsgi_app = TrustedProxies(app.wsgi_app, settings.forwarded_allow_ips)  # type: ignore[method-assign]
    return app


HSTS = "max-age=31536000; includeSubDomains"


def _strict_transport_security(response: Response) -> Response:
    response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response
