"""The outbox: durable background jobs, claimed under a lease by any number of workers.

``enqueue(db_or_session, kind, payload, key=…)`` writes a job; given the caller's ``Session`` it
is part of the caller's transaction, so the job exists exactly when the change that needs it
does. A ``key`` makes the job unique (a second ``enqueue`` with the same key is a no-op).

``Outbox.claim`` hands due jobs to one worker at a time:

* PostgreSQL: ``UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING``: workers
  skip each other's rows instead of waiting for them;
* SQLite: a conditional ``UPDATE`` per candidate (``WHERE id = ? AND <still due>``); SQLite
  runs one writer at a time, so only one claim of a row can match.

A claim sets a lease (``locked_until``) which the worker extends while it works (a heartbeat).
A worker that dies stops extending it; once it has run out the job is due again and another
worker takes it. Handlers must therefore be idempotent: each job type leans on a key the effect
already carries (a send's ``ref``, an application's idempotency key).

A failed attempt puts the job back with exponential back-off (2 s, 4 s, … capped at 10 min);
after ``max_attempts`` (default 8) it is ``dead``, kept with its last error, and shown in the
staff console (``/admin/outbox``) where staff can send it round again.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import uuid
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from shebao.clock import utcnow
from shebao.db import Database
from shebao.masking import mask_text
from shebao.outbox_models import OutboxJob

log = logging.getLogger(__name__)

DEFAULT_MAX_ATTEMPTS = 8
BACKOFF_BASE_SECONDS = 2.0
BACKOFF_CAP_SECONDS = 600.0

T = OutboxJob


class Retry(Exception):
    """Try again later (counts as an attempt); ``delay`` overrides the back-off."""

    def __init__(self, reason: str, delay: float | None = None) -> None:
        super().__init__(reason)
        self.delay = delay


class GiveUp(Exception):
    """Trying again cannot help: the job is dead at once."""


@dataclass(frozen=True)
class Job:
    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int  # including this one
    max_attempts: int
    dedupe_key: str | None


Handler = Callable[[Job, Any], None]


@dataclass(frozen=True)
class JobType:
    kind: str
    handler: Handler
    max_attempts: int = DEFAULT_MAX_ATTEMPTS


JOB_TYPES: dict[str, JobType] = {}


def register(kind: str, handler: Handler, *, max_attempts: int = DEFAULT_MAX_ATTEMPTS) -> None:
    """Register the handler of a job kind: ``handler(job, context)`` (app/jobs.py registers the
    service's job kinds, in one place)."""
    JOB_TYPES[kind] = JobType(kind, handler, max_attempts)


def handles(kind: str, *, max_attempts: int = DEFAULT_MAX_ATTEMPTS) -> Callable[[Handler], Handler]:
    """``register`` as a decorator (tests register their own job kinds this way)."""

    def decorate(handler: Handler) -> Handler:
        register(kind, handler, max_attempts=max_attempts)
        return handler

    return decorate


# Workers of this process that want to hear of new jobs at once (the in-process worker).
_wakers: weakref.WeakSet[threading.Event] = weakref.WeakSet()


def listen(event: threading.Event) -> None:
    _wakers.add(event)


def _wake() -> None:
    for event in list(_wakers):
        event.set()


def enqueue(
    target: Database | Session,
    kind: str,
    payload: dict[str, Any] | None = None,
    *,
    key: str | None = None,
    delay: float = 0.0,
    max_attempts: int | None = None,
) -> bool:
    """Add a job. With a ``Session`` it commits with the caller's transaction. False when a job
    with ``key`` already exists (then nothing is added)."""
    known = JOB_TYPES.get(kind)
    values = {
        "kind": kind,
        "payload": payload or {},
        "dedupe_key": key,
        "status": "pending",
        "attempts": 0,
        "max_attempts": max_attempts or (known.max_attempts if known else DEFAULT_MAX_ATTEMPTS),
        "run_after": utcnow() + timedelta(seconds=delay),
        "created_at": utcnow(),
        "updated_at": utcnow(),
    }
    if isinstance(target, Session):
        added = _insert(target, values)
        if added:
            from sqlalchemy import event

            event.listen(target, "after_commit", lambda _s: _wake(), once=True)
        return added
    with target.session() as s:
        added = _insert(s, values)
    if added:
        _wake()
    return added


def _insert(session: Session, values: dict[str, Any]) -> bool:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(T).values(**values)
    if values["dedupe_key"] is not None:
        stmt = stmt.on_conflict_do_nothing(index_elements=[T.dedupe_key])
    return session.execute(stmt.returning(T.id)).first() is not None


def backoff(attempts: int) -> float:
    """Seconds before attempt ``attempts + 1``: 2, 4, 8, … with ±20 % jitter, at most 10 min."""
    delay = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempts - 1))
    return delay * random.uniform(0.8, 1.2)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass
class Outbox:
    """Claims, completes and fails jobs for one worker (``name``)."""

    db: Database
    name: str = field(default_factory=worker_name)
    lease_seconds: float = 60.0

    @property
    def _postgres(self) -> bool:
        return self.db.engine.dialect.name == "postgresql"

    def _due(self, now: datetime) -> Any:
        return or_(
            and_(T.status == "pending", T.run_after <= now),
            and_(T.status == "running", T.locked_until < now),
        )

    def claim(self, limit: int = 10) -> list[Job]:
        """Take up to ``limit`` due jobs (pending, or running on a lease that ran out)."""
        now = utcnow()
        claimed = {
            "status": "running",
            "attempts": T.attempts + 1,
            "locked_by": self.name,
            "locked_until": now + timedelta(seconds=self.lease_seconds),
            "updated_at": now,
        }
        columns = (T.id, T.kind, T.payload, T.attempts, T.max_attempts, T.dedupe_key)
        if self._postgres:
            candidates = (
                select(T.id)
                .where(self._due(now))
                .order_by(T.run_after, T.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
            with self.db.session() as s:
                rows = s.execute(
                    update(T)
                    .where(T.id.in_(candidates.scalar_subquery()))
                    .values(**claimed)
                    .returning(*columns)
                ).all()
            return sorted((Job(*row) for row in rows), key=lambda j: j.id)
        with self.db.session() as s:
            ids = list(
                s.scalars(
                    select(T.id).where(self._due(now)).order_by(T.run_after, T.id).limit(limit)
                )
            )
        jobs: list[Job] = []
        for job_id in ids:
            try:
                with self.db.session() as s:
                    row = s.execute(
                        update(T)
                        .where(T.id == job_id, self._due(now))
                        .values(**claimed)
                        .returning(*columns)
                    ).first()
            except OperationalError as exc:  # "database is locked": another claim won
                log.debug("claim of job %s lost: %s", job_id, exc)
                continue
            if row is not None:
                jobs.append(Job(*row))
        return jobs

    def extend(self, job_ids: list[int]) -> int:
        """Heartbeat: push the lease of jobs this worker still holds."""
        if not job_ids:
            return 0
        with self.db.session() as s:
            result = s.execute(
                update(T)
                .where(T.id.in_(job_ids), T.locked_by == self.name, T.status == "running")
                .values(locked_until=utcnow() + timedelta(seconds=self.lease_seconds))
            )
            return int(result.rowcount)  # type: ignore[attr-defined]

    def finish(self, job: Job) -> bool:
        return self._settle(job, status="done", finished_at=utcnow(), last_error=None)

    def fail(self, job: Job, error: BaseException) -> str:
        """Record a failed attempt; the job's new status (``pending`` or ``dead``)."""
        message = mask_text(f"{type(error).__name__}: {error}")[:2000]
        dead = isinstance(error, GiveUp) or job.attempts >= job.max_attempts
        if dead:
            self._settle(job, status="dead", finished_at=utcnow(), last_error=message)
            log.error(
                "job %s %s dead after %s attempts: %s", job.id, job.kind, job.attempts, message
            )
            return "dead"
        delay = (
            error.delay
            if isinstance(error, Retry) and error.delay is not None
            else backoff(job.attempts)
        )
        self._settle(
            job, status="pending", run_after=utcnow() + timedelta(seconds=delay), last_error=message
        )
        log.warning(
            "job %s %s attempt %s/%s failed, again in %.0f s: %s",
            job.id,
            job.kind,
            job.attempts,
            job.max_attempts,
            delay,
            message,
        )
        return "pending"

    def _settle(self, job: Job, **values: Any) -> bool:
        """Compare-and-set: only while this worker still holds the job."""
        with self.db.session() as s:
            result = s.execute(
                update(T)
                .where(T.id == job.id, T.locked_by == self.name, T.status == "running")
                .values(locked_by=None, locked_until=None, updated_at=utcnow(), **values)
            )
            return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def run(self, job: Job, context: Any) -> str:
        """Run one claimed job: ``done``, ``pending`` (to be tried again) or ``dead``."""
        from shebao import metrics

        if job.attempts > job.max_attempts:  # its workers kept dying
            self.fail(job, GiveUp(f"no attempt finished in {job.max_attempts} tries"))
            metrics.job_finished(job.kind, "dead")
            return "dead"
        known = JOB_TYPES.get(job.kind)
        try:
            if known is None:
                raise GiveUp(f"no handler for job kind {job.kind!r}")
            known.handler(job, context)
        except Exception as exc:
            outcome = self.fail(job, exc)
        else:
            self.finish(job)
            outcome = "done"
        metrics.job_finished(job.kind, outcome)
        return outcome

    # -- what the console and /metrics show ----------------------------------------------------

    def depth(self) -> dict[str, int]:
        """Jobs per status (``done`` ones included until pruned)."""
        with self.db.session() as s:
            return dict(s.execute(select(T.status, func.count()).group_by(T.status)).all())

    def dead_jobs(self, limit: int = 100) -> list[OutboxJob]:
        with self.db.session() as s:
            return list(
                s.scalars(
                    select(T)
                    .where(T.status == "dead")
                    .order_by(T.finished_at.desc(), T.id.desc())
                    .limit(limit)
                )
            )

    def revive(self, job_id: int) -> bool:
        """A dead job goes round again, with a fresh count of attempts."""
        with self.db.session() as s:
            result = s.execute(
                update(T)
                .where(T.id == job_id, T.status == "dead")
                .values(
                    status="pending",
                    attempts=0,
                    run_after=utcnow(),
                    finished_at=None,
                    updated_at=utcnow(),
                )
            )
            revived = bool(result.rowcount == 1)  # type: ignore[attr-defined]
        if revived:
            _wake()
        return revived

    def prune(self, older_than: timedelta) -> int:
        """Forget finished (done) jobs; dead ones stay until staff revive them."""
        with self.db.session() as s:
            result = s.execute(
                delete(T).where(T.status == "done", T.finished_at < utcnow() - older_than)
            )
            return int(result.rowcount)  # type: ignore[attr-defined]
