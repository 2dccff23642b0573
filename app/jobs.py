"""The outbox's job types, and what the worker needs to run them (``JobContext``).

- ``wechat.send_text`` {openid, text, ref, reason, ledger_key?}: a customer-service message,
  e.g. an answer that outran WeChat's 5 s (``ref="late:<message key>"``). The ``Sender`` sends a
  ``ref`` at most once; an attempt whose worker died mid-send left the ref ``sending``, which
  the next attempt of the same job marks failed and sends again (at least once, and once
  recorded). ``ledger_key`` moves the retry ledger's row to ``delivered``.
- ``applications.resend_pending``: 失业保险金 applications kept while the core was down are
  sent again with their own idempotency keys (the core makes one application per key), and
  the citizen told (``bot.personal.notifications.resend_pending``).
- ``applications.notify_changes``: status changes of open applications, told once each
  (``bot.personal.notifications.notify_application_changes``).
- ``outbox.housekeeping``: forget finished jobs after a week and the retry ledger's rows after
  two days, the replay nonces (``webhooks.wechat.replay``) after an hour.

``register_jobs()`` puts these handlers in the outbox's registry (``shebao.outbox.JOB_TYPES``),
in this order; ``app.services.build_services`` calls it, so every process that runs jobs has them.

The two application jobs and housekeeping are periodic (``PERIODIC``): every worker offers
them each period under a key naming the period, so one of them runs it.

Index reloads are not a job: the index lives in each web process, and each one notices a new
publication by itself (``bot.understanding``, the knowledge base's generation counter), while a
job would run in one worker only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from functools import cached_property
from typing import Any

from sqlalchemy import delete, update

from bot.backend import JobBackend
from bot.personal.notifications import notify_application_changes, resend_pending
from proxy.factory import make_core_services
from shebao.clock import utcnow
from shebao.db import Database
from shebao.outbox import Job, Outbox, Retry, register
from shebao.settings import Settings
from webhooks.application_notices import SenderNotifier
from webhooks.models import OutboundMessage, ProcessedMessage, ReplayNonce
from webhooks.wechat.outbound import SEND_TEXT, SendError, make_sender

log = logging.getLogger(__name__)

RESEND_APPLICATIONS = "applications.resend_pending"
NOTIFY_APPLICATIONS = "applications.notify_changes"
HOUSEKEEPING = "outbox.housekeeping"


def application_period() -> float:
    """Seconds between application jobs (``APPLICATION_JOBS_SECONDS``; 0 turns them off)."""
    return Settings.from_env().application_jobs_seconds


def periodic() -> list[tuple[str, float]]:
    every = application_period()
    jobs = [(HOUSEKEEPING, 3600.0)]
    if every > 0:
        jobs += [(RESEND_APPLICATIONS, every), (NOTIFY_APPLICATIONS, every)]
    return jobs


class JobContext:
    """Settings, database and, built on first use, the sender, core services and notifier.

    In a web process (the embedded default's in-process worker) ``backend`` and ``sender``
    come from the app, so jobs share its engine and WeChat client.
    """

    def __init__(
        self,
        settings: Settings,
        db: Database,
        *,
        backend: Callable[[], Any] | None = None,
        sender: Callable[[], Any] | None = None,
    ) -> None:
        self.settings = settings
        self.db = db
        self._backend = backend
        self._sender = sender

    @cached_property
    def sender(self) -> Any:
        if self._sender is not None:
            return self._sender()
        return make_sender(self.settings, self.db)

    @cached_property
    def backend(self) -> Any:
        if self._backend is not None:
            return self._backend()
        return JobBackend(self.settings, self.db, make_core_services(self.settings))

    @cached_property
    def notifier(self) -> Any:
        return SenderNotifier(self.settings, self.db, self.sender)

    def close(self) -> None:
        if self._backend is None and "backend" in self.__dict__:
            close = getattr(self.backend.core, "close", None)
            if close is not None:
                close()


def send_text(job: Job, ctx: JobContext) -> None:
    p = job.payload
    ref = p.get("ref")
    if ref and job.attempts > 1:
        # Only this job sends this ref; "sending" from an earlier attempt means it died there.
        with ctx.db.session() as s:
            s.execute(
                update(OutboundMessage)
                .where(OutboundMessage.ref == ref, OutboundMessage.status == "sending")
                .values(status="failed", error="an earlier attempt did not finish")
            )
    try:
        ctx.sender.send_text(p["openid"], p["text"], ref=ref, reason=p.get("reason", ""))
    except SendError as exc:
        raise Retry(str(exc)) from exc
    if p.get("ledger_key"):
        with ctx.db.session() as s:
            s.execute(
                update(ProcessedMessage)
                .where(
                    ProcessedMessage.key == p["ledger_key"],
                    ProcessedMessage.status.in_(("working", "deferred", "failed")),
                )
                .values(status="delivered", updated_at=utcnow())
            )


def resend_applications(job: Job, ctx: JobContext) -> None:
    report = resend_pending(ctx.backend, ctx.notifier)
    log.info("application re-sends: %s", report.summary())


def notify_applications(job: Job, ctx: JobContext) -> None:
    report = notify_application_changes(ctx.backend, ctx.notifier)
    log.info("application notices: %s", report.summary())


def housekeeping(job: Job, ctx: JobContext) -> None:
    pruned = Outbox(ctx.db).prune(timedelta(days=7))
    with ctx.db.session() as s:  # past the replay window (300 s) with room to spare
        s.execute(delete(ReplayNonce).where(ReplayNonce.seen_at < utcnow() - timedelta(hours=1)))
    with ctx.db.session() as s:
        result = s.execute(
            delete(ProcessedMessage).where(
                ProcessedMessage.created_at < utcnow() - timedelta(days=2)
            )
        )
        ledger = int(result.rowcount)  # type: ignore[attr-defined]
    if pruned or ledger:
        log.info("housekeeping: %d finished jobs, %d ledger rows forgotten", pruned, ledger)


def register_jobs() -> None:
    """Register the service's job handlers with the outbox (again is harmless)."""
    register(SEND_TEXT, send_text)
    register(RESEND_APPLICATIONS, resend_applications, max_attempts=3)
    register(NOTIFY_APPLICATIONS, notify_applications, max_attempts=3)
    register(HOUSEKEEPING, housekeeping, max_attempts=3)
