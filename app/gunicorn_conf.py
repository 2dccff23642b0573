"""gunicorn's configuration for the web process (``shebao serve --prod``; gunicorn.conf.py at the
repository root imports it, so a bare ``gunicorn 'app:create_app()'`` there uses it too).

- ``gthread`` workers (``WEB_CONCURRENCY`` processes × ``GUNICORN_THREADS`` threads): a WeChat
  retry waits on the first attempt's outcome, which must not hold a whole process.
- ``preload_app``: the app (schema check, content, the engine's index) is built once in the
  master and shared copy-on-write; ``post_fork`` makes each worker drop the master's database
  connections (``shebao.db.after_fork``) so no two processes share a socket. Threads and pools
  (the engine's thread pool, the retry ledger's writer, Redis clients) start per process.
- Prometheus multiprocess mode: ``PROMETHEUS_MULTIPROC_DIR`` is set before anything imports
  prometheus_client, emptied at start, and a dead worker's figures are folded in.
- The outbox is worked by ``shebao worker`` processes, so web workers run no outbox thread.
- Logs: gunicorn's own loggers and the app's go through ``shebao.logging`` (JSON lines unless
  ``LOG_FORMAT=text``, masked), configured before gunicorn logs its first line.

Environment: ``GUNICORN_BIND`` (default 127.0.0.1:8000), ``WEB_CONCURRENCY`` (2),
``GUNICORN_THREADS`` (8), ``GUNICORN_TIMEOUT`` (30), ``GUNICORN_ACCESSLOG`` (unset: off; ``-``
for stderr).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

# Before anything imports prometheus_client (the app is preloaded before on_starting runs): an
# empty per-server directory for the workers' figures.
os.environ.setdefault(
    "PROMETHEUS_MULTIPROC_DIR", str(Path(tempfile.gettempdir()) / f"shebao-metrics-{os.getpid()}")
)
shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).mkdir(parents=True, exist_ok=True)
os.environ.setdefault("OUTBOX_IN_PROCESS", "0")
# gunicorn is production: create_app refuses development secrets, cookies are Secure, HSTS.
os.environ.setdefault("SHEBAO_PRODUCTION", "1")
os.environ.setdefault("LOG_FORMAT", "json")

from shebao import logging as _logging  # noqa: E402  (after the environment is set)
from shebao.settings import Settings  # noqa: E402

_settings = Settings.from_env()

wsgi_app = "app:create_app()"
bind = _settings.gunicorn_bind
workers = _settings.web_concurrency
worker_class = "gthread"
threads = _settings.gunicorn_threads
preload_app = True
timeout = _settings.gunicorn_timeout
graceful_timeout = 20
keepalive = 5
accesslog = _settings.gunicorn_accesslog
logconfig_dict = _logging.dict_config()
# Behind a load balancer: trust its X-Forwarded-* (set FORWARDED_ALLOW_IPS to its address).
forwarded_allow_ips = _settings.forwarded_allow_ips


def when_ready(server: Any) -> None:
    """Warm the engine (classifier, jieba, index) once in the master, before the workers fork
    from it, so every worker is ready for its first message."""
    app = getattr(server.app, "callable", None)
    services = getattr(app, "extensions", {}).get("shebao") if app is not None else None
    if services is None:
        return
    try:
        seconds = services.warm()
        server.log.info("engine warm in %.1f s", seconds)
    except Exception as exc:  # the workers build it themselves on their first question
        server.log.warning("index not built before fork: %s", exc)


def post_fork(server: Any, worker: Any) -> None:
    from shebao.db import after_fork

    after_fork()


def child_exit(server: Any, worker: Any) -> None:
    from shebao.metrics import mark_process_dead

    mark_process_dead(worker.pid)


def on_exit(server: Any) -> None:
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
    if Path(directory).name.startswith("shebao-metrics-"):
        shutil.rmtree(directory, ignore_errors=True)
