"""Several processes on one PostgreSQL (and Redis): gunicorn web servers and ``shebao worker``.

- The same MsgId posted three times at once to two different app servers (each a gunicorn
  with two workers) is processed once, with Redis in front of the ledger and without it.
- A ``shebao worker`` killed (SIGKILL) in the middle of a job: after a restart the job is taken
  again once its lease runs out, and its effect happens exactly once (one application in the
  core, one notice to the citizen).
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
import requests
from produtil import (
    Processes,
    new_msg_id,
    post_text,
    prepare_database,
    signed_path,
    text_message,
    wait_until,
)
from sqlalchemy import func, select
from werkzeug.serving import make_server

from bot.models import Exchange
from shebao.db import Database
from webhooks.models import OutboundMessage, ProcessedMessage


@pytest.mark.parametrize("with_redis", [True, False], ids=["redis", "database-only"])
def test_the_same_msgid_three_times_at_two_servers_is_processed_once(
    with_redis: bool, pg_url: str, processes: Processes, request: pytest.FixtureRequest
) -> None:
    prepare_database(pg_url)
    extra = {"DATABASE_URL": pg_url}
    if with_redis:
        extra["REDIS_URL"] = str(request.getfixturevalue("redis_url"))
    env = processes.env(**extra)
    servers = [processes.gunicorn(env, workers=2, name=f"web{i}") for i in range(2)]

    db = Database(pg_url)
    try:
        for round_no in range(3):
            msg_id = new_msg_id()
            openid = f"o-dedup-{uuid.uuid4().hex[:10]}"
            replies = post_at_once([servers[0], servers[1], servers[0]], msg_id, openid)
            assert [r.status_code for r in replies] == [200, 200, 200], processes.logs()
            answered = [r.text for r in replies if r.text != "success"]
            assert answered, "no attempt carried the answer"
            assert len(set(answered)) == 1, "two different answers to one message"
            with db.session() as s:
                asked = s.scalar(
                    select(func.count())
                    .select_from(Exchange)
                    .where(Exchange.user_key == f"wechat:{openid}")
                )
                ledger = s.scalar(
                    select(func.count())
                    .select_from(ProcessedMessage)
                    .where(ProcessedMessage.key == f"msg:{openid}:{msg_id}")
                )
            assert (asked, ledger) == (1, 1), f"round {round_no}: engine ran {asked} times"
    finally:
        db.engine.dispose()


def post_at_once(bases: list[str], msg_id: int, openid: str) -> list[requests.Response]:
    """One post of the same message to each base URL, all released at the same instant."""
    replies: list[requests.Response] = []
    barrier = threading.Barrier(len(bases))

    def post(base: str) -> None:
        barrier.wait()
        replies.append(post_text(base, msg_id, openid))

    threads = [threading.Thread(target=post, args=(base,)) for base in bases]
    for t in threads:
        t.start()
    for t in threads:
        t.join(15)
    return replies


# -- a worker killed in the middle of a job -----------------------------------------------------

CHEN = ("陈小明", "440703199001011239", "13800138000")


class SlowCore:
    """The sandbox core over HTTP; ``arrived`` is set when an application create comes in."""

    def __init__(self, url: str) -> None:
        from proxy.sandbox import SandboxCore, create_sandbox_app

        self.core = SandboxCore(url)
        app = create_sandbox_app(core=self.core)
        self.arrived = threading.Event()

        def wsgi(environ: dict[str, Any], start: Callable[..., Any]) -> Any:
            if environ["REQUEST_METHOD"] == "POST" and environ["PATH_INFO"].endswith(
                "/unemployment-applications"
            ):
                self.arrived.set()
            return app(environ, start)

        self.server = make_server("127.0.0.1", 0, wsgi, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def faults(self, **plan: Any) -> None:
        requests.put(f"{self.url}/sandbox/faults", json=plan, timeout=5).raise_for_status()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.core.close()


@pytest.fixture
def slow_core(tmp_path: Any) -> Iterator[SlowCore]:
    core = SlowCore(f"sqlite:///{tmp_path / 'core.db'}")
    yield core
    core.close()


def test_a_worker_killed_mid_job_does_it_exactly_once_after_a_restart(
    pg_url: str, processes: Processes, slow_core: SlowCore
) -> None:
    from app.jobs import RESEND_APPLICATIONS
    from bot.backend import JobBackend
    from bot.personal.applications import new_key, submit
    from proxy.client import HttpCoreServices
    from proxy.types import (
        LeavingReason,
        PaymentAccount,
        PaymentAccountKind,
        UnemploymentApplicationRequest,
    )
    from shebao.outbox import enqueue
    from shebao.outbox_models import OutboxJob
    from shebao.settings import Settings

    prepare_database(pg_url)
    secret = "kill-test-secret"
    settings = Settings(database_url=pg_url, core_base_url=slow_core.url, secret_key=secret)
    db = Database(pg_url)
    core = HttpCoreServices(slow_core.url)
    try:
        verification = core.start_verification(CHEN[1], CHEN[0], CHEN[2])
        person_ref = core.confirm_verification(verification.verification_id, "123456").person_ref
        request = UnemploymentApplicationRequest(
            person_ref=person_ref,
            leaving_date=date(2026, 10, 31),
            leaving_reason=LeavingReason.LAYOFF,
            payment_account=PaymentAccount(PaymentAccountKind.SOCIAL_SECURITY_CARD),
            phone=CHEN[2],
            seeking_work=True,
        )
        key = new_key()
        # The citizen applies while the core is down: the application is kept.
        slow_core.faults(fail_status=503)
        kept = submit(
            JobBackend(settings, db, core),
            user_key="wechat:o-kill",
            person_ref=person_ref,
            request=request,
            idempotency_key=key,
        )
        assert kept.kind == "pending"
        # The core is back but slow: the re-send's create takes a second.
        slow_core.faults(delay_seconds=1.0, times=1)
        slow_core.arrived.clear()
        enqueue(db, RESEND_APPLICATIONS, {}, key="kill-test")

        env = processes.env(DATABASE_URL=pg_url, CORE_BASE_URL=slow_core.url, SECRET_KEY=secret)
        args = ("--lease", "2", "--poll", "0.2", "--no-schedule")
        first = processes.worker(env, *args, name="worker-killed")
        assert slow_core.arrived.wait(60), processes.logs()
        os.killpg(first.pid, signal.SIGKILL)  # in the middle of the core call
        first.wait(10)
        killed_at = time.monotonic()

        with db.session() as s:
            job = s.scalar(select(OutboxJob).where(OutboxJob.dedupe_key == "kill-test"))
            assert job is not None and job.status == "running" and job.attempts == 1

        processes.worker(env, *args, name="worker-restarted")

        def done() -> OutboxJob | None:
            with db.session() as s:
                found = s.scalar(select(OutboxJob).where(OutboxJob.dedupe_key == "kill-test"))
                return found if found is not None and found.status == "done" else None

        finished = wait_until(done, 60, 0.1, what="the job done after the restart")
        print(
            f"\nkilled worker's job done by the restarted one "
            f"{time.monotonic() - killed_at:.1f} s after the kill (lease 2 s), "
            f"attempts={finished.attempts}"
        )
        assert finished.attempts == 2

        applications = core.unemployment_applications(person_ref)
        assert len(applications) == 1, "the core made the application twice"
        from bot.personal.applications import by_key

        row = by_key(db, key)
        assert row is not None and row.status == "submitted"
        assert row.application_id == applications[0].application_id
        with db.session() as s:
            notices = s.scalars(
                select(OutboundMessage).where(OutboundMessage.ref == f"application-sent:{key}")
            ).all()
        assert len(notices) == 1 and applications[0].application_id in notices[0].content
    finally:
        core.close()
        db.engine.dispose()


# -- shebao serve --prod: logs and metrics ------------------------------------------------------


def test_serve_prod_logs_json_masked_with_request_ids_and_sums_metrics_over_workers(
    pg_url: str, processes: Processes
) -> None:
    prepare_database(pg_url)
    base = processes.serve_prod(processes.env(DATABASE_URL=pg_url, LOG_LEVEL="INFO"), workers=2)
    id_number = "440703199001011239"
    posts = 12
    for n in range(posts):
        response = requests.post(
            base + signed_path(),
            timeout=10,
            headers={"Content-Type": "text/xml", "X-Request-Id": f"lb-req-{n}"},
            data=text_message(
                new_msg_id(), f"o-log-{uuid.uuid4().hex[:8]}", f"我的身份证{id_number}怎么查社保"
            ),
        )
        assert response.status_code == 200
        assert response.headers["X-Request-Id"] == f"lb-req-{n}"

    text = requests.get(f"{base}/metrics", timeout=10).text
    counted = _metric(
        text, 'shebao_http_requests_total{endpoint="wechat.receive",method="POST",status="200"}'
    )
    assert counted == posts, "the workers' counts were not summed"
    assert _metric(text, 'shebao_outbox_jobs{status="dead"}') == 0
    assert "shebao_replies_total{" in text and "shebao_http_request_duration_seconds_bucket" in text

    processes.stop_all()
    lines = processes.log_of("serve").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines if line.startswith("{")]
    assert records and len(records) == len([line for line in lines if line.strip()]), (
        "a log line that is not JSON"
    )
    assert any(r.get("request_id") == "lb-req-3" for r in records)
    # ... also on the lines the engine's thread writes for that request.
    assert any(
        r.get("request_id") == "lb-req-3" and r["msg"].startswith("wechat out") for r in records
    )
    assert id_number not in "\n".join(lines)
    assert any("4407" in r["msg"] and "1239" in r["msg"] for r in records), "nothing masked"


def _metric(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    raise AssertionError(f"{name} not in /metrics")
