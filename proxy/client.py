"""``HttpCoreServices``: the core services over HTTPS JSON (proxy/openapi.yaml), made safe to call
from a 5-second WeChat reply.

- Every attempt has a timeout (connect 0.5 s, read 1.5 s by default) and every call a total
  budget (2.5 s): no call outlives it by more than a rounding error.
- Reads (GET) are retried a bounded number of times with exponential back-off and jitter, on
  connection failures, timeouts and 502/503/504, while the budget lasts. Creates (POST) are sent
  once: they carry the caller's ``Idempotency-Key``, and if the outcome is unknown the caller
  re-sends later with the same key (``CoreUnavailable.may_have_succeeded``).
- A circuit breaker turns a dead core into an immediate ``CoreUnavailable``.
- Failures become ``proxy.errors`` exceptions with a sentence a citizen understands; log lines go
  through ``shebao.masking`` and never contain request bodies.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import NewConnectionError

from proxy import codec
from proxy.breaker import CircuitBreaker
from proxy.errors import CoreError, CoreRejected, CoreUnavailable, NotFound, error_from_payload
from proxy.types import (
    CardLossReport,
    Contributions,
    Identity,
    InsuranceType,
    PensionPayments,
    UnemploymentApplication,
    UnemploymentApplicationRequest,
    UnemploymentEligibility,
    Verification,
)
from shebao import metrics
from shebao.masking import mask_text

log = logging.getLogger(__name__)

T = TypeVar("T")

_RETRYABLE_STATUS = frozenset({502, 503, 504})


class HttpCoreServices:
    """The ``CoreServices`` of proxy/core.py over HTTP(S)."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 1.5,
        connect_timeout: float = 0.5,
        budget: float = 2.5,
        read_retries: int = 2,
        backoff: float = 0.1,
        breaker: CircuitBreaker | None = None,
        token: str | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.budget = budget
        self.read_retries = max(0, read_retries)
        self.backoff = backoff
        self.breaker = breaker or CircuitBreaker()
        self._token = token
        self._sleep = sleep
        self.session = session or _new_session()

    def close(self) -> None:
        """Close the pooled connections."""
        self.session.close()

    # -- the CoreServices methods -------------------------------------------------------------

    def start_verification(self, id_number: str, name: str, phone: str) -> Verification:
        body = {"id_number": id_number, "name": name, "phone": phone}
        return self._call(Verification, "POST", "/v1/identity/verifications", body=body)

    def confirm_verification(self, verification_id: str, code: str) -> Identity:
        path = f"/v1/identity/verifications/{_seg(verification_id)}/confirm"
        return self._call(Identity, "POST", path, body={"code": code})

    def contributions(
        self,
        person_ref: str,
        *,
        insurance_type: InsuranceType | None = None,
        from_month: str | None = None,
        to_month: str | None = None,
    ) -> Contributions:
        params = {"type": insurance_type, "from": from_month, "to": to_month}
        path = f"/v1/persons/{_seg(person_ref)}/contributions"
        return self._call(Contributions, "GET", path, params=params)

    def pension_payments(
        self, person_ref: str, *, from_month: str | None = None, to_month: str | None = None
    ) -> PensionPayments:
        path = f"/v1/persons/{_seg(person_ref)}/pension-payments"
        return self._call(PensionPayments, "GET", path, params={"from": from_month, "to": to_month})

    def unemployment_eligibility(self, person_ref: str) -> UnemploymentEligibility:
        path = f"/v1/persons/{_seg(person_ref)}/unemployment-eligibility"
        return self._call(UnemploymentEligibility, "GET", path)

    def create_unemployment_application(
        self, request: UnemploymentApplicationRequest, *, idempotency_key: str
    ) -> UnemploymentApplication:
        return self._call(
            UnemploymentApplication,
            "POST",
            "/v1/unemployment-applications",
            body=codec.to_json(request),
            idempotency_key=idempotency_key,
        )

    def unemployment_application(self, application_id: str) -> UnemploymentApplication:
        path = f"/v1/unemployment-applications/{_seg(application_id)}"
        return self._call(UnemploymentApplication, "GET", path)

    def unemployment_applications(self, person_ref: str) -> list[UnemploymentApplication]:
        path = f"/v1/persons/{_seg(person_ref)}/unemployment-applications"
        return list(self._call(_ApplicationList, "GET", path).applications)

    def report_card_loss(self, person_ref: str, *, idempotency_key: str) -> CardLossReport:
        path = f"/v1/persons/{_seg(person_ref)}/card-loss-reports"
        return self._call(CardLossReport, "POST", path, body={}, idempotency_key=idempotency_key)

    # -- plumbing -----------------------------------------------------------------------------

    def _call(
        self,
        result_type: type[T],
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
        idempotency_key: str | None = None,
    ) -> T:
        if idempotency_key is not None and not 1 <= len(idempotency_key) <= 255:
            raise ValueError("an idempotency key is 1 to 255 characters")
        if not self.breaker.allow():
            log.warning("core %s %s refused: circuit open", method, mask_text(path))
            metrics.core_error("circuit_open")
            raise CoreUnavailable()
        healthy = False
        try:
            payload = self._send(method, path, params, body, idempotency_key)
            try:
                result = codec.from_json(result_type, payload)
            except codec.DecodeError as exc:
                log.error("core %s %s: answer off contract: %s", method, mask_text(path), exc)
                raise CoreUnavailable(code="internal") from exc
            healthy = True
            return result
        except CoreRejected:
            healthy = True  # the core answered; it is up
            raise
        except CoreUnavailable as exc:
            metrics.core_error(exc.code)
            raise
        finally:
            if healthy:
                self.breaker.record_success()
            else:
                self.breaker.record_failure()

    def _send(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None,
        body: Any,
        idempotency_key: str | None,
    ) -> Any:
        url = self.base_url + path
        headers = {"Accept": "application/json", "X-Request-Id": uuid.uuid4().hex}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        query = {k: str(v) for k, v in (params or {}).items() if v is not None}
        is_read = method == "GET"
        attempts = 1 + (self.read_retries if is_read else 0)
        deadline = time.monotonic() + self.budget
        failure: CoreUnavailable | None = None
        for attempt in range(attempts):
            remaining = deadline - time.monotonic()
            if attempt and remaining < self.connect_timeout:
                break
            timeout = (min(self.connect_timeout, remaining), min(self.timeout, remaining))
            started = time.monotonic()
            try:
                response = self.session.request(
                    method,
                    url,
                    params=query,
                    json=body,
                    headers=headers,
                    timeout=timeout,
                    allow_redirects=False,
                )
            except requests.RequestException as exc:
                failure = _unavailable(exc, sent=not _never_sent(exc) and not is_read)
                log.warning(
                    "core %s %s attempt %d failed after %.0f ms: %s [%s]",
                    method,
                    mask_text(path),
                    attempt + 1,
                    (time.monotonic() - started) * 1000,
                    type(exc).__name__,
                    headers["X-Request-Id"],
                )
            else:
                log.info(
                    "core %s %s -> %d in %.0f ms [%s]",
                    method,
                    mask_text(path),
                    response.status_code,
                    (time.monotonic() - started) * 1000,
                    headers["X-Request-Id"],
                )
                if not (is_read and response.status_code in _RETRYABLE_STATUS):
                    return _interpret(response, may_have_succeeded=not is_read)
                failure = CoreUnavailable()
            if attempt + 1 < attempts:
                pause = self.backoff * (2**attempt) * random.uniform(0.5, 1.0)
                pause = min(pause, max(0.0, deadline - time.monotonic() - self.connect_timeout))
                if pause > 0:
                    self._sleep(pause)
        assert failure is not None
        raise failure


@dataclass(frozen=True)
class _ApplicationList:
    """The list endpoint's envelope ``{"applications": [...]}``."""

    applications: tuple[UnemploymentApplication, ...]


def _new_session() -> requests.Session:
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=16, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = "shebao-bot/0.1 (+proxy)"
    return session


def _seg(value: str) -> str:
    return quote(str(value), safe="")


def _never_sent(exc: requests.RequestException) -> bool:
    """True when the request cannot have reached the core: no connection was made."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    inner = exc.args[0] if exc.args else None
    return isinstance(getattr(inner, "reason", None), NewConnectionError)


def _unavailable(exc: requests.RequestException, *, sent: bool) -> CoreUnavailable:
    code = "timeout" if isinstance(exc, requests.Timeout) else "unavailable"
    return CoreUnavailable(code=code, may_have_succeeded=sent)


def _interpret(response: requests.Response, *, may_have_succeeded: bool) -> Any:
    status = response.status_code
    try:
        payload = response.json()
    except ValueError:
        payload = None
    if 200 <= status < 300:
        if payload is None:
            raise CoreUnavailable(code="internal", may_have_succeeded=may_have_succeeded)
        return payload
    error = payload.get("error") if isinstance(payload, dict) else None
    exc: CoreError
    if isinstance(error, dict):
        exc = error_from_payload(status, error)
    elif status == 404:
        exc = NotFound()
    elif 400 <= status < 500 and status != 429:
        exc = CoreRejected()
    else:
        exc = CoreUnavailable()
    if isinstance(exc, CoreUnavailable):
        exc.may_have_succeeded = may_have_succeeded
    log.warning("core answered %d %s: %s", status, exc.code, mask_text(exc.message))
    raise exc
