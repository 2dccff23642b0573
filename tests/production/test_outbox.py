"""The outbox on SQLite and PostgreSQL: workers never share a job, a dead worker's job is taken
again after its lease, failures back off and stop after the bound, keys make jobs unique, and
a job enqueued in a transaction that rolls back does not exist."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from app.worker import Worker
from shebao.clock import FixedClock, utcnow
from shebao.db import Database
from shebao.outbox import JOB_TYPES, GiveUp, Job, JobType, Outbox, Retry, backoff, enqueue
from shebao.outbox_models import OutboxJob
from shebao.schema import upgrade

KIND = "test.record"


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    url = (
        f"sqlite:///{tmp_path / 'outbox.db'}"
        if request.param == "sqlite"
        else str(request.getfixturevalue("pg_url"))
    )
    database = Database(url)
    upgrade(database)
    yield database
    database.engine.dispose()


@pytest.fixture
def handled() -> Any:
    """A job kind whose handler records (job id, worker) and can be told to fail."""
    seen: list[tuple[int, str]] = []
    lock = threading.Lock()
    failing: dict[str, BaseException | None] = {"error": None}

    def handler(job: Job, ctx: Any) -> None:
        with lock:
            seen.append((job.id, ctx))
        if failing["error"] is not None:
            raise failing["error"]

    JOB_TYPES[KIND] = JobType(KIND, handler)
    yield seen, failing
    del JOB_TYPES[KIND]


def status(db: Database, job_id: int) -> OutboxJob:
    with db.session() as s:
        found = s.scalar(select(OutboxJob).where(OutboxJob.id == job_id))
        assert found is not None
        return found


def test_several_workers_never_take_the_same_job(db: Database, handled: Any) -> None:
    seen, _ = handled
    for n in range(60):
        enqueue(db, KIND, {"n": n})
    outboxes = [Outbox(db, name=f"w{i}") for i in range(4)]
    errors: list[BaseException] = []

    def work(outbox: Outbox) -> None:
        try:
            while True:
                jobs = outbox.claim(3)
                if not jobs:
                    return
                for job in jobs:
                    outbox.run(job, outbox.name)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(o,)) for o in outboxes]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    counts = Counter(job_id for job_id, _ in seen)
    assert len(counts) == 60 and set(counts.values()) == {1}, "a job ran twice or not at all"
    assert Outbox(db).depth() == {"done": 60}
    if db.engine.dialect.name == "postgresql":  # SKIP LOCKED spreads the work
        assert len({who for _, who in seen}) > 1


def test_a_job_whose_worker_died_is_taken_again_after_its_lease(
    db: Database, handled: Any, fixed_clock: FixedClock
) -> None:
    seen, _ = handled
    enqueue(db, KIND, {}, key="only-once")
    dead = Outbox(db, name="dies", lease_seconds=60)
    [job] = dead.claim()
    # ... and the worker dies here, holding the job.
    other = Outbox(db, name="survivor", lease_seconds=30)
    assert other.claim() == []  # the lease still runs
    fixed_clock.advance(seconds=61)  # the clock, not a sleep: a busy machine is slow
    [again] = other.claim()
    assert again.id == job.id and again.attempts == 2
    assert other.run(again, "survivor") == "done"
    assert dead.finish(job) is False  # a late word from the dead worker changes nothing
    assert [who for _, who in seen] == ["survivor"]


def test_the_heartbeat_keeps_a_long_job(db: Database, handled: Any) -> None:
    seen, _ = handled
    enqueue(db, KIND, {})
    holder = Outbox(db, name="holder", lease_seconds=0.6)
    [job] = holder.claim()
    for _ in range(3):
        time.sleep(0.3)
        assert holder.extend([job.id]) == 1
    assert Outbox(db, name="thief").claim() == []


def test_failures_back_off_then_the_job_is_dead(db: Database, handled: Any) -> None:
    seen, failing = handled
    failing["error"] = RuntimeError("WeChat said 45015")
    enqueue(db, KIND, {}, max_attempts=3)
    outbox = Outbox(db, name="w")
    for attempt in (1, 2):
        [job] = outbox.claim()
        assert job.attempts == attempt
        assert outbox.run(job, "w") == "pending"
        row = status(db, job.id)
        assert row.status == "pending" and row.run_after > utcnow()
        assert "45015" in (row.last_error or "")
        assert outbox.claim() == []  # not due yet: backing off
        with db.session() as s:  # skip the wait
            s.execute(update(OutboxJob).values(run_after=utcnow() - timedelta(seconds=1)))
    [job] = outbox.claim()
    assert outbox.run(job, "w") == "dead"
    assert status(db, job.id).status == "dead"
    assert [j.id for j in outbox.dead_jobs()] == [job.id]
    assert outbox.claim() == []
    assert outbox.revive(job.id) and status(db, job.id).attempts == 0


def test_give_up_and_retry_delays(db: Database, handled: Any) -> None:
    _, failing = handled
    failing["error"] = GiveUp("no such user")
    enqueue(db, KIND, {})
    outbox = Outbox(db, name="w")
    [job] = outbox.claim()
    assert outbox.run(job, "w") == "dead"
    failing["error"] = Retry("core down", delay=30)
    enqueue(db, KIND, {})
    [job] = outbox.claim()
    assert outbox.run(job, "w") == "pending"
    assert status(db, job.id).run_after > utcnow() + timedelta(seconds=25)


def test_backoff_grows_and_is_capped() -> None:
    assert 1.5 < backoff(1) < 2.5 and 3 < backoff(2) < 5
    assert backoff(30) <= 600 * 1.2


def test_a_key_makes_a_job_unique(db: Database) -> None:
    assert enqueue(db, KIND, {"a": 1}, key="late:msg:1") is True
    assert enqueue(db, KIND, {"a": 2}, key="late:msg:1") is False
    assert Outbox(db).depth() == {"pending": 1}


def test_a_job_enqueued_in_a_rolled_back_transaction_does_not_exist(db: Database) -> None:
    with pytest.raises(RuntimeError), db.session() as s:
        enqueue(s, KIND, {})
        raise RuntimeError("the change that needed the job failed")
    assert Outbox(db).depth() == {}
    with db.session() as s:
        enqueue(s, KIND, {})
    assert Outbox(db).depth() == {"pending": 1}


def test_the_worker_loop_runs_jobs_and_offers_periodic_ones_once_per_period(
    db: Database, handled: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen, _ = handled
    from app import jobs

    monkeypatch.setattr(jobs, "periodic", lambda: [(KIND, 3600.0)])
    workers = [Worker(db, "ctx", poll=0.05, name=f"w{i}") for i in range(2)]  # type: ignore[arg-type]
    for w in workers:
        w.offer_periodic()
        w.offer_periodic()
    enqueue(db, KIND, {"n": 1})
    assert sum(w.run(once=True) for w in workers) == 2  # one periodic + one enqueued
    assert len(seen) == 2
    assert Outbox(db).depth() == {"done": 2}
