"""Prometheus metrics, and the ``/metrics`` text that reports them.

Counters and histograms live in this process; under gunicorn, with several workers, they are
written to ``PROMETHEUS_MULTIPROC_DIR`` (prometheus_client's multiprocess mode, set up by
shebao/gunicorn_conf.py before anything imports prometheus_client) and ``render`` adds them up
over every worker. The outbox's depth is read from the database at scrape time, so it is right
whichever process (web or ``shebao worker``) moved the jobs.

- ``shebao_http_requests_total{endpoint,method,status}``, ``shebao_http_request_duration_seconds``
- ``shebao_replies_total{channel,intent,outcome}``: every engine reply (answered, abstained, …)
- ``shebao_core_errors_total{error}``: failed calls to the core services
- ``shebao_outbox_jobs{status}``, ``shebao_outbox_oldest_due_seconds`` (from the database),
  ``shebao_outbox_jobs_finished_total{kind,outcome}``
- ``shebao_redis_fallbacks_total{operation}``, ``shebao_rate_limited_total{channel}``
- ``shebao_database_unavailable_total``: requests answered 503 because the database was down
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from shebao.settings import Settings

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

REQUESTS = Counter("shebao_http_requests", "HTTP requests served", ["endpoint", "method", "status"])
LATENCY = Histogram(
    "shebao_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
REPLIES = Counter(
    "shebao_replies", "Engine replies by intent and outcome", ["channel", "intent", "outcome"]
)
CORE_ERRORS = Counter("shebao_core_errors", "Failed calls to the core services", ["error"])
JOBS = Counter("shebao_outbox_jobs_finished", "Outbox job attempts by outcome", ["kind", "outcome"])
REDIS_FALLBACKS = Counter(
    "shebao_redis_fallbacks",
    "Operations done without Redis because it was unavailable",
    ["operation"],
)
RATE_LIMITED = Counter(
    "shebao_rate_limited", "Messages refused by the per-user rate limit", ["channel"]
)
DB_UNAVAILABLE = Counter(
    "shebao_database_unavailable", "Requests answered 503 because the database was unavailable"
)


def observe_request(endpoint: str, method: str, status: int, seconds: float) -> None:
    REQUESTS.labels(endpoint, method, str(status)).inc()
    LATENCY.labels(endpoint).observe(seconds)


def observe_reply(channel: str, intent: str, outcome: str) -> None:
    REPLIES.labels(channel, intent, outcome).inc()


def core_error(error: str) -> None:
    CORE_ERRORS.labels(error).inc()


def job_finished(kind: str, outcome: str) -> None:
    JOBS.labels(kind, outcome).inc()


def redis_fallback(operation: str) -> None:
    REDIS_FALLBACKS.labels(operation).inc()


def rate_limited(channel: str) -> None:
    RATE_LIMITED.labels(channel).inc()


def database_unavailable() -> None:
    DB_UNAVAILABLE.inc()


class OutboxCollector(Collector):
    """The outbox's depth per status, read from the database at scrape time."""

    def __init__(self, db: Any) -> None:
        self.db = db

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from sqlalchemy import func, select

        from shebao.clock import utcnow
        from shebao.outbox_models import OutboxJob as T

        jobs = GaugeMetricFamily("shebao_outbox_jobs", "Outbox jobs by status", labels=["status"])
        oldest = GaugeMetricFamily(
            "shebao_outbox_oldest_due_seconds", "How long the oldest due pending job has waited"
        )
        try:
            with self.db.session() as s:
                counts = dict(s.execute(select(T.status, func.count()).group_by(T.status)).all())
                due = s.scalar(
                    select(func.min(T.run_after)).where(
                        T.status == "pending", T.run_after <= utcnow()
                    )
                )
        except Exception:  # the database is down: /readyz says so; report no figures
            return
        for status in ("pending", "running", "dead", "done"):
            jobs.add_metric([status], float(counts.get(status, 0)))
        oldest.add_metric([], (utcnow() - due).total_seconds() if due else 0.0)
        yield jobs
        yield oldest


def render(db: Any | None = None) -> tuple[bytes, str]:
    """The exposition text (every worker's figures in multiprocess mode) and its type."""
    if Settings.from_env().prometheus_multiproc_dir:
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    if db is not None:
        extra = CollectorRegistry()
        extra.register(OutboxCollector(db))
        body += generate_latest(extra)
    return body, CONTENT_TYPE_LATEST


def mark_process_dead(pid: int) -> None:
    """gunicorn's ``child_exit``: fold a dead worker's live figures away."""
    if Settings.from_env().prometheus_multiproc_dir:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)
