"""Fixtures for the personal services: the sandbox core over real HTTP, a bot pointed at it, and
a ``chat`` that drives one user's conversation through ``Bot.handle``.

Each test gets its own sandbox (a fresh SQLite file behind werkzeug on a free port; ``stop()``
and ``start()`` keep the port and the data) and its own bot database; the expensive
understanding pipeline (classifier, index) is built once per session and shared.
"""

from __future__ import annotations

import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from dbutil import DatabaseTemplate

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "proxy"))

from proxy_servers import LiveServer  # noqa: E402  (the proxy tests' server helper)

import bot.engine  # noqa: E402
from app.registrations import build_bot  # noqa: E402
from bot.engine import Bot  # noqa: E402
from bot.types import Message, Reply  # noqa: E402
from bot.understanding import Understanding  # noqa: E402
from proxy.sandbox import SandboxCore, create_sandbox_app  # noqa: E402
from proxy.sandbox.seed import person_ref  # noqa: E402
from shebao.db import Database  # noqa: E402
from shebao.settings import Settings  # noqa: E402

CHEN = {"name": "陈小明", "id": "440703199001011239", "phone": "13800138000"}
LI = {"name": "李秀英", "id": "440902195603152422", "phone": "13900139000"}
HUANG = {"name": "黄志强", "id": "440781198808083019", "phone": "13700137000"}
GOOD_CARD = "6217000010001234569"  # passes the Luhn check
BAD_CARD = "6217000010001234567"  # one digit off


class Sandbox:
    """The sandbox core behind a real HTTP server, plus what tests need to look inside it."""

    def __init__(self, path: Path) -> None:
        self.database_url = f"sqlite:///{path}"
        self.core = SandboxCore(self.database_url)
        self.server = LiveServer(create_sandbox_app(core=self.core)).start()

    @property
    def url(self) -> str:
        return self.server.url

    def stop(self) -> None:
        self.server.stop()

    def start(self) -> None:
        self.server.start()

    def applications(self, citizen: dict[str, str]) -> list[Any]:
        return self.core.unemployment_applications(person_ref(citizen["id"]))

    def advance(
        self, application_id: str, status: str | None = None, reason: str | None = None
    ) -> None:
        body = {k: v for k, v in (("status", status), ("reason", reason)) if v}
        r = requests.post(
            f"{self.url}/sandbox/applications/{application_id}/advance", json=body, timeout=5
        )
        assert r.status_code == 200, r.text

    def faults(self, **plan: Any) -> None:
        r = requests.put(f"{self.url}/sandbox/faults", json=plan, timeout=5)
        assert r.status_code == 200, r.text

    def close(self) -> None:
        self.server.stop()
        self.core.close()


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    box = Sandbox(tmp_path / "sandbox_core.db")
    yield box
    box.close()


@pytest.fixture(scope="session")
def understanding(
    database_template: DatabaseTemplate, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Understanding]:
    db = Database(database_template.copy(tmp_path_factory.mktemp("kb"), "kb.db"))
    yield Understanding(db)
    db.engine.dispose()


@pytest.fixture
def make_bot(
    tmp_path: Path,
    tables_template: DatabaseTemplate,
    understanding: Understanding,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Callable[..., Bot]]:
    """``make_bot(core_url)``: a bot with its own database, the shared understanding, and the
    core services the configuration asks for (the HTTP client when a URL is given)."""
    made: list[Bot] = []
    monkeypatch.setattr(
        bot.engine, "Understanding", lambda db, today=None, opinion=None: understanding
    )

    def make(core_url: str | None, **fields: Any) -> Bot:
        db = Database(tables_template.copy(tmp_path, f"bot-{len(made)}.db"))
        settings = Settings(
            database_url=db.url, core_base_url=core_url, secret_key="test-secret", **fields
        )
        engine = build_bot(settings, db)
        made.append(engine)
        return engine

    yield make
    for engine in made:
        core = engine.__dict__.get("core")
        if core is not None and hasattr(core, "close"):
            core.close()
        engine.db.engine.dispose()


@pytest.fixture
def engine(make_bot: Callable[..., Bot], sandbox: Sandbox) -> Bot:
    """The bot, its core services the sandbox over HTTP."""
    return make_bot(sandbox.url)


class Chat:
    """One user's conversation: ``chat("…")`` sends a message and returns the reply."""

    def __init__(self, engine: Bot, user: str | None = None, channel: str = "wechat") -> None:
        self.engine = engine
        self.user = user or f"u-{uuid.uuid4().hex[:12]}"
        self.channel = channel
        self.replies: list[Reply] = []

    @property
    def key(self) -> str:
        return f"{self.channel}:{self.user}"

    def __call__(self, text: str, **kwargs: Any) -> Reply:
        reply = self.engine.handle(Message(self.channel, self.user, text, **kwargs))
        self.replies.append(reply)
        return reply

    def bind(self, citizen: dict[str, str]) -> Reply:
        self("我要实名绑定")
        self(citizen["id"])
        self(citizen["name"])
        self(citizen["phone"])
        reply = self("123456")
        assert "绑定成功" in reply.text, reply.text
        return reply

    @property
    def state(self) -> dict[str, Any]:
        return self.engine.dialogue.load(self.key).data


@pytest.fixture
def chat(engine: Bot) -> Chat:
    return Chat(engine)


@pytest.fixture
def new_chat(engine: Bot) -> Callable[..., Chat]:
    return lambda user=None: Chat(engine, user)


def wechat_app_config(
    database_url: str,
    sandbox: Sandbox,
    understanding: Understanding,
    monkeypatch: pytest.MonkeyPatch,
    reply_budget_seconds: float,
    **extra: Any,
) -> dict[str, Any]:
    """``app_config`` for /wechat through the real engine (the session's shared Understanding)
    and the sandbox core over HTTP."""
    monkeypatch.setattr(
        bot.engine, "Understanding", lambda db, today=None, opinion=None: understanding
    )
    return {
        "database_url": database_url,
        "wechat_token": "test-token",
        "core_base_url": sandbox.url,
        "reply_budget_seconds": reply_budget_seconds,
        **extra,
    }


def text_xml(openid: str, content: str, msg_id: int | None = None) -> str:
    """A text message from ``openid`` as WeChat posts it (a new MsgId unless given)."""
    msg_id = msg_id if msg_id is not None else uuid.uuid4().int % 10**17
    return (
        f"<xml><ToUserName><![CDATA[gh_5b1e2c0d9a77]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>"
    )
