"""Every error /api/mp can answer has a code of one table (webhooks/miniprogram_errors.py) with
its status and a message fit for buttons (issue 15): the OpenAPI document lists exactly that
table, and each code is driven for real here (the sandbox core over HTTP, its fault switch for
an outage, a stand-in WeChat over HTTP for code2Session) and checked for its status, its field
and a message without chat wording."""

from __future__ import annotations

import ast
import re
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from conftest import CHEN, HUANG, MiniProgram, SandboxServer
from flask import Flask, jsonify, request
from proxy_servers import LiveServer
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.test import TestResponse

from bot.personal.validate import id_check_digit
from shebao.ratelimit import RateLimiter
from shebao.settings import Settings
from webhooks import miniprogram
from webhooks import miniprogram_errors as errors
from webhooks.miniprogram_errors import ANY_FIELD, ERRORS, FIELD_LABELS, placeholders

pytestmark = pytest.mark.usefixtures("fixed_clock")  # leaving dates are measured from today

SPEC_PATH = Path(__file__).resolve().parents[2] / "webhooks" / "miniprogram_openapi.yaml"
SPEC = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
APPLICATION = {
    "leaving_date": "2026-10-31",
    "leaving_reason": "layoff",
    "payment_account": {"kind": "social_security_card"},
    "phone": "13800138000",
    "seeking_work": True,
}
#: What chat wording looks like: a command to type back.
CHAT_WORDING = re.compile(r"回复|「[^」]*」")
PLACEHOLDERS = {"label", "max_length", "attempts_left", "until", "reason"}


# -- the table and the document -----------------------------------------------------------------


def test_the_document_has_the_table_written_from_the_code() -> None:
    written = errors.written_schema(SPEC_PATH.read_text(encoding="utf-8"))
    assert written == errors.error_schema(), "run: python -m webhooks.miniprogram_errors"


def test_the_document_and_the_table_agree_code_by_code() -> None:
    """Read back from the parsed document (not the generator's text): the enum, and a row of
    the description's table per code with the same status, field and message."""
    schema = SPEC["components"]["schemas"]["Error"]
    enum = schema["properties"]["error"]["properties"]["code"]["enum"]
    assert enum == list(ERRORS)
    rows = {}
    for line in schema["description"].splitlines():
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        if len(cells) == 5 and cells[0].startswith("`"):
            rows[cells[0].strip("`")] = (int(cells[1]), cells[2].strip("`") or None, cells[3])
    assert rows == {
        code: (e.status, e.field, e.message.replace("|", "\\|")) for code, e in ERRORS.items()
    }
    # Every operation answers its errors in that schema.
    for path, operations in SPEC["paths"].items():
        for method, operation in operations.items():
            assert operation["responses"]["default"] == {"$ref": "#/components/responses/Error"}, (
                method,
                path,
            )


def test_the_views_raise_only_codes_of_the_table() -> None:
    """Every code written in webhooks/miniprogram*.py's ``ApiError(…)``/``error_response(…)``
    is one of the table's (a code outside it would answer 500, not the error meant), and so
    are the codes the views look up (Werkzeug's errors, the fields' forms); bot/personal's
    ``*_problem`` codes are each driven above."""
    used = set(miniprogram._HTTP_CODES.values()) | {c for _, c in miniprogram.PATTERNS.values()}
    for module in SPEC_PATH.parent.glob("miniprogram*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("ApiError", "error_response")
                and node.args
            ):
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    used.add(first.value)
    assert len(used) >= 30 and used <= set(ERRORS), used - set(ERRORS)


def test_the_table_is_worded_for_buttons() -> None:
    for code, entry in ERRORS.items():
        assert re.fullmatch(r"[a-z]+(_[a-z]+)*", code), code
        assert 400 <= entry.status < 600 and entry.meaning, code
        assert not CHAT_WORDING.search(entry.message), (code, entry.message)
        assert placeholders(entry.message) <= PLACEHOLDERS, code
        # An error about whichever field names it in the message.
        assert (entry.field == ANY_FIELD) == ("label" in placeholders(entry.message)) or (
            code == "unknown_parameter"
        ), code
    for text in (
        errors.SUBMITTED,
        errors.SUBMIT_PENDING,
        errors.KEPT,
        errors.OPEN_EXISTS,
        errors.PENDING_EXISTS,
        errors.REASON_VOLUNTARY,
        errors.REASON_SEEKING_WORK,
        errors.REASON_NOT_ELIGIBLE,
        errors.REASON_REFUSED,
    ):
        assert not CHAT_WORDING.search(text), text


# -- driving each one ---------------------------------------------------------------------------


class WeChat:
    """A stand-in for WeChat's code2Session over HTTP: ``refused-…`` codes are refused with
    40029, ``busy-…`` ones answered -1 (system busy); others get an openid."""

    def __init__(self) -> None:
        app = Flask("wechat-stand-in")
        self.asked: list[dict[str, str]] = []

        @app.get("/sns/jscode2session")
        def jscode2session() -> Any:
            self.asked.append(dict(request.args))
            code = request.args.get("js_code", "")
            if code.startswith("refused-"):
                return jsonify({"errcode": 40029, "errmsg": "invalid code"})
            if code.startswith("busy-"):
                return jsonify({"errcode": -1, "errmsg": "system error"})
            return jsonify({"openid": f"o-{code}", "session_key": "sk-" + code})

        self.server = LiveServer(app).start()

    @property
    def cgi_bin(self) -> str:
        return self.server.url + "/cgi-bin/"


@pytest.fixture(scope="module")
def wechat() -> Iterator[WeChat]:
    stand_in = WeChat()
    yield stand_in
    stand_in.server.stop()


@dataclass
class World:
    app: Flask
    mp: MiniProgram
    core: SandboxServer
    wechat: WeChat
    monkeypatch: pytest.MonkeyPatch

    def bound(self, citizen: dict[str, str] = CHEN) -> MiniProgram:
        self.mp.bind(citizen)
        return self.mp

    def apply(self, body: dict[str, Any], key: str = "codes-0001") -> TestResponse:
        return self.mp.post("/applications", body, headers={"Idempotency-Key": key})

    def real_wechat(self, cgi_bin: str) -> MiniProgram:
        return with_wechat(self.app, self.monkeypatch, cgi_bin)

    def core_faults(self, **plan: Any) -> None:
        requests.put(f"{self.core.url}/sandbox/faults", json=plan, timeout=5).raise_for_status()


def with_wechat(app: Flask, monkeypatch: pytest.MonkeyPatch, cgi_bin: str) -> MiniProgram:
    """A user of the app as configured for WeChat's code2Session at ``cgi_bin``'s root."""
    for name, value in (
        ("MINIPROGRAM_APPID", "wx-test-appid"),
        ("MINIPROGRAM_SECRET", "wx-test-secret"),
        ("WECHAT_API_BASE_URL", cgi_bin),
    ):
        monkeypatch.setitem(app.config, name, value)
    return MiniProgram(app.test_client())


def _closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/cgi-bin/"


def _too_many_questions(w: World) -> TestResponse:
    # One question a minute, for this test only (setitem puts the app's own limiter back).
    w.monkeypatch.setitem(w.app.extensions, "mp_rate_limit", RateLimiter(None, limit=1))
    assert w.mp.post("/ask", {"text": "你好"}).status_code == 200
    return w.mp.post("/ask", {"text": "你好"})


def _too_many_ratings(w: World) -> TestResponse:
    answer_id = w.mp.post("/ask", {"text": "失业金怎么领"}).get_json()["answer_id"]
    for _ in range(Settings().feedback_per_minute):
        assert w.mp.post("/feedback", {"answer_id": answer_id, "helpful": True}).status_code == 200
    return w.mp.post("/feedback", {"answer_id": answer_id, "helpful": True})


def _locked(w: World) -> TestResponse:
    wrong_phone = CHEN | {"phone": HUANG["phone"]}
    for _ in range(5):
        assert w.mp.post("/binding/start", wrong_phone).status_code == 422
    response = w.mp.post("/binding/start", CHEN)  # even the right details, for a while
    assert response.headers["Retry-After"].isdigit()
    assert int(response.headers["Retry-After"]) <= 30 * 60
    assert response.get_json()["error"]["locked_until"].endswith("Z")
    return response


def _wrong_code(w: World) -> TestResponse:
    assert w.mp.post("/binding/start", CHEN).status_code == 200
    response = w.mp.post("/binding/confirm", {"code": "000000"})
    assert response.get_json()["error"]["attempts_left"] == 4
    assert "4次" in response.get_json()["error"]["message"]
    return response


def _birth_date_wrong() -> str:
    first17 = "44070319901301123"  # month 13
    return first17 + id_check_digit(first17)


def _key_reused(w: World) -> TestResponse:
    w.bound()
    assert w.apply(APPLICATION, "codes-reused").status_code == 201
    return w.apply(APPLICATION | {"phone": "13900139000"}, "codes-reused")


def _application_exists(w: World) -> TestResponse:
    w.bound()
    first = w.apply(APPLICATION, "codes-exists-1")
    assert first.status_code == 201
    response = w.apply(APPLICATION, "codes-exists-2")
    assert response.get_json()["error"]["application_id"] == first.get_json()["application_id"]
    return response


def _refused_by_the_core(w: World) -> TestResponse:
    # A name of two parts the API takes (10·10 characters) that the core refuses (over 20):
    # the core's own sentence is the reason.
    long_name = "阿卜杜热西提买买提江·艾尔肯阿卜杜热西提买"
    response = w.mp.post("/binding/start", CHEN | {"name": long_name})
    assert "姓名格式不正确" in response.get_json()["error"]["message"]
    return response


def _core_down(w: World) -> TestResponse:
    w.bound()
    w.core_faults(fail_status=503)
    try:
        return w.mp.get("/records/pension")
    finally:
        requests.delete(f"{w.core.url}/sandbox/faults", timeout=5).raise_for_status()
        with w.app.app_context():  # as if the breaker's pause had passed
            w.app.extensions["shebao"].bot.core.breaker.record_success()


def _database_down(w: World) -> TestResponse:
    from contextlib import contextmanager

    @contextmanager
    def unreachable(*_args: Any, **_kwargs: Any) -> Iterator[Any]:
        raise PoolTimeout("QueuePool limit reached, connection timed out")
        yield  # pragma: no cover

    w.monkeypatch.setattr(w.app.extensions["shebao"].db, "session", unreachable)
    return w.mp.get("/binding")


def _a_bug(w: World) -> TestResponse:
    def broken(message: Any) -> Any:
        raise KeyError("a bug, not the core")

    w.monkeypatch.setattr(w.app.extensions["shebao"].bot, "handle", broken)
    return w.mp.post("/ask", {"text": "养老金怎么领"})


#: code → how to make the API answer it, and the field it must name (None: no field).
SCENARIOS: dict[str, tuple[Callable[[World], TestResponse], str | None]] = {
    "invalid_request": (
        lambda w: w.mp.post("/ask", data="[1]", content_type="application/json"),
        None,
    ),
    "unknown_parameter": (lambda w: w.mp.get("/binding?page=2"), "page"),
    "field_missing": (lambda w: w.mp.post("/ask", {"text": "  "}), "text"),
    "field_too_long": (lambda w: w.mp.post("/ask", {"text": "问" * 501}), "text"),
    "invalid_field": (lambda w: w.mp.post("/ask", {"text": 12}), "text"),
    "unreadable_text": (
        lambda w: w.mp.post("/ask", data='{"text": "\\ud800"}', content_type="application/json"),
        "text",
    ),
    "too_large": (
        lambda w: w.mp.post("/ask", {"text": "问" * 70_000}),
        None,
    ),
    "method_not_allowed": (lambda w: w.mp.client.put("/api/mp/login"), None),
    "not_found": (lambda w: w.bound() and w.mp.get("/applications/SQ0000000000"), None),
    "unauthorized": (lambda w: MiniProgram(w.app.test_client()).get("/binding"), None),
    "invalid_code": (
        lambda w: w.real_wechat(w.wechat.cgi_bin).client.post(
            "/api/mp/login", json={"code": "refused-1"}
        ),
        "code",
    ),
    "wechat_unavailable": (
        lambda w: w.real_wechat(_closed_port_url()).client.post(
            "/api/mp/login", json={"code": "any-1"}
        ),
        None,
    ),
    "unknown_region": (lambda w: w.mp.post("/ask", {"text": "养老金", "region": "火星"}), "region"),
    "too_many_requests": (_too_many_questions, None),
    "rate_limited": (_too_many_ratings, None),
    "id_number_format": (
        lambda w: w.mp.post("/binding/start", CHEN | {"id_number": "4407031990010112"}),
        "id_number",
    ),
    "id_number_check_digit": (
        lambda w: w.mp.post("/binding/start", CHEN | {"id_number": "440703199001011238"}),
        "id_number",
    ),
    "id_number_birth_date": (
        lambda w: w.mp.post("/binding/start", CHEN | {"id_number": _birth_date_wrong()}),
        "id_number",
    ),
    "name_format": (lambda w: w.mp.post("/binding/start", CHEN | {"name": "Tom"}), "name"),
    "phone_format": (lambda w: w.mp.post("/binding/start", CHEN | {"phone": "12345"}), "phone"),
    "code_format": (lambda w: w.mp.post("/binding/confirm", {"code": "12"}), "code"),
    "identity_mismatch": (
        lambda w: w.mp.post("/binding/start", CHEN | {"phone": HUANG["phone"]}),
        None,
    ),
    "wrong_code": (_wrong_code, "code"),
    "verification_expired": (lambda w: w.mp.post("/binding/confirm", {"code": "123456"}), None),
    "locked": (_locked, None),
    "not_bound": (lambda w: w.mp.get("/records/pension"), None),
    "leaving_date_format": (
        lambda w: w.bound() and w.apply(APPLICATION | {"leaving_date": "十月底"}),
        "leaving_date",
    ),
    "leaving_date_future": (
        lambda w: w.bound() and w.apply(APPLICATION | {"leaving_date": "2099-01-01"}),
        "leaving_date",
    ),
    "leaving_date_too_early": (
        lambda w: w.bound() and w.apply(APPLICATION | {"leaving_date": "2020-01-01"}),
        "leaving_date",
    ),
    "bank_card_format": (
        lambda w: w.bound() and w.apply(APPLICATION | {"payment_account": {"kind": "bank_card"}}),
        "payment_account",
    ),
    "bank_card_length": (
        lambda w: (
            w.bound()
            and w.apply(
                APPLICATION | {"payment_account": {"kind": "bank_card", "number": "123456789"}}
            )
        ),
        "payment_account",
    ),
    "bank_card_check_digit": (
        lambda w: (
            w.bound()
            and w.apply(
                APPLICATION
                | {"payment_account": {"kind": "bank_card", "number": "6217000010001234567"}}
            )
        ),
        "payment_account",
    ),
    "idempotency_key_required": (
        lambda w: w.bound() and w.mp.post("/applications", APPLICATION),
        None,
    ),
    "idempotency_key_reused": (_key_reused, None),
    "application_exists": (_application_exists, None),
    "not_eligible": (
        lambda w: w.bound(HUANG) and w.apply(APPLICATION | {"phone": HUANG["phone"]}),
        None,
    ),
    "refused": (_refused_by_the_core, None),
    "core_unavailable": (_core_down, None),
    "unavailable": (_database_down, None),
    "internal": (_a_bug, None),
}


def template_pattern(message: str) -> re.Pattern[str]:
    """The message with its placeholders as wildcards."""
    parts = re.split(r"\{[a-z_]+\}", message)
    return re.compile(".+".join(re.escape(p) for p in parts), re.DOTALL)


@pytest.mark.parametrize("code", list(ERRORS))
def test_each_error_is_answered_as_the_table_says(
    code: str,
    mp_app: Flask,
    mp: MiniProgram,
    fresh_core: SandboxServer,
    wechat: WeChat,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    drive, field = SCENARIOS[code]  # a code of the table that nothing drives fails here
    response = drive(World(mp_app, mp, fresh_core, wechat, monkeypatch))
    entry = ERRORS[code]
    assert response.status_code == entry.status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["code"] == code, error
    assert error.get("field") == field
    message = error["message"]
    assert template_pattern(entry.message).fullmatch(message), (entry.message, message)
    assert "{" not in message and not CHAT_WORDING.search(message), message
    if entry.field == ANY_FIELD and code != "unknown_parameter":
        assert FIELD_LABELS[field or ""] in message  # says which field is wrong
    for secret in (CHEN["id_number"], CHEN["phone"]):
        assert secret not in response.get_data(as_text=True)


def test_scenarios_cover_exactly_the_table() -> None:
    assert set(SCENARIOS) == set(ERRORS)


def test_code2session_is_called_without_an_access_token(
    mp_app: Flask, wechat: WeChat, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = with_wechat(mp_app, monkeypatch, wechat.cgi_bin).client
    response = client.post("/api/mp/login", json={"code": "fine-1"})
    assert response.status_code == 200 and response.get_json()["bound"] is False
    assert wechat.asked[-1] == {
        "appid": "wx-test-appid",
        "secret": "wx-test-secret",
        "js_code": "fine-1",
        "grant_type": "authorization_code",
    }
    busy = client.post("/api/mp/login", json={"code": "busy-1"})
    assert busy.status_code == 503 and busy.get_json()["error"]["code"] == "wechat_unavailable"


# -- what successful answers say ----------------------------------------------------------------


def test_successful_answers_say_nothing_of_chat_either(
    mp_app: Flask, mp: MiniProgram, fresh_core: SandboxServer
) -> None:
    mp.bind(CHEN)
    faults = f"{fresh_core.url}/sandbox/faults"
    requests.put(faults, json={"fail_status": 503}, timeout=5).raise_for_status()
    try:
        kept = mp.post("/applications", APPLICATION, headers={"Idempotency-Key": "codes-kept"})
        assert kept.status_code == 202
    finally:
        requests.delete(faults, timeout=5).raise_for_status()
        with mp_app.app_context():
            mp_app.extensions["shebao"].bot.core.breaker.record_success()
    texts = [kept.get_json()["message"]]
    texts += [p["message"] for p in mp.get("/applications").get_json()["pending"]]
    texts.append(mp.get("/applications/eligibility").get_json()["reason"])
    done = mp.post("/applications", APPLICATION, headers={"Idempotency-Key": "codes-kept"})
    assert done.status_code == 201
    texts.append(done.get_json()["message"])
    texts.append(mp.get("/applications/eligibility").get_json()["reason"])
    assert len(texts) == 5 and done.get_json()["application_id"] in texts[-1]
    for text in texts:
        assert text and not CHAT_WORDING.search(text), text


def test_a_kept_application_is_never_sent_twice_under_another_key(
    mp_app: Flask, mp: MiniProgram, fresh_core: SandboxServer
) -> None:
    mp.bind(CHEN)
    faults = f"{fresh_core.url}/sandbox/faults"
    requests.put(faults, json={"fail_status": 503}, timeout=5).raise_for_status()
    try:
        kept = mp.post("/applications", APPLICATION, headers={"Idempotency-Key": "kept-once"})
    finally:
        requests.delete(faults, timeout=5).raise_for_status()
        with mp_app.app_context():
            mp_app.extensions["shebao"].bot.core.breaker.record_success()
    assert kept.status_code == 202
    again = mp.post("/applications", APPLICATION, headers={"Idempotency-Key": "kept-twice"})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "application_exists"
    done = mp.post("/applications", APPLICATION, headers={"Idempotency-Key": "kept-once"})
    assert done.status_code == 201  # the kept one, resent under its own key
    found = mp.get("/applications").get_json()
    assert [a["application_id"] for a in found["applications"]] == [
        done.get_json()["application_id"]
    ]
    assert found["pending"] == []
