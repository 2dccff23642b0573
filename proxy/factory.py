"""``make_core_services(settings)``: the ``CoreServices`` the configuration asks for.

- ``CORE_BASE_URL`` set: ``HttpCoreServices`` to it (the real core, or a sandbox over HTTP).
- unset: the embedded sandbox, in-process, in a SQLite file ``sandbox_core.db`` next to the main
  SQLite database (in memory when the main database is, as in tests); on a server database
  (PostgreSQL) in that same database, in its own ``sandbox_*`` tables, so every worker and host
  sees the same demo core. Override its location with ``settings.sandbox_database_url``.

The client's ``Settings``: ``core_api_token`` (sent as a bearer token), ``core_timeout_seconds``
(read timeout), ``core_budget_seconds`` (total per call).
"""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy.engine import make_url

from proxy.core import CoreServices
from shebao.settings import Settings

log = logging.getLogger(__name__)

SANDBOX_FILE = "sandbox_core.db"


def make_core_services(settings: Settings) -> CoreServices:
    if settings.core_base_url:
        from proxy.client import HttpCoreServices

        return HttpCoreServices(
            settings.core_base_url,
            timeout=settings.core_timeout_seconds,
            budget=settings.core_budget_seconds,
            token=settings.core_api_token,
        )
    from proxy.sandbox import InProcessCoreServices

    url = sandbox_database_url(settings)
    log.info("core services: the in-process sandbox (%s)", url)
    return InProcessCoreServices.from_url(url)


def sandbox_database_url(settings: Settings) -> str:
    """Where the embedded sandbox keeps its data, given the main database's URL."""
    if settings.sandbox_database_url:
        return settings.sandbox_database_url
    main = make_url(settings.database_url)
    if main.get_backend_name() != "sqlite":
        log.warning(
            "core services: no CORE_BASE_URL; the demo sandbox keeps its data in the "
            "main database (tables sandbox_*)"
        )
        return settings.database_url
    if main.database in (None, "", ":memory:"):
        return "sqlite://"
    return f"sqlite:///{Path(main.database).parent / SANDBOX_FILE}"
