"""Fixtures for the mini-program API: the app (module-wide, its core services the sandbox over
real HTTP), a fresh sandbox data set per test, and an ``mp`` helper that logs in and calls.

Logging in with a new code makes a new mini-program user (the development stand-in for
code2Session derives the openid from the code), so tests do not share users.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from dbutil import DatabaseTemplate
from flask import Flask
from flask.testing import FlaskClient
from testenv import clear_service_env
from werkzeug.test import TestResponse

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "proxy"))

from proxy_servers import LiveServer  # noqa: E402  (the proxy tests' server helper)

from app import create_app  # noqa: E402
from proxy.sandbox import SandboxCore, create_sandbox_app  # noqa: E402

CHEN = {"id_number": "440703199001011239", "name": "陈小明", "phone": "13800138000"}
HUANG = {"id_number": "440781198808083019", "name": "黄志强", "phone": "13700137000"}


class SandboxServer:
    """One HTTP server for the module; ``reset`` gives it a fresh data set (a new file)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.core = SandboxCore(f"sqlite:///{folder / 'core-0.db'}")
        self.app = create_sandbox_app(core=self.core)
        self.server = LiveServer(self.app).start()
        self.generation = 0

    @property
    def url(self) -> str:
        return self.server.url

    def reset(self) -> None:
        self.generation += 1
        old = self.core
        self.core = SandboxCore(f"sqlite:///{self.folder / f'core-{self.generation}.db'}")
        self.app.extensions["sandbox_core"] = self.core
        old.close()

    def close(self) -> None:
        self.server.stop()
        self.core.close()


@pytest.fixture(scope="module")
def core_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxServer]:
    server = SandboxServer(tmp_path_factory.mktemp("core"))
    yield server
    server.close()


@pytest.fixture(scope="module")
def mp_app(
    core_server: SandboxServer,
    database_template: DatabaseTemplate,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Flask]:
    with pytest.MonkeyPatch.context() as patch:
        clear_service_env(patch)  # a module fixture: set up before each test's own clearing
        folder = tmp_path_factory.mktemp("mp")
        app = create_app(
            {
                "TESTING": True,
                "database_url": database_template.copy(folder, "mp.db"),
                "core_base_url": core_server.url,
                "secret_key": "mp-test-secret",
            }
        )
        yield app
        shebao = app.extensions["shebao"]
        core = shebao.__dict__.get("bot") and shebao.bot.__dict__.get("core")
        if core is not None:
            core.close()
        runtime = app.extensions.get("wechat")
        if runtime is not None:
            runtime.shutdown(wait=True)
        shebao.db.engine.dispose()


@pytest.fixture
def fresh_core(core_server: SandboxServer) -> SandboxServer:
    core_server.reset()
    return core_server


class MiniProgram:
    """A mini-program user: ``login()``, then ``get``/``post``/``delete`` with the token."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.token: str | None = None
        self.code = f"code-{uuid.uuid4().hex}"

    def login(self) -> MiniProgram:
        r = self.client.post("/api/mp/login", json={"code": self.code})
        assert r.status_code == 200, r.get_data(as_text=True)
        self.token = r.get_json()["token"]
        return self

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return headers | (extra or {})

    def get(self, path: str, **kw: Any) -> TestResponse:
        return self.client.get(
            "/api/mp" + path, headers=self._headers(kw.pop("headers", None)), **kw
        )

    def post(self, path: str, json: Any = None, **kw: Any) -> TestResponse:
        return self.client.post(
            "/api/mp" + path, json=json, headers=self._headers(kw.pop("headers", None)), **kw
        )

    def delete(self, path: str) -> TestResponse:
        return self.client.delete("/api/mp" + path, headers=self._headers(None))

    def bind(self, citizen: dict[str, str]) -> None:
        assert self.post("/binding/start", citizen).status_code == 200
        r = self.post("/binding/confirm", {"code": "123456"})
        assert r.status_code == 200 and r.get_json()["bound"] is True, r.get_data(as_text=True)


@pytest.fixture
def mp(mp_app: Flask) -> MiniProgram:
    return MiniProgram(mp_app.test_client()).login()


@pytest.fixture
def anonymous(mp_app: Flask) -> MiniProgram:
    return MiniProgram(mp_app.test_client())
