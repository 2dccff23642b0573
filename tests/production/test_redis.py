"""Redis: rate limits and retry claims shared by every process, one WeChat access_token for all
workers, and the same features from process memory and the database when Redis is down."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from shebao.ratelimit import RateLimiter
from shebao.redis import RedisClaims, RedisHub
from webhooks.wechat.token import SharedTokenClient

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def test_the_rate_limit_is_shared_by_every_process(redis_url: str) -> None:
    user = f"o-{uuid.uuid4().hex}"
    # Two limiters stand for two workers (or hosts): they share the count through Redis.
    a, b = (RateLimiter(RedisHub(redis_url), limit=5, window=60) for _ in range(2))
    verdicts = [(a if n % 2 else b).allow(user) for n in range(8)]
    assert verdicts == [True] * 5 + [False] * 3
    assert a.allow(f"o-{uuid.uuid4().hex}")  # others are not affected


def test_without_redis_the_rate_limit_counts_in_memory() -> None:
    limiter = RateLimiter(RedisHub(DEAD_REDIS), limit=3, window=60)
    started = time.monotonic()
    assert [limiter.allow("o-x") for _ in range(5)] == [True] * 3 + [False] * 2
    assert time.monotonic() - started < 2  # the breaker: one failed connect, not five
    assert RateLimiter(None, limit=1).allow("o-y") is True


def test_retry_claims(redis_url: str) -> None:
    claims = RedisClaims(RedisHub(redis_url), "test-msg", ttl_seconds=30)
    key = f"msg:{uuid.uuid4().hex}"
    assert claims.claim(key) is True
    assert claims.claim(key) is False
    claims.release(key)
    assert claims.claim(key) is True
    assert RedisClaims(RedisHub(DEAD_REDIS), "test-msg").claim(key) is None  # can't say


def test_the_hub_recovers_after_its_breaker(redis_url: str) -> None:
    hub = RedisHub(redis_url, retry_after=0.2)
    hub._down_until = time.monotonic() + 0.2  # as after a failure
    assert hub.call("x", lambda r: r.ping(), "fallback") == "fallback"
    time.sleep(0.25)
    assert hub.call("x", lambda r: bool(r.ping()), False) is True


class StubWeChat:
    """WeChat's token and customer-service endpoints, counting what they are asked."""

    def __init__(self) -> None:
        self.tokens = 0
        self.forced: list[bool] = []  # force_refresh of each token fetch
        self.sends: list[str] = []
        self.refused: set[str] = set()  # tokens answered with 40001
        self.lock = threading.Lock()

        @Request.application
        def app(request: Request) -> Response:
            if request.path.endswith("/stable_token"):
                body = request.get_json()
                assert body["grant_type"] == "client_credential"
                with self.lock:
                    self.tokens += 1
                    self.forced.append(body["force_refresh"])
                    n = self.tokens
                time.sleep(0.2)  # a slow fetch: the others must wait for it, not fetch too
                return Response(
                    json.dumps({"access_token": f"T{n}", "expires_in": 7200}),
                    mimetype="application/json",
                )
            if request.path.endswith("/message/custom/send"):
                token = request.args["access_token"]
                if token in self.refused:
                    return Response(
                        '{"errcode": 40001, "errmsg": "invalid credential"}',
                        mimetype="application/json",
                    )
                with self.lock:
                    self.sends.append(token)
                return Response('{"errcode": 0, "errmsg": "ok"}', mimetype="application/json")
            return Response("{}", 404)

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.server.server_port}/cgi-bin/"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def stub_wechat() -> Iterator[StubWeChat]:
    stub = StubWeChat()
    yield stub
    stub.close()


def _send_from(clients: list[SharedTokenClient]) -> None:
    threads = [
        threading.Thread(target=c.message.send_text, args=("o-user", "您好")) for c in clients
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)


def test_one_access_token_for_every_worker(redis_url: str, stub_wechat: StubWeChat) -> None:
    appid = f"wx{uuid.uuid4().hex[:16]}"  # a fresh key space in the shared Redis
    # Six clients with their own hubs stand for six worker processes.
    clients = [
        SharedTokenClient(appid, "secret", hub=RedisHub(redis_url), api_base_url=stub_wechat.base)
        for _ in range(6)
    ]
    _send_from(clients)
    assert stub_wechat.tokens == 1 and stub_wechat.forced == [False]
    assert stub_wechat.sends == ["T1"] * 6
    assert sum(c.fetches for c in clients) == 1

    # WeChat refuses T1 (say the secret was reset): one worker asks for a new token, the
    # others find it stored.
    stub_wechat.refused.add("T1")
    _send_from(clients[:3])
    assert stub_wechat.forced == [False, True]
    assert stub_wechat.sends[6:] == ["T2"] * 3


def test_without_redis_each_process_keeps_its_own_token(stub_wechat: StubWeChat) -> None:
    clients = [
        SharedTokenClient(
            "wxnoredis", "secret", hub=RedisHub(DEAD_REDIS), api_base_url=stub_wechat.base
        )
        for _ in range(2)
    ]
    _send_from(clients)
    _send_from(clients)
    assert stub_wechat.tokens == 2  # one per "process", then reused from memory
    assert len(stub_wechat.sends) == 4


def test_readyz_says_degraded_while_redis_is_down(app_factory: Any) -> None:
    app = app_factory(redis_url=DEAD_REDIS)
    app.extensions["shebao"].warm()
    response = app.test_client().get("/readyz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "degraded"
    assert body["database"]["ok"] is True and body["redis"]["ok"] is False


def test_readyz_ok_and_metrics(app_factory: Any, redis_url: str) -> None:
    app = app_factory(redis_url=redis_url)
    app.extensions["shebao"].warm()
    client = app.test_client()
    body = client.get("/readyz").get_json()
    assert body["status"] == "ok" and body["redis"]["ok"] is True
    assert client.get("/readyz").headers["X-Request-Id"]
    assert (
        client.get("/healthz", headers={"X-Request-Id": "lb-123"}).headers["X-Request-Id"]
        == "lb-123"
    )
    text = client.get("/metrics").get_data(as_text=True)
    assert 'shebao_http_requests_total{endpoint="health.readyz",method="GET",status="200"}' in text
    assert 'shebao_outbox_jobs{status="pending"} 0.0' in text


@pytest.fixture
def app_factory(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from app import create_app

    made: list[Any] = []

    def make(**settings: Any) -> Any:
        for name in ("DATABASE_URL", "REDIS_URL", "CORE_BASE_URL", "METRICS_TOKEN"):
            monkeypatch.delenv(name, raising=False)
        app = create_app(
            {"TESTING": True, "database_url": f"sqlite:///{tmp_path / 'r.db'}", **settings}
        )
        made.append(app)
        return app

    yield make
    for app in made:
        runtime = app.extensions.get("wechat")
        if runtime is not None:
            runtime.shutdown()
        app.extensions["shebao"].db.engine.dispose()


def test_readyz_is_warming_until_the_engine_is_ready(app_factory: Any, redis_url: str) -> None:
    app = app_factory(redis_url=redis_url)
    services = app.extensions["shebao"]
    client = app.test_client()
    first = client.get("/readyz")  # nobody warmed this app: the check starts it
    assert first.status_code == 503 and first.get_json()["status"] == "warming"
    assert services.warmed.wait(timeout=60)
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["engine"]["warm"] is True
    assert ready.get_json()["engine"]["seconds"] > 0
