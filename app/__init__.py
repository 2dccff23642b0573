"""The composition root: the only package that imports every other one.

It builds the services from ``Settings`` (app/services.py), registers the job handlers
(app/jobs.py) and lists the models (app/models.py); it holds the ``shebao`` command line
(app/cli.py and its groups), the outbox worker (app/worker.py) and gunicorn's configuration
(app/gunicorn_conf.py). ``create_app`` is the WSGI application's factory
(``gunicorn 'app:create_app()'``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app. ``config`` overrides ``Settings`` fields (lower case) and sets Flask
    configuration (upper case); tests pass a plain dict."""
    # Imported here: ``shebao --help`` (app.cli) need not load the engine's packages.
    from app.services import build_services
    from app.worker import start_in_process
    from shebao.settings import Settings
    from webhooks import build_app

    config = config or {}
    settings = Settings.from_env()
    settings = settings.with_overrides(**{k: v for k, v in config.items() if hasattr(settings, k)})
    if settings.production:
        settings.check_production()  # SettingsError: development secrets in production
    flask_app = build_app(
        build_services(settings), {k: v for k, v in config.items() if k.isupper()}
    )
    start_in_process(flask_app)  # the embedded default's outbox worker (unless turned off)
    return flask_app
