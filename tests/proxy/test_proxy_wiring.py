"""How the bot gets its CoreServices, the in-process sandbox, the command line, and the logs."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from proxy_helpers import CHEN, HUANG, PERSONAL_DATA, Admin, application_request, bind
from proxy_servers import LiveServer, free_port, wait_until

from proxy.client import HttpCoreServices
from proxy.core import CoreServices, CoreUnavailable, IdentityMismatch, NotEligible, WrongCode
from proxy.factory import make_core_services, sandbox_database_url
from proxy.sandbox import InProcessCoreServices
from shebao.settings import Settings


def test_without_core_base_url_the_sandbox_runs_in_process_next_to_the_main_db(
    tmp_path: Path,
) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'shebao.db'}")

    core = make_core_services(settings)

    assert isinstance(core, InProcessCoreServices)
    assert isinstance(core, CoreServices)
    assert (tmp_path / "sandbox_core.db").exists()
    assert bind(core, CHEN).region == "江门市"
    core.core.close()


def test_in_memory_main_db_means_in_memory_sandbox() -> None:
    assert sandbox_database_url(Settings(database_url="sqlite://")) == "sqlite://"
    assert sandbox_database_url(Settings(database_url="sqlite:///:memory:")) == "sqlite://"
    explicit = Settings(sandbox_database_url="sqlite:////x/y.db")
    assert sandbox_database_url(explicit) == "sqlite:////x/y.db"


def test_with_core_base_url_the_client_is_http() -> None:
    core = make_core_services(Settings(core_base_url="https://core.example.invalid/"))
    assert isinstance(core, HttpCoreServices)
    assert isinstance(core, CoreServices)
    assert core.base_url == "https://core.example.invalid"
    core.close()


def test_in_process_sandbox_behaves_like_the_http_one() -> None:
    core = InProcessCoreServices.from_url("sqlite://")
    chen = bind(core, CHEN)
    request = application_request(chen.person_ref)
    first = core.create_unemployment_application(request, idempotency_key="ip-1")
    again = core.create_unemployment_application(request, idempotency_key="ip-1")
    assert again.application_id == first.application_id
    with pytest.raises(NotEligible):
        huang = bind(core, HUANG)
        core.create_unemployment_application(
            application_request(huang.person_ref), idempotency_key="ip-2"
        )
    with pytest.raises(WrongCode):
        v = core.start_verification(CHEN.id_number, CHEN.name, CHEN.phone)
        core.confirm_verification(v.verification_id, "111111")
    core.core.close()


def test_in_process_sandbox_obeys_planned_faults() -> None:
    from proxy.sandbox.faults import FaultPlan

    core = InProcessCoreServices.from_url("sqlite://")
    core.core.faults.set(FaultPlan(fail_status=503, times=1))
    with pytest.raises(CoreUnavailable):
        bind(core, CHEN)
    assert bind(core, CHEN).region == "江门市"
    core.core.close()


def test_logs_never_hold_full_id_or_phone_numbers(
    sandbox: LiveServer, admin: Admin, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    core = HttpCoreServices(sandbox.url)
    try:
        chen = bind(core, CHEN)
        with pytest.raises(IdentityMismatch):
            core.start_verification(HUANG.id_number, HUANG.name, CHEN.phone)
        admin.faults(fail_status=503, times=3)
        with pytest.raises(CoreUnavailable):
            core.create_unemployment_application(
                application_request(chen.person_ref), idempotency_key="log-1"
            )
        admin.clear_faults()
        core.create_unemployment_application(
            application_request(chen.person_ref), idempotency_key="log-1"
        )
    finally:
        core.close()
    assert "core POST /v1/unemployment-applications" in caplog.text  # it does log
    for number in PERSONAL_DATA:
        assert number not in caplog.text


def test_the_sandbox_core_command_serves_over_http(tmp_path: Path) -> None:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "proxy.cli",
        "--port",
        str(port),
        "--database-url",
        f"sqlite:///{tmp_path / 'cli_core.db'}",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:

        def up() -> bool:
            try:
                return requests.get(f"http://127.0.0.1:{port}/v1/health", timeout=1).ok
            except requests.ConnectionError:
                return False

        assert wait_until(up, timeout=20)
        core = HttpCoreServices(f"http://127.0.0.1:{port}")
        assert bind(core, CHEN).name_masked == "陈*明"
        core.close()
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=10)
    assert "陈小明" in output.decode()
