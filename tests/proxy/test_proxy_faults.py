"""A hanging, failing, dead and restarted core: the client answers within its budget, retries
reads only, opens its circuit, and recovers. Budgets are asserted generously, never benchmarked."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from proxy_helpers import CHEN, Admin, application_request, bind
from proxy_servers import LiveServer, SilentSocket, StubCore, free_port, wait_until

from proxy.breaker import BreakerState
from proxy.client import HttpCoreServices
from proxy.core import CoreUnavailable
from proxy.sandbox.seed import person_ref

CHEN_REF = person_ref(CHEN.id_number)
ELIGIBILITY = {
    "person_ref": CHEN_REF,
    "contribution_months": 85,
    "eligible": True,
    "reason": "符合条件",
    "separation": None,
}
MakeClient = Callable[..., HttpCoreServices]


def timed(call: Callable[[], Any]) -> tuple[BaseException | None, float]:
    started = time.monotonic()
    try:
        call()
    except Exception as exc:  # noqa: BLE001 - the test inspects it
        return exc, time.monotonic() - started
    return None, time.monotonic() - started


def test_a_core_that_never_answers_costs_at_most_the_budget(
    silent_core: SilentSocket, make_client: MakeClient
) -> None:
    core = make_client(silent_core.url)  # defaults: read 1.5 s, 2.5 s per call

    read_error, read_took = timed(lambda: core.unemployment_eligibility(CHEN_REF))
    create_error, create_took = timed(
        lambda: core.create_unemployment_application(
            application_request(CHEN_REF), idempotency_key="k"
        )
    )

    assert isinstance(read_error, CoreUnavailable) and read_error.code == "timeout"
    assert "超时" in read_error.message
    assert read_took < 4.0  # within WeChat's 5 s, with room for the reply
    assert isinstance(create_error, CoreUnavailable)
    assert create_error.may_have_succeeded is True  # sent, no answer: re-send with the same key
    assert create_took < 3.0


def test_a_core_that_is_not_there_fails_at_once(make_client: MakeClient) -> None:
    core = make_client(f"http://127.0.0.1:{free_port()}")

    error, took = timed(
        lambda: core.create_unemployment_application(
            application_request(CHEN_REF), idempotency_key="k"
        )
    )

    assert isinstance(error, CoreUnavailable) and error.code == "unavailable"
    assert error.may_have_succeeded is False  # never reached the core
    assert took < 2.0


def test_reads_are_retried_with_backoff_and_creates_are_not(
    stub_core: StubCore, make_client: MakeClient
) -> None:
    core = make_client(stub_core.url, read_retries=2, threshold=10)
    stub_core.script = [(503, {}), (502, {}), (200, ELIGIBILITY)]

    assert core.unemployment_eligibility(CHEN_REF).eligible is True
    assert stub_core.count("GET") == 3

    stub_core.script = []  # every answer is now 503
    with pytest.raises(CoreUnavailable) as failed:
        core.create_unemployment_application(application_request(CHEN_REF), idempotency_key="k-9")
    assert stub_core.count("POST") == 1
    assert failed.value.may_have_succeeded is True
    (post,) = [r for r in stub_core.requests if r["method"] == "POST"]
    assert post["headers"]["Idempotency-Key"] == "k-9"
    assert post["headers"]["X-Request-Id"]


def test_retries_stop_at_the_bound(stub_core: StubCore, make_client: MakeClient) -> None:
    core = make_client(stub_core.url, read_retries=2, threshold=10)
    with pytest.raises(CoreUnavailable):
        core.unemployment_eligibility(CHEN_REF)
    assert stub_core.count("GET") == 3


def test_refusals_are_not_retried(stub_core: StubCore, make_client: MakeClient) -> None:
    core = make_client(stub_core.url, read_retries=2)
    stub_core.fallback = (404, {"error": {"code": "not_found", "message": "没有查到。"}})
    with pytest.raises(Exception, match="没有查到"):
        core.unemployment_eligibility(CHEN_REF)
    assert stub_core.count() == 1


def test_an_answer_off_contract_is_a_failure_not_a_crash(
    stub_core: StubCore, make_client: MakeClient
) -> None:
    core = make_client(stub_core.url)
    stub_core.script = [(200, {"person_ref": CHEN_REF, "eligible": "yes"})]
    with pytest.raises(CoreUnavailable):
        core.unemployment_eligibility(CHEN_REF)


def test_the_circuit_opens_after_failures_and_closes_after_the_cool_down(
    stub_core: StubCore, make_client: MakeClient
) -> None:
    core = make_client(stub_core.url, read_retries=0, threshold=2, reset_after=0.5)

    for _ in range(2):
        with pytest.raises(CoreUnavailable):
            core.unemployment_eligibility(CHEN_REF)
    assert core.breaker.state is BreakerState.OPEN

    error, took = timed(lambda: core.unemployment_eligibility(CHEN_REF))
    assert isinstance(error, CoreUnavailable)
    assert stub_core.count() == 2  # refused without asking the core
    assert took < 0.5

    stub_core.fallback = (200, ELIGIBILITY)
    assert wait_until(lambda: core.breaker.state is BreakerState.HALF_OPEN)
    assert core.unemployment_eligibility(CHEN_REF).eligible is True
    assert core.breaker.state is BreakerState.CLOSED
    assert stub_core.count() == 3


def test_refusals_do_not_open_the_circuit(core: HttpCoreServices) -> None:
    for _ in range(5):
        with pytest.raises(Exception, match="没有查到"):
            core.contributions("psn_nobody")
    assert core.breaker.state is BreakerState.CLOSED


def test_a_slow_sandbox_times_out_and_the_create_still_happens_once(
    sandbox: LiveServer, admin: Admin, make_client: MakeClient
) -> None:
    core = make_client(sandbox.url, timeout=0.5)
    chen = bind(core, CHEN)
    request = application_request(chen.person_ref)
    admin.faults(delay_seconds=1.5, times=1)

    with pytest.raises(CoreUnavailable) as unknown:
        core.create_unemployment_application(request, idempotency_key="slow-1")
    assert unknown.value.may_have_succeeded is True

    # the caller re-sends with the same key; the first request may still be in the core
    resent = core.create_unemployment_application(request, idempotency_key="slow-1")
    assert wait_until(sandbox.idle)
    listed = core.unemployment_applications(chen.person_ref)
    assert [a.application_id for a in listed] == [resent.application_id]


def test_core_stopped_then_restarted_the_client_recovers(
    sandbox: LiveServer, make_client: MakeClient
) -> None:
    core = make_client(sandbox.url, threshold=2, reset_after=0.3)
    chen = bind(core, CHEN)
    request = application_request(chen.person_ref)
    assert core.unemployment_eligibility(chen.person_ref).eligible is True

    sandbox.stop()
    with pytest.raises(CoreUnavailable) as down:
        core.create_unemployment_application(request, idempotency_key="resend-1")
    assert down.value.may_have_succeeded is False
    with pytest.raises(CoreUnavailable):
        core.unemployment_eligibility(chen.person_ref)
    assert core.breaker.state is BreakerState.OPEN
    with pytest.raises(CoreUnavailable):  # open: refused at once
        core.unemployment_eligibility(chen.person_ref)

    sandbox.start()  # same port, same data
    assert wait_until(lambda: core.breaker.state is BreakerState.HALF_OPEN)
    assert core.unemployment_eligibility(chen.person_ref).eligible is True
    assert core.breaker.state is BreakerState.CLOSED

    first = core.create_unemployment_application(request, idempotency_key="resend-1")
    again = core.create_unemployment_application(request, idempotency_key="resend-1")
    assert again.application_id == first.application_id
    assert len(core.unemployment_applications(chen.person_ref)) == 1
