"""Fixtures for the WeChat webhook tests: a stub engine whose answers the tests choose.

The real engine is being rebuilt elsewhere; these tests pin the webhook's behaviour, not the
engine's answers, so every test that cares about an answer installs ``StubBot``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

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
