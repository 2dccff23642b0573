"""Faults under load, against gunicorn (2 workers) on servers of the test's own.

- PostgreSQL restarted: requests fail fast with a 503 and a clear body (never a hang past
  WeChat's 5 s), the service recovers by itself, and every message answered 200 is on record
  (its ledger row and the engine's exchange).
- Redis stopped: every request is still answered, ``/readyz`` says ``degraded``; when Redis is
  back, ``ok`` again.

Marked ``faults``. Timings are printed (run with ``-s``), not asserted, beyond the generous
"within WeChat's 5 s". ``benchmarks/load.py --faults`` prints the same figures.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests
from produtil import (
    Load,
    PrivatePostgres,
    PrivateRedis,
    Processes,
    prepare_database,
    summary,
    wait_until,
)
from sqlalchemy import select

from bot.models import Exchange
from shebao.db import Database
from webhooks.models import ProcessedMessage
from webhooks.wechat import texts as wechat_texts

pytestmark = pytest.mark.faults
WECHAT_BUDGET = 5.0


def readyz(base: str) -> tuple[int, dict[str, Any]]:
    response = requests.get(f"{base}/readyz", timeout=5)
    return response.status_code, response.json()


def test_postgresql_restarted_under_load(
    private_postgres: PrivatePostgres, redis_url: str, processes: Processes
) -> None:
    url = private_postgres.url
    prepare_database(url)
    env = processes.env(DATABASE_URL=url, REDIS_URL=redis_url)
    base = processes.gunicorn(env, workers=2)

    with Load([base], threads=8) as load:
        time.sleep(2.0)
        down_at = time.monotonic()
        private_postgres.stop("fast")
        time.sleep(1.0)  # a second of outage, then PostgreSQL comes back
        private_postgres.start()
        up_at = time.monotonic()
        status, body = wait_until(
            lambda: (lambda r: r if r[0] == 200 else None)(readyz(base)),
            30,
            0.1,
            what="readyz 200 after the restart",
        )
        ready_at = time.monotonic()
        time.sleep(3.0)
    shots = load.shots

    before = load.between(0, down_at)
    outage = load.between(down_at, up_at)
    after = load.between(ready_at + 0.5, float("inf"))
    print(
        f"\nPostgreSQL restart: down {up_at - down_at:.1f} s, /readyz 200 again "
        f"{ready_at - up_at:.2f} s after it was back"
    )
    print(f"  before:  {summary(before)}")
    print(f"  outage:  {summary(outage)}")
    print(f"  after:   {summary(after)}")

    assert before and after and outage
    assert max(s.seconds for s in shots) < WECHAT_BUDGET, "a request hung past WeChat's budget"
    failed = [s for s in shots if s.status != 200]
    assert failed, "the outage was not noticed"
    for shot in failed:  # fail fast, clearly
        assert shot.status == 503, (shot.status, shot.body[:300])
        assert "database_unavailable" in shot.body and "retry" in shot.body.lower()
    assert all(s.status == 200 for s in after), "did not recover by itself"

    # Nothing acknowledged is lost: every message answered 200 is on record.
    answered = [s for s in shots if s.status == 200 and s.body != "success"]
    apologies = [s for s in answered if wechat_texts.ENGINE_ERROR in s.body]
    print(
        f"  answered 200: {len(answered)} ({len(apologies)} with the engine's apology, in "
        f"flight when the server went away); 503: {len(failed)}"
    )
    assert len(apologies) <= 16
    db = Database(url)
    try:
        time.sleep(0.5)  # outcomes are written behind
        with db.session() as s:
            claimed = set(s.scalars(select(ProcessedMessage.key)))
            asked = set(s.scalars(select(Exchange.user_key)))
    finally:
        db.engine.dispose()
    missing_claims = [s.msg_id for s in answered if f"msg:{s.openid}:{s.msg_id}" not in claimed]
    missing_exchanges = [
        s.msg_id for s in answered if s not in apologies and f"wechat:{s.openid}" not in asked
    ]
    assert missing_claims == [] and missing_exchanges == []


def test_redis_stopped_under_load(
    pg_url: str, private_redis: PrivateRedis, processes: Processes
) -> None:
    prepare_database(pg_url)
    env = processes.env(DATABASE_URL=pg_url, REDIS_URL=private_redis.url)
    base = processes.gunicorn(env, workers=2)
    status, body = readyz(base)
    assert (status, body["status"]) == (200, "ok")

    with Load([base], threads=8) as load:
        time.sleep(2.0)
        down_at = time.monotonic()
        private_redis.stop()
        time.sleep(0.5)
        status, body = readyz(base)
        assert (status, body["status"]) == (200, "degraded"), body
        assert body["redis"] == {"ok": False, "configured": True, "ms": body["redis"]["ms"]}
        time.sleep(3.0)
        up_at = time.monotonic()
        private_redis.start()
        wait_until(
            lambda: readyz(base)[1]["status"] == "ok", 15, 0.1, what="readyz ok after Redis is back"
        )
        time.sleep(2.0)
    shots = load.shots
    before, during = load.between(0, down_at), load.between(down_at, up_at)
    after = load.between(up_at, float("inf"))
    print("\nRedis stopped under load:")
    print(f"  before:  {summary(before)}")
    print(f"  stopped: {summary(during)}")
    print(f"  after:   {summary(after)}")
    assert during and after
    assert all(s.status == 200 for s in shots), summary(shots)
    assert all(s.body != "success" and wechat_texts.ENGINE_ERROR not in s.body for s in shots)
    assert max(s.seconds for s in shots) < WECHAT_BUDGET
