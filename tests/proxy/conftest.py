"""Fixtures for the proxy tests: the sandbox core over real HTTP, clients for it, and cores that
hang, fail or are not there."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from proxy_helpers import Admin
from proxy_servers import LiveServer, SilentSocket, StubCore

from proxy.breaker import CircuitBreaker
from proxy.client import HttpCoreServices
from proxy.sandbox import SandboxCore, create_sandbox_app


@pytest.fixture
def sandbox_core(tmp_path: Path) -> Iterator[SandboxCore]:
    core = SandboxCore(f"sqlite:///{tmp_path / 'sandbox_core.db'}")
    yield core
    core.close()


@pytest.fixture
def sandbox(sandbox_core: SandboxCore) -> Iterator[LiveServer]:
    """The sandbox core over real HTTP on a free port; ``stop()`` and ``start()`` again keep the
    port and the data."""
    server = LiveServer(create_sandbox_app(core=sandbox_core)).start()
    yield server
    server.stop()


@pytest.fixture
def admin(sandbox: LiveServer) -> Admin:
    return Admin(sandbox.url)


@pytest.fixture
def core(sandbox: LiveServer) -> Iterator[HttpCoreServices]:
    """The HTTP client, as the bot uses it, pointed at the sandbox."""
    client = HttpCoreServices(sandbox.url)
    yield client
    client.close()


@pytest.fixture
def make_client() -> Iterator[Any]:
    """Build clients with test-specific settings; all are closed afterwards."""
    made: list[HttpCoreServices] = []

    def make(
        base_url: str, *, threshold: int = 3, reset_after: float = 30.0, **kwargs: Any
    ) -> HttpCoreServices:
        client = HttpCoreServices(
            base_url, breaker=CircuitBreaker(threshold, reset_after), **kwargs
        )
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def silent_core() -> Iterator[SilentSocket]:
    server = SilentSocket()
    yield server
    server.close()


@pytest.fixture
def stub_core() -> Iterator[StubCore]:
    stub = StubCore()
    yield stub
    stub.close()
