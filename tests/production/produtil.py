"""Helpers for the production-mode tests (fixtures in conftest.py): servers of the tests' own,
gunicorn and ``shebao worker`` processes, signed WeChat posts.

Tests that stop servers are marked ``faults`` (``pytest -m "not faults"`` leaves them out).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import requests

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
TOKEN = "prod-test-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(
    predicate: Any, timeout: float = 30.0, every: float = 0.05, what: str = "condition"
) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not met within {timeout} s")
        time.sleep(every)


# -- servers ------------------------------------------------------------------------------------


def pg_server() -> str:
    return os.environ.get("TEST_DATABASE_URL") or DEFAULT_PG


def pg_unreachable(url: str) -> str | None:
    """None if PostgreSQL at ``url`` answers, else why not."""
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed"
    from sqlalchemy.engine import make_url

    u = make_url(url)
    try:
        psycopg.connect(
            host=u.host or "127.0.0.1",
            port=u.port or 5432,
            dbname=u.database,
            user=u.username or "postgres",
            connect_timeout=2,
        ).close()
    except Exception as exc:
        return f"PostgreSQL at {u.host}:{u.port} unreachable: {type(exc).__name__}: {exc}"
    return None


class PrivateRedis:
    """``redis-server`` on a free port, ours to stop and start."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.folder = folder
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        client = redis.Redis(port=self.port, socket_timeout=0.5, socket_connect_timeout=0.5)
        wait_until(lambda: _pings(client), 10, what="private redis up")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None


def _pings(client: Any) -> bool:
    try:
        return bool(client.ping())
    except Exception:
        return False


class PrivatePostgres:
    """A PostgreSQL cluster of our own (initdb in a temporary folder, a free port), so a test
    may restart it while the machine's server keeps serving everyone else."""

    def __init__(self, folder: Path, bindir: Path) -> None:
        self.folder = folder
        self.bindir = bindir
        self.port = free_port()
        self.data = folder / "data"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
        command = [str(self.bindir / args[0]), *args[1:]]
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=check, capture_output=True, timeout=60)

    def init(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "-E",
            "UTF8",
        )

    def start(self) -> None:
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.folder / "pg.log"),
            "-w",
            "-o",
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=False)


def pg_bindir() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return candidates[-1].parent if candidates else None


# -- processes ----------------------------------------------------------------------------------


@dataclass
class Processes:
    folder: Path
    started: list[tuple[str, subprocess.Popen[bytes], Path]] = field(default_factory=list)

    def env(self, **extra: str) -> dict[str, str]:
        keep = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("WECHAT_", "PROMETHEUS_"))
            and k
            not in (
                "DATABASE_URL",
                "REDIS_URL",
                "CORE_BASE_URL",
                "OUTBOX_IN_PROCESS",
                "GUNICORN_BIND",
                "WEB_CONCURRENCY",
            )
        }
        return {
            **keep,
            "WECHAT_TOKEN": TOKEN,
            # production refuses development secrets (issue 13, defect 6)
            "SECRET_KEY": "production-test-secret-not-the-dev-one",
            "MINIPROGRAM_APPID": "wx-production-test",
            "MINIPROGRAM_SECRET": "production-test-mp-secret",
            "LOG_FORMAT": "json",
            "PYTHONPATH": str(ROOT),
            **extra,
        }

    def gunicorn(self, env: dict[str, str], workers: int = 2, name: str = "web") -> str:
        """gunicorn with shebao/gunicorn_conf.py on a free port; its base URL once ready."""
        port = free_port()
        return self._web(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "python:app.gunicorn_conf",
                "-b",
                f"127.0.0.1:{port}",
                "-w",
                str(workers),
                "app:create_app()",
            ],
            env,
            port,
            name,
        )

    def serve_prod(self, env: dict[str, str], workers: int = 2, name: str = "serve") -> str:
        """``shebao serve --prod`` on a free port; its base URL once ready."""
        port = free_port()
        return self._web(
            [
                sys.executable,
                "-c",
                "from app.cli import main; main()",
                "serve",
                "--prod",
                "--port",
                str(port),
                "--workers",
                str(workers),
            ],
            env,
            port,
            name,
        )

    def log_of(self, name: str) -> Path:
        return next(log for n, _, log in self.started if n == name)

    def _web(self, command: list[str], env: dict[str, str], port: int, name: str) -> str:
        log = self.folder / f"{name}-{port}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.started.append((name, process, log))
        base = f"http://127.0.0.1:{port}"

        def ready() -> bool:
            if process.poll() is not None:
                raise AssertionError(f"gunicorn exited:\n{log.read_text()[-3000:]}")
            try:
                return requests.get(f"{base}/readyz", timeout=2).status_code == 200
            except requests.RequestException:
                return False

        wait_until(ready, 120, 0.2, what=f"gunicorn on {port} ready")
        return base

    def worker(
        self, env: dict[str, str], *args: str, name: str = "worker"
    ) -> subprocess.Popen[bytes]:
        log = self.folder / f"{name}-{len(self.started)}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-c", "from app.cli import main; main()", "worker", *args],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.started.append((name, process, log))
        return process

    def stop_all(self) -> None:
        for _, process, _ in reversed(self.started):
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    continue
                try:
                    process.wait(20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()

    def logs(self) -> str:
        return "\n".join(
            f"== {name} ==\n{log.read_text()[-4000:]}"
            for name, _, log in self.started
            if log.exists()
        )


def prepare_database(url: str) -> None:
    """Migrate and load the shipped content once, as a deployment's ``shebao db upgrade`` and
    first start would, before several processes start together."""
    from knowledge.importer import load_shipped_content
    from shebao.db import Database
    from shebao.schema import upgrade

    db = Database(url)
    try:
        upgrade(db)
        load_shipped_content(db)
    finally:
        db.engine.dispose()


# -- WeChat -------------------------------------------------------------------------------------


def text_message(msg_id: int | str, openid: str, text: str = "失业金能领几个月") -> bytes:
    return (
        f"<xml><ToUserName><![CDATA[gh_prodtest]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{text}]]></Content><MsgId>{msg_id}</MsgId></xml>"
    ).encode()


def signed_path(token: str = TOKEN) -> str:
    timestamp, nonce = str(int(time.time())), uuid.uuid4().hex[:10]
    signature = hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()
    return "/wechat?" + urlencode({"signature": signature, "timestamp": timestamp, "nonce": nonce})


def post_text(
    base: str, msg_id: int | str, openid: str, text: str = "失业金能领几个月", timeout: float = 10.0
) -> requests.Response:
    return requests.post(
        base + signed_path(),
        data=text_message(msg_id, openid, text),
        headers={"Content-Type": "text/xml"},
        timeout=timeout,
    )


def new_msg_id() -> int:
    return int(time.time() * 1000) * 1000 + int.from_bytes(os.urandom(2), "big") % 1000


@dataclass
class Shot:
    msg_id: int
    openid: str
    started: float  # time.monotonic()
    seconds: float
    status: int  # 0: no HTTP answer (connection error, timeout)
    body: str


class Load:
    """``threads`` clients posting new text messages (fresh MsgId and openid each) to ``bases``
    in turn, until ``stop()``; every answer is kept as a ``Shot``."""

    def __init__(self, bases: list[str], threads: int = 8, timeout: float = 8.0) -> None:
        self.bases = bases
        self.timeout = timeout
        self.shots: list[Shot] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(threads)
        ]

    def __enter__(self) -> Load:
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(self.timeout + 5)

    def _run(self, n: int) -> None:
        session = requests.Session()
        i = 0
        while not self._stop.is_set():
            i += 1
            msg_id = new_msg_id()
            openid = f"o-load-{n}-{i}-{uuid.uuid4().hex[:6]}"
            base = self.bases[(n + i) % len(self.bases)]
            started = time.monotonic()
            try:
                response = session.post(
                    base + signed_path(),
                    data=text_message(msg_id, openid),
                    headers={"Content-Type": "text/xml"},
                    timeout=self.timeout,
                )
                status, body = response.status_code, response.text
            except requests.RequestException as exc:
                status, body = 0, type(exc).__name__
                session.close()
                session = requests.Session()
            shot = Shot(msg_id, openid, started, time.monotonic() - started, status, body)
            with self._lock:
                self.shots.append(shot)
        session.close()

    def between(self, start: float, end: float) -> list[Shot]:
        with self._lock:
            return [s for s in self.shots if start <= s.started < end]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def summary(shots: list[Shot]) -> str:
    ms = [s.seconds * 1000 for s in shots]
    statuses: dict[int, int] = {}
    for s in shots:
        statuses[s.status] = statuses.get(s.status, 0) + 1
    return (
        f"{len(shots)} requests, statuses {dict(sorted(statuses.items()))}, "
        f"p50 {percentile(ms, 0.5):.0f} ms, p99 {percentile(ms, 0.99):.0f} ms, "
        f"max {max(ms, default=0):.0f} ms"
    )
