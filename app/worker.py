"""Working the outbox: ``shebao worker`` processes, or one thread in the web process.

A ``Worker`` loops: offer the periodic jobs that are due (app/jobs.py), claim a batch of due
jobs (shebao/outbox.py), run them one by one while a heartbeat thread extends their lease, and
sleep ``poll`` seconds when there was nothing to do (a job enqueued in the same process wakes it
at once). A database that cannot be reached makes it wait, longer each time, up to 30 s.

Production runs ``shebao worker`` (one or more per host, any number of hosts) and turns the
in-process worker off (``OUTBOX_IN_PROCESS=0``, which ``shebao serve --prod`` and
app/gunicorn_conf.py set). The embedded default needs no extra process: ``start_in_process(app)``
runs a worker thread in the web process.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from typing import Any

from app import jobs
from app.services import build_services
from shebao.db import Database
from shebao.outbox import Job, Outbox, listen
from shebao.settings import Settings
from webhooks.wechat.outbound import make_sender

log = logging.getLogger(__name__)

IN_PROCESS_ENV = "OUTBOX_IN_PROCESS"


class Worker:
    def __init__(
        self,
        db: Database,
        context: jobs.JobContext,
        *,
        lease: float = 60.0,
        poll: float = 0.5,
        batch: int = 10,
        schedule: bool = True,
        schedule_delay: float = 0.0,
        name: str | None = None,
    ) -> None:
        self.outbox = (
            Outbox(db, lease_seconds=lease)
            if name is None
            else Outbox(db, name=name, lease_seconds=lease)
        )
        self.context = context
        self.poll = poll
        self.batch = batch
        self.schedule = schedule
        self.stopping = threading.Event()
        self.wake = threading.Event()
        listen(self.wake)
        self._not_before = time.time() + schedule_delay
        self._offered: dict[str, int] = {}
        self._held: set[int] = set()
        self._held_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._heartbeat: threading.Thread | None = None

    @property
    def name(self) -> str:
        return self.outbox.name

    # -- the loop ---------------------------------------------------------------------------

    def run(self, *, once: bool = False) -> int:
        """Work until ``stop()`` (or, with ``once``, until nothing is due). Jobs run."""
        self._start_heartbeat()
        ran = 0
        failures = 0
        try:
            while not self.stopping.is_set():
                try:
                    self.offer_periodic()
                    done = self.tick()
                    failures = 0
                except Exception as exc:
                    failures += 1
                    wait = min(30.0, 0.5 * 2 ** min(failures, 6))
                    log.warning(
                        "outbox worker %s: %s: %s; again in %.1f s",
                        self.name,
                        type(exc).__name__,
                        exc,
                        wait,
                    )
                    if once:
                        raise
                    self.stopping.wait(wait)
                    continue
                ran += done
                if done:
                    continue
                if once:
                    break
                self.wake.wait(self.poll)
                self.wake.clear()
        finally:
            self.stopping.set()
        return ran

    def tick(self) -> int:
        """Claim and run one batch; how many jobs ran."""
        claimed = self.outbox.claim(self.batch)
        for job in claimed:
            if self.stopping.is_set() and job is not claimed[0]:
                self._release(job)
                continue
            self._run(job)
        return len(claimed)

    def _run(self, job: Job) -> None:
        with self._held_lock:
            self._held.add(job.id)
        try:
            outcome = self.outbox.run(job, self.context)
            log.info("job %s %s attempt %s: %s", job.id, job.kind, job.attempts, outcome)
        finally:
            with self._held_lock:
                self._held.discard(job.id)

    def _release(self, job: Job) -> None:
        """Hand a claimed job back untouched (stopping): due again at once."""
        from shebao.outbox import Retry

        self.outbox.fail(job, Retry("worker stopping", delay=0.0))

    def offer_periodic(self) -> None:
        """Offer each periodic job once per period; the period's key lets one worker win."""
        if not self.schedule or time.time() < self._not_before:
            return
        from shebao.outbox import enqueue

        now = time.time()
        for kind, every in jobs.periodic():
            period = int(now // every)
            if self._offered.get(kind) == period:
                continue
            enqueue(self.outbox.db, kind, {}, key=f"{kind}@{period}")
            self._offered[kind] = period

    # -- lease heartbeat --------------------------------------------------------------------

    def _start_heartbeat(self) -> None:
        if self._heartbeat is not None and self._heartbeat.is_alive():
            return
        self._heartbeat = threading.Thread(
            target=self._beat, daemon=True, name=f"outbox-heartbeat-{self.name}"
        )
        self._heartbeat.start()

    def _beat(self) -> None:
        every = max(0.2, self.outbox.lease_seconds / 3)
        while not self.stopping.wait(every):
            with self._held_lock:
                held = sorted(self._held)
            if not held:
                continue
            try:
                self.outbox.extend(held)
            except Exception as exc:
                log.warning("outbox heartbeat failed: %s", exc)

    # -- as a thread ------------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run_quietly, daemon=True, name="outbox-worker")
        self._thread.start()

    def _run_quietly(self) -> None:
        try:
            self.run()
        except Exception:  # never an unhandled exception in a thread
            log.exception("outbox worker stopped")

    def stop(self, timeout: float = 10.0) -> None:
        self.stopping.set()
        self.wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        if self._heartbeat is not None:
            self._heartbeat.join(timeout)


def in_process_enabled(
    config: dict[str, Any] | None = None, settings: Settings | None = None
) -> bool:
    """``OUTBOX_IN_PROCESS`` (app config, then environment); on by default, except in apps
    made for tests (``TESTING``), which ask for it (tests/conftest.py's ``app`` does)."""
    config = config or {}
    value = config.get(IN_PROCESS_ENV)
    if value is None:
        asked = (settings or Settings.from_env()).outbox_in_process
        value = ("0" if config.get("TESTING") else "1") if asked is None else asked
    return str(value).strip().lower() not in ("0", "false", "no", "off", "")


def start_in_process(app: Any) -> Worker | None:
    """The embedded default: a worker thread in this web process (unless turned off)."""
    services = app.extensions["shebao"]
    if not in_process_enabled(app.config, services.settings):
        return None

    def sender() -> Any:
        runtime = app.extensions.get("wechat")
        if runtime is not None:
            return runtime.sender
        return make_sender(services.settings, services.db)

    context = jobs.JobContext(
        services.settings, services.db, backend=lambda: services.bot, sender=sender
    )
    # Periodic jobs start one period after start-up: a short-lived process (a test, a one-off
    # command) does not run them, a server does.
    every = jobs.application_period() or 60.0
    worker = Worker(
        services.db,
        context,
        poll=float(app.config.get("OUTBOX_POLL_SECONDS", 1.0)),
        schedule_delay=every,
    )
    app.extensions["outbox_worker"] = worker
    worker.start()
    return worker


def run_worker(*, lease: float, poll: float, batch: int, once: bool, schedule: bool = True) -> int:
    """``shebao worker``: work the outbox of ``DATABASE_URL`` until SIGTERM/SIGINT."""
    services = build_services(Settings.from_env(), content=False)
    settings, db = services.settings, services.db
    context = jobs.JobContext(settings, db)
    worker = Worker(db, context, lease=lease, poll=poll, batch=batch, schedule=schedule)

    def stop(signum: int, _frame: Any) -> None:
        log.info("outbox worker %s: signal %s, finishing the current job", worker.name, signum)
        worker.stopping.set()
        worker.wake.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("outbox worker %s started (lease %.0f s, poll %.1f s)", worker.name, lease, poll)
    try:
        return worker.run(once=once)
    finally:
        context.close()
        db.engine.dispose()
        log.info("outbox worker %s stopped", worker.name)
