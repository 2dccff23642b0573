"""Production-mode load: gunicorn (2 workers, app/gunicorn_conf.py) on PostgreSQL + Redis,
signed WeChat text posts at 32 and 128 connections, beside the echo-bot baseline.

    python benchmarks/load.py [--connections 32 128] [--duration 15] [--rounds 1]
                              [--engine stub|real|both] [--faults]

Servers, each started in turn and driven by ``wrk`` (or the Python fallback) with the Lua script
and the posts of benchmarks/webhook.py (every post a new ``MsgId``, 500 simulated users):

- ``echo``: benchmarks/webhook_echo.py (wechatpy's tutorial bot), gunicorn 2 gthread workers ×
  8 threads, like ours: the baseline;
- ``prod-stub``: the real app as ``shebao serve --prod`` runs it (preloaded, JSON logs at INFO,
  Prometheus multiprocess metrics, request ids), on PostgreSQL and Redis (retry claim and rate
  limit per message), with an instant engine: the cost of the webhook and its infrastructure;
- ``prod-real``: the same with the real engine (retrieval, dialogue state, the exchange record).

The rate limit stays on (a Redis ``INCR`` per message) but is raised above what 500 simulated
users send in a load test (``RATE_LIMIT_PER_MINUTE``), so no post gets the polite refusal.
Prints requests/s, p50/p99, errors, the ratio to the echo bot, and the servers' CPU time per
request. ``--faults`` then runs the fault drills of tests/production/test_fault_drills.py
(PostgreSQL restarted, Redis stopped, on servers of their own) and prints their figures.
Asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from argparse import Namespace
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT)]

import webhook as bench  # noqa: E402  (benchmarks/webhook.py: servers, posts, wrk, reports)

PG = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
# A Redis database of the benchmark's own, emptied first: the posts' MsgIds repeat from run to
# run, and retry claims from an earlier run would otherwise be met again.
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, nargs="+", default=[32, 128])
    parser.add_argument("--duration", type=int, default=15, help="seconds per server and load")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8, help="gthread threads per worker")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--engine", choices=["stub", "real", "both"], default="both")
    parser.add_argument("--log-level", default="INFO", help="the app's LOG_LEVEL")
    parser.add_argument(
        "--load", choices=["wrk", "python"], default="wrk" if shutil.which("wrk") else "python"
    )
    parser.add_argument("--faults", action="store_true", help="also run the fault drills")
    args = parser.parse_args()

    schema = f"bench_{os.getpid()}"
    _sql(f'CREATE SCHEMA "{schema}"')
    import redis

    redis.Redis.from_url(REDIS).flushdb()
    database_url = f"{PG}?options=-csearch_path%3D{schema}"
    print(
        f"load: {args.load}; {args.duration} s per server and connection count; gunicorn "
        f"-w {args.workers} gthread × {args.threads}; PostgreSQL {PG.split('@')[-1]} "
        f"(schema {schema}), Redis {REDIS}; {os.cpu_count()} CPUs"
    )
    try:
        results = run_servers(args, database_url)
        for connections in args.connections:
            bench.report(results[connections], f"{connections} connections")
        if args.faults:
            run_faults()
    finally:
        _sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def run_servers(args: Namespace, database_url: str) -> dict[int, list[bench.Result]]:
    base_env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("WECHAT_", "PROMETHEUS_"))
        and k not in ("DATABASE_URL", "REDIS_URL", "CORE_BASE_URL")
    }
    base_env |= {"WECHAT_TOKEN": bench.TOKEN, "PYTHONPATH": os.pathsep.join([str(ROOT), str(HERE)])}
    prod_env = base_env | {
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS,
        "LOG_LEVEL": args.log_level,
        "RATE_LIMIT_PER_MINUTE": "1000000",
    }
    servers = [("echo", "webhook_echo:app", base_env, False)]
    if args.engine in ("stub", "both"):
        servers.append(("prod-stub", "webhook:stub_engine_app()", prod_env, True))
    if args.engine in ("real", "both"):
        servers.append(("prod-real", "app:create_app()", prod_env, True))
    bench.prepare(prod_env)  # migrate and load the content once, as a deployment does

    results: dict[int, list[bench.Result]] = {c: [] for c in args.connections}
    with tempfile.TemporaryDirectory(prefix="shebao-load-") as tmp:
        workdir = Path(tmp)
        for index, (name, target, env, production) in enumerate(servers):
            port = bench.free_port()
            log = workdir / f"{name}.log"
            process = (
                start_production(target, port, args, env, log)
                if production
                else bench.start(
                    target,
                    port,
                    Namespace(workers=args.workers, worker_class="gthread", threads=args.threads),
                    env,
                    log,
                )
            )
            try:
                bench.warm_up(port, args.warmup, run_base=900 + index)
                for n, connections in enumerate(args.connections):
                    runs = []
                    for round_no in range(args.rounds):
                        load = Namespace(
                            connections=connections,
                            duration=args.duration,
                            wrk_threads=args.wrk_threads,
                        )
                        run_base = 10 * (10 * round_no + n) + index
                        cpu_before = bench.group_cpu_seconds(process.pid)
                        if args.load == "wrk":
                            result = bench.drive_wrk(name, port, load, run_base, workdir)
                        else:
                            result = bench.drive_python(name, port, load, run_base)
                        cpu = bench.group_cpu_seconds(process.pid) - cpu_before
                        result.cpu_ms = cpu * 1000 / result.requests if result.requests else 0
                        runs.append(result)
                    results[connections].append(bench.median_of(runs))
            finally:
                bench.stop(process)
    return results


def start_production(
    target: str, port: int, args: Namespace, env: dict[str, str], log: Path
) -> subprocess.Popen[bytes]:
    """gunicorn with app/gunicorn_conf.py, as ``shebao serve --prod`` starts it."""
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        "python:app.gunicorn_conf",
        "-b",
        f"127.0.0.1:{port}",
        "-w",
        str(args.workers),
        "--threads",
        str(args.threads),
        target,
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{target} exited; see {log}:\n{log.read_text()[-2000:]}")
        try:
            if bench.post_once(port, 10**15 + os.getpid())[0] == 200:
                return process
        except OSError:
            pass
        time.sleep(0.3)
    bench.stop(process)
    raise SystemExit(f"{target} did not start within 120 s; see {log}")


def run_faults() -> None:
    """The drills of tests/production/test_fault_drills.py, with their printed figures."""
    print("\n-- fault drills (pytest tests/production/test_fault_drills.py -s)")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-s",
            "-p",
            "no:cacheprovider",
            str(ROOT / "tests" / "production" / "test_fault_drills.py"),
        ],
        cwd=ROOT,
        check=False,
    )


def _sql(statement: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(PG)
    with psycopg.connect(
        host=url.host,
        port=url.port or 5432,
        dbname=url.database,
        user=url.username or "postgres",
        autocommit=True,
    ) as conn:
        conn.execute(statement)  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
