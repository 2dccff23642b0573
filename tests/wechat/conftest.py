"""Fixtures for the WeChat webhook tests: a stub engine whose answers the tests choose, and
WeChat's own API stubbed at the HTTP boundary (``wechat_api``).

The real engine is being rebuilt elsewhere; these tests pin the webhook's behaviour, not the
engine's answers, so every test that cares about an answer installs ``StubBot``.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from flask import Flask

from bot.types import Message, Reply


class StubBot:
    """Answers ``answer(text)`` after ``delay`` seconds and remembers every message."""

    def __init__(self, answer: Callable[[str], str] | None = None, delay: float = 0.0) -> None:
        self.answer = answer or (lambda text: f"答复：{text}")
        self.delay = delay
        self.calls: list[Message] = []
        self._lock = threading.Lock()

    def handle(self, message: Message) -> Reply:
        with self._lock:
            self.calls.append(message)
        if self.delay:
            time.sleep(self.delay)
        return Reply(text=self.answer(message.text), intent="policy.faq", confidence=0.9)

    @property
    def texts(self) -> list[str]:
        return [m.text for m in self.calls]


@pytest.fixture
def stub_bot(app: Flask) -> Callable[..., StubBot]:
    """Install a ``StubBot(answer=…, delay=…)`` as the app's engine and return it."""

    def install(answer: Callable[[str], str] | None = None, delay: float = 0.0) -> StubBot:
        stub = StubBot(answer, delay)
        # Services.bot is a cached_property: setting the instance attribute replaces it.
        app.extensions["shebao"].__dict__["bot"] = stub
        return stub

    return install


@pytest.fixture
def bot(stub_bot: Callable[..., StubBot]) -> StubBot:
    """The default stub engine: answers 答复：<text> at once."""
    return stub_bot()


@pytest.fixture
def wait_for() -> Callable[..., object]:
    return _wait_for


def _wait_for(predicate: Callable[[], object], timeout: float = 5.0) -> object:
    """Poll ``predicate`` until it returns something truthy (or fail after ``timeout``)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(0.02)


class StubWeChatApi:
    """WeChat's API at the HTTP boundary (``WECHAT_API_BASE_URL``): stable_token, customer-service
    and template sends, menu/create; keeps each call's path, query and JSON body in ``calls``.

    ``fail_next`` answers that many sends with errcode 45015, as WeChat does when the user has
    not written within 48 hours."""

    def __init__(self) -> None:
        from werkzeug.serving import make_server
        from werkzeug.wrappers import Request, Response

        self.calls: list[tuple[str, dict[str, str], dict[str, object]]] = []
        self.fail_next = 0
        self.tokens = 0
        self._lock = threading.Lock()

        @Request.application
        def api(request: Request) -> Response:
            body = json.loads(request.get_data() or b"{}")
            path = request.path.removeprefix("/cgi-bin/")
            with self._lock:
                self.calls.append((path, dict(request.args), body))
                if path == "stable_token":
                    self.tokens += 1
                    answer: dict[str, object] = {
                        "access_token": f"TOKEN{self.tokens}",
                        "expires_in": 7200,
                    }
                elif self.fail_next and path.startswith("message/"):
                    self.fail_next -= 1
                    answer = {"errcode": 45015, "errmsg": "response out of time limit"}
                elif path in ("message/custom/send", "message/template/send", "menu/create"):
                    answer = {"errcode": 0, "errmsg": "ok"}
                else:
                    return Response("{}", 404, mimetype="application/json")
            return Response(json.dumps(answer), mimetype="application/json")

        self.server = make_server("127.0.0.1", 0, api, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.server.server_port}/cgi-bin/"

    def sent(self, path: str) -> list[dict[str, object]]:
        """The JSON bodies posted to ``path`` (``message/custom/send`` …), oldest first."""
        return [body for p, _, body in self.calls if p == path]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def wechat_api() -> Iterator[StubWeChatApi]:
    stub = StubWeChatApi()
    yield stub
    stub.close()
