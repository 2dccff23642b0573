"""``make_core_services(settings)``: the ``CoreServices`` the configuration asks for.

- ``CORE_BASE_URL`` set: ``HttpCoreServices`` to it (the real core, or a sandbox over HTTP).
- unset: the embedded sandbox, in-process, in a SQLite file ``sandbox_core.db`` next to the main
  SQLite database (in memory when the main database is, as in tests); on a server database
  (PostgreSQL) in that same database, in its own ``sandbox_*`` tables, so every worker and host
  sees the same demo core. Override its location with ``settings.extra["sandbox_database_url"]``.

Optional ``settings.extra`` keys for the client: ``core_api_token`` (sent as a bearer token),
``core_timeout`` (read timeout, seconds), ``core_budget`` (total per call, seconds).
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

        extra = settings.extra
        return HttpCoreServices(
            settings.core_base_url,
            timeout=float(extra.get("core_timeout", 1.5)),
            budget=float(extra.get("core_budget", 2.5)),
            token=extra.get("core_api_token"),
        )
    from proxy.sandbox import InProcessCoreServices

    url = sandbox_database_url(settings)
    log.info("core services: the in-process sandbox (%s)", url)
    return InProcessCoreServices.from_url(url)


def sandbox_database_url(settings: Settings) -> str:
    """Where the embedded sandbox keeps its data, given the main database's URL."""
    explicit = settings.extra.get("sandbox_database_url")
    if explicit:
        return str(explicit)
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
