"""Throughput and latency of signed text posts to ``/wechat`` under gunicorn, side by side
with a minimal wechatpy echo bot (benchmarks/webhook_echo.py) on the same stack.

    python benchmarks/webhook.py [--connections 32] [--duration 10] [--rounds 3] [--workers 2]
                                 [--worker-class sync | --worker-class gthread --threads 4]
                                 [--engine stub|real|both] [--load wrk|python]
    python benchmarks/webhook.py --profile 300 [--engine real|stub]

Each post is signed as WeChat signs it: a fresh ``timestamp`` (now) and ``nonce`` per request,
so the webhook's replay window and (timestamp, nonce) memory accept each one once (a fixed
signed URL would be 403 from its second use, or once its timestamp left the 300 s window).

Each server is started as ``gunicorn -w 2`` (gunicorn's default sync workers unless told; the
repository's gunicorn.conf.py is not read) on a free port, warmed up, then, taking turns, driven
with signed text posts at 32 connections, each post a new message (fresh ``MsgId``), so the
webhook does its full work: signature, defusedxml + wechatpy parse, de-dup claim and reply in
a temporary SQLite database, the engine in its thread pool, reply shaping. Load comes from
``wrk`` (with a Lua script) when installed, else from a Python keep-alive thread pool.

``--engine stub`` installs an instant engine, so the figure is the webhook's own cost (the
issue's target: at least 50 % of the echo bot's requests/s, p99 under 50 ms); ``real`` serves
the real engine (retrieval, dialogue state, the exchange record) as ``shebao`` would.
Prints requests/s, p50 and p99 for each and the ratio to the echo bot, plus the servers' CPU
time per request (all processes and threads, from /proc) and the echo bot's share of it: on a
machine shared with other work the CPU cost per request is the steadier comparison of the two.
Asserts nothing.

``--profile N``: no servers; the app in this process (a temporary SQLite database, the engine
warmed, its thread pool replaced by the calling thread so one profile holds the whole path)
takes N signed posts through Flask's test client under cProfile, and the functions with the
most cumulative and own time are printed, with the SQL statements per message (through
SQLAlchemy: the retry ledger's raw DBAPI statements are counted apart).
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import itertools
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
TOKEN = "bench-token"
QUESTION = "灵活就业人员怎么参加养老保险"
TEMPLATE = (
    "<xml><ToUserName><![CDATA[gh_5b1e2c0d9a77]]></ToUserName>"
    "<FromUserName><![CDATA[oBench-{user}]]></FromUserName>"
    "<CreateTime>1732500000</CreateTime><MsgType><![CDATA[text]]></MsgType>"
    "<Content><![CDATA[" + QUESTION + "]]></Content><MsgId>{msg_id}</MsgId></xml>"
)

LUA = r"""
-- Signed WeChat text posts; every request a new MsgId (the thread number in the high digits)
-- and its own signed path (wrk's Lua has no SHA-1: the paths are signed beforehand, one per
-- line of PATHS, each thread taking every THREADS-th line from its own).
-- setup() runs in wrk's main state; thread:set() makes "thread_no" a global of that thread.
local threads_started = 0
local counter = 0
local paths = nil
function setup(thread)
  threads_started = threads_started + 1
  thread:set("thread_no", threads_started)
end
local template = [==[%s]==]
function request()
  if paths == nil then
    paths = {}
    local n = 0
    for line in io.lines("PATHS") do
      if n %% THREADS == (thread_no or 1) - 1 then paths[#paths + 1] = line end
      n = n + 1
    end
  end
  counter = counter + 1
  local msg_id = string.format("%%d%%03d%%09d", 7000 + RUN_BASE, thread_no or 0, counter)
  local body = template:gsub("{msg_id}", msg_id)
  body = body:gsub("{user}", tostring(counter %% 500))
  local path = paths[(counter - 1) %% #paths + 1]
  return wrk.format("POST", path, {["Content-Type"] = "text/xml"}, body)
end
"""

_nonces = itertools.count(1)
_nonce_prefix = f"{os.getpid():x}{int(time.time()):x}"


def signed_path() -> str:
    """``/wechat?signature=…&timestamp=…&nonce=…`` as WeChat signs a push: now, a new nonce."""
    timestamp = str(int(time.time()))
    nonce = f"{_nonce_prefix}n{next(_nonces)}"  # [0-9A-Za-z], unique in this run
    signature = hashlib.sha1("".join(sorted([TOKEN, timestamp, nonce])).encode()).hexdigest()
    return "/wechat?" + urlencode({"signature": signature, "timestamp": timestamp, "nonce": nonce})


@dataclass
class Result:
    name: str
    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float
    cpu_ms: float = 0.0  # the server's CPU time (all its processes and threads) per request

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def group_cpu_seconds(pgid: int) -> float:
    """User + system CPU time of every process in a process group (Linux /proc), else 0."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # fields after "(comm)": state ppid pgrp … utime stime
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK") if total else 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stub_engine_app():  # type: ignore[no-untyped-def]
    """gunicorn factory: the real app with an instant engine (the webhook's own cost)."""
    sys.path.insert(0, str(ROOT))
    from app import create_app
    from bot.types import Message, Reply

    class InstantBot:
        def handle(self, message: Message) -> Reply:
            return Reply(text="答复：" + message.text, intent="policy.faq", confidence=0.9)

    app = create_app()
    app.extensions["shebao"].__dict__["bot"] = InstantBot()
    return app


def start(
    target: str, port: int, args: argparse.Namespace, env: dict[str, str], log: Path
) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "-w",
        str(args.workers),
        "-k",
        args.worker_class,
        "--threads",
        str(args.threads),
        "-b",
        f"127.0.0.1:{port}",
        "--pythonpath",
        f"{ROOT},{HERE}",
        "--log-level",
        "warning",
        target,
    ]
    # Started outside the repository so that its gunicorn.conf.py (the production settings,
    # with hooks and metrics) does not apply: both servers get exactly the flags above.
    process = subprocess.Popen(
        command,
        env=env,
        cwd=log.parent,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{target} exited; see {log}:\n{log.read_text()[-2000:]}")
        try:
            status, body = post_once(port, 10**15 + os.getpid())
            if status == 200:
                return process
        except OSError:
            pass
        time.sleep(0.3)
    stop(process)
    raise SystemExit(f"{target} did not start within 120 s; see {log}")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def post_once(
    port: int,
    message_id: int,
    conn: http.client.HTTPConnection | None = None,
    timeout: float = 10,
) -> tuple[int, bytes]:
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        body = TEMPLATE.format(msg_id=message_id, user=message_id % 500).encode()
        conn.request("POST", signed_path(), body=body, headers={"Content-Type": "text/xml"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        if own:
            conn.close()


def drive_wrk(
    name: str, port: int, args: argparse.Namespace, run_base: int, workdir: Path
) -> Result:
    script = workdir / f"{name}.lua"
    paths = workdir / f"{name}.paths"
    # Signed now, so all are inside the replay window while wrk runs (a path used twice: 403).
    paths.write_text("\n".join(signed_path() for _ in range(args.duration * 20000)) + "\n")
    lua = LUA % TEMPLATE
    for name_, value in (("RUN_BASE", run_base), ("THREADS", args.wrk_threads)):
        lua = lua.replace(name_, str(value))
    script.write_text(lua.replace("PATHS", str(paths)))
    output = subprocess.run(
        [
            "wrk",
            "-t",
            str(args.wrk_threads),
            "-c",
            str(args.connections),
            "-d",
            f"{args.duration}s",
            "--latency",
            "--timeout",
            "10s",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    seconds = _wrk_seconds(re.search(r"requests in ([\d.]+\w+),", output).group(1))  # type: ignore[union-attr]
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    errors += sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    return Result(name, requests, errors, seconds, _wrk_ms(output, "50%"), _wrk_ms(output, "99%"))


def _wrk_seconds(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"ms": 0.001, "s": 1.0, "m": 60.0}[unit]


def _wrk_ms(output: str, percentile: str) -> float:
    number, unit = re.search(rf"^\s*{percentile}\s+([\d.]+)(us|ms|s)", output, re.M).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def msg_id(run_base: int, thread_no: int, n: int) -> int:
    """Unique per server run, load thread and request (the Lua script builds the same)."""
    return int(f"{7000 + run_base}{thread_no:03d}{n:09d}")


def drive_python(name: str, port: int, args: argparse.Namespace, run_base: int) -> Result:
    """Fallback load: one keep-alive connection per thread, ``--connections`` threads."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop_at = time.monotonic() + args.duration

    def run(thread_no: int) -> None:
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine: list[float] = []
        failed = 0
        n = 0
        while time.monotonic() < stop_at:
            n += 1
            started = time.perf_counter()
            try:
                status, _ = post_once(port, msg_id(run_base, thread_no, n), conn)
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                status = 0
            mine.append((time.perf_counter() - started) * 1000)
            failed += status != 200
        conn.close()
        with lock:
            latencies.extend(mine)
            errors += failed

    started = time.monotonic()
    threads = [threading.Thread(target=run, args=(i,)) for i in range(args.connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    q = statistics.quantiles(latencies, n=100)
    return Result(name, len(latencies), errors, elapsed, q[49], q[98])


@dataclass
class Server:
    name: str
    target: str
    database: str | None
    port: int = 0
    process: subprocess.Popen[bytes] | None = None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=int, default=10, help="seconds per server per round")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="the servers take turns this many times; medians are reported",
    )
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds per server")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", default="sync", help="gunicorn's: sync, gthread, …")
    parser.add_argument("--threads", type=int, default=1, help="threads per gthread worker")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--engine", choices=["stub", "real", "both"], default="both")
    parser.add_argument(
        "--load", choices=["wrk", "python"], default="wrk" if shutil.which("wrk") else "python"
    )
    parser.add_argument(
        "--profile", type=int, default=0, help="cProfile N posts in this process; no servers"
    )
    args = parser.parse_args()
    if args.profile:
        if args.engine == "both":
            args.engine = "real"
        return profile(args)

    servers = [Server("echo", "webhook_echo:app", None)]
    if args.engine in ("stub", "both"):
        servers.append(Server("wechat-stub-engine", "webhook:stub_engine_app()", "stub.db"))
    if args.engine in ("real", "both"):
        servers.append(Server("wechat-real-engine", "app:create_app()", "real.db"))
    print(
        f"load: {args.load}, {args.connections} connections, {args.duration} s per server "
        f"per round, {args.rounds} rounds; gunicorn -w {args.workers} -k {args.worker_class} "
        f"--threads {args.threads}; {os.cpu_count()} CPUs"
    )

    with tempfile.TemporaryDirectory(prefix="shebao-bench-") as tmp:
        workdir = Path(tmp)
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("WECHAT_") and k not in ("DATABASE_URL", "REDIS_URL")
        }
        env |= {"WECHAT_TOKEN": TOKEN, "PYTHONPATH": f"{ROOT}{os.pathsep}{HERE}"}
        try:
            for index, server in enumerate(servers):
                server_env = dict(env)
                if server.database:
                    server_env["DATABASE_URL"] = f"sqlite:///{workdir / server.database}"
                    prepare(server_env)
                server.port = free_port()
                server.process = start(
                    server.target, server.port, args, server_env, workdir / f"{server.name}.log"
                )
                warm_up(server.port, args.warmup, run_base=900 + index, workers=args.workers)
            rounds: list[list[Result]] = []
            for round_no in range(args.rounds):
                results = []
                for index, server in enumerate(servers):  # one at a time: no shared CPU
                    run_base = round_no * 10 + index
                    assert server.process is not None
                    cpu_before = group_cpu_seconds(server.process.pid)
                    if args.load == "wrk":
                        result = drive_wrk(server.name, server.port, args, run_base, workdir)
                    else:
                        result = drive_python(server.name, server.port, args, run_base)
                    cpu = group_cpu_seconds(server.process.pid) - cpu_before
                    result.cpu_ms = cpu * 1000 / result.requests if result.requests else 0.0
                    results.append(result)
                rounds.append(results)
                report(results, f"round {round_no + 1}")
        finally:
            for server in servers:
                if server.process is not None:
                    stop(server.process)
        report(
            [median_of([r[i] for r in rounds]) for i in range(len(servers))],
            f"median of {args.rounds} rounds",
        )


class _InlineExecutor:
    """Runs a submitted call at once in the caller's thread (for one profile of the path)."""

    def submit(self, fn: Any, *args: Any) -> Any:
        from concurrent.futures import Future

        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args))
        except BaseException as exc:
            future.set_exception(exc)
        return future

    def shutdown(self, wait: bool = True) -> None:
        return None


def profile(args: argparse.Namespace) -> None:
    """cProfile of ``--profile`` posts through the app in this process (see the module doc)."""
    import cProfile
    import pstats

    from sqlalchemy import event

    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory(prefix="shebao-profile-") as tmp:
        for name in [k for k in os.environ if k.startswith("WECHAT_")]:
            del os.environ[name]
        os.environ.pop("REDIS_URL", None)
        os.environ |= {"WECHAT_TOKEN": TOKEN, "DATABASE_URL": f"sqlite:///{tmp}/profile.db"}
        os.environ.setdefault("LOG_LEVEL", "WARNING")
        if args.engine == "stub":
            app = stub_engine_app()
        else:
            from app import create_app

            app = create_app()
            app.extensions["shebao"].warm()
        responder = app.extensions["wechat"]
        responder._executor, responder._executor_pid = _InlineExecutor(), os.getpid()
        client = app.test_client()
        statements = [0]

        def count(*_: Any) -> None:
            statements[0] += 1

        event.listen(app.extensions["shebao"].db.engine, "before_cursor_execute", count)

        def post(n: int) -> None:
            body = TEMPLATE.format(msg_id=10**15 + n, user=n % 500).encode()
            response = client.post(signed_path(), data=body, headers={"Content-Type": "text/xml"})
            assert response.status_code == 200, response.status_code

        for n in range(50):  # the caches of a warm worker
            post(n)
        responder.ledger.flush()
        n = 50
        for round_no in range(3):  # without the profiler first: the process's own cost
            statements[0] = 0
            started, cpu = time.perf_counter(), time.process_time()
            for _ in range(args.profile):
                n += 1
                post(n)
            responder.ledger.flush()
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu
            print(
                f"round {round_no + 1}: {args.profile} posts ({args.engine} engine), "
                f"{wall * 1000 / args.profile:.2f} ms wall, {cpu * 1000 / args.profile:.2f} ms "
                f"CPU per post (this process, all threads); "
                f"{statements[0] / args.profile:.1f} SQL statements per post through SQLAlchemy"
            )
        profiler = cProfile.Profile(time.process_time)  # CPU, not waiting for the disk
        profiler.enable()
        for _ in range(args.profile):
            n += 1
            post(n)
        profiler.disable()
        responder.shutdown()
        stats = pstats.Stats(profiler, stream=sys.stdout)
        print_shares(stats)
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(25)


def print_shares(stats: Any) -> None:
    """Own time under the profiler by where the code lives (our packages, each library)."""
    shares: dict[str, float] = {}
    for (filename, _, name), (_, _, own, _, _) in stats.stats.items():
        if "site-packages/" in filename:
            where = filename.split("site-packages/", 1)[1].split("/", 1)[0]
        elif filename.startswith(str(ROOT)):
            where = "/".join(Path(filename).relative_to(ROOT).parts[:2])
        elif filename == "~":
            where = "built-in: " + name.split(" of ")[0].strip("{<>}").split("'")[-2:][0]
        else:
            where = "stdlib"
        shares[where] = shares.get(where, 0.0) + own
    total = sum(shares.values()) or 1.0
    print("own CPU time under the profiler, by where the code lives:")
    for where, own in sorted(shares.items(), key=lambda kv: -kv[1])[:20]:
        print(f"  {own / total:6.1%}  {where}")


def warm_up(port: int, seconds: float, run_base: int, workers: int = 2) -> None:
    """The first requests load the engine and fill caches in each worker: post for ``seconds``,
    from as many connections at once as there are workers times two (so every worker gets
    some), and on until a whole wave comes back within a second each (a cold worker's first
    answer can take many seconds on a busy machine)."""
    from concurrent.futures import ThreadPoolExecutor

    deadline = time.monotonic() + seconds
    counter = itertools.count(1)

    def one() -> bool:
        started = time.monotonic()
        try:
            status, _ = post_once(port, msg_id(run_base, 0, next(counter)), timeout=120)
        except OSError:
            return False
        return status == 200 and time.monotonic() - started < 1

    with ThreadPoolExecutor(2 * workers) as pool:
        while True:
            wave = list(pool.map(lambda _: one(), range(4 * workers)))
            if time.monotonic() >= deadline and all(wave):
                return


def median_of(results: list[Result]) -> Result:
    by_rps = sorted(results, key=lambda r: r.rps)
    middle = by_rps[len(by_rps) // 2]
    return Result(
        middle.name,
        middle.requests,
        sum(r.errors for r in results),
        middle.seconds,
        statistics.median(r.p50_ms for r in results),
        statistics.median(r.p99_ms for r in results),
        statistics.median(r.cpu_ms for r in results),
    )


def prepare(env: dict[str, str]) -> None:
    """Create the schema and load content once, before the workers race to do it."""
    subprocess.run(
        [sys.executable, "-c", "from app import create_app; create_app()"],
        env=env,
        cwd=ROOT,
        check=True,
    )


def report(results: list[Result], title: str) -> None:
    echo = results[0]
    print(f"-- {title}")
    print(
        f"{'server':<22}{'requests':>10}{'errors':>8}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'vs echo':>9}{'CPU ms/req':>12}{'echo/CPU':>10}"
    )
    for r in results:
        ratio = r.rps / echo.rps if echo.rps else 0.0
        cpu_ratio = echo.cpu_ms / r.cpu_ms if r.cpu_ms else 0.0
        print(
            f"{r.name:<22}{r.requests:>10}{r.errors:>8}{r.rps:>10.0f}{r.p50_ms:>9.1f}"
            f"{r.p99_ms:>9.1f}{ratio:>8.0%}{r.cpu_ms:>12.3f}{cpu_ratio:>9.0%}"
        )


if __name__ == "__main__":
    main()
