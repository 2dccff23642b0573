"""Shared test fixtures: ``app`` (a database of its own per test: a SQLite file, or a PostgreSQL
schema with ``TEST_DATABASE_URL``, see tests/dbutil.py), ``client``, ``runner``,
``live_server`` (the app behind a real threaded HTTP server), and ``wechat``, which signs and
(in compatible/safe mode) encrypts a payload exactly as WeChat does, so a test reads
``wechat.post("text.xml")``.

The ``wechat`` helper's AES and signatures are written here from WeChat's published scheme,
independently of wechatpy and of the webhook's code, so the tests check the code rather than
the code checking itself. Override ``app_config`` in a test module to configure the app.

The app's database is ``prepared_database_url``: a copy of ``database_template``, the database
``create_app`` migrated and loaded with the shipped content once per session, so an app starts
in milliseconds instead of migrating and loading for every test. Tests of what happens to an
empty database (migrations, the first run) take ``dbutil.make_test_database_url`` instead.

Every environment variable the service reads (tests/testenv.py) is cleared for every test.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import struct
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from dbutil import DatabaseTemplate, create_tables, drop_test_schemas
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from testenv import clear_service_env
from werkzeug.serving import make_server
from werkzeug.test import TestResponse

from app import create_app
from app import models as _models  # noqa: F401  (every table on Base.metadata, for create_all)
from shebao import clock
from shebao.clock import CHINA, FixedClock

WECHAT_FIXTURES = Path(__file__).parent / "wechat" / "fixtures"


# The instant tests run at unless they say otherwise: a weekday afternoon in China after the
# demo core's pension day (the 15th), well inside a month and a year.
FIXED_NOW = datetime(2026, 11, 20, 14, 30, tzinfo=CHINA)


@pytest.fixture
def fixed_clock() -> Iterator[FixedClock]:
    """The service's clock (``shebao.clock``) put at ``FIXED_NOW``, going on from there at real
    speed (so back-off delays and expiries still come round); ``.set()`` and ``.advance()`` move
    it. Tests that use it are marked ``clock`` and run again under faketime by CI."""
    with clock.use(FixedClock(FIXED_NOW, running=True)) as fixed:
        assert isinstance(fixed, FixedClock)
        yield fixed


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "fixed_clock" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.clock)


def pytest_sessionstart(session: pytest.Session) -> None:
    drop_test_schemas(stale_too=True)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    drop_test_schemas()


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's environment must not leak into the tests (see tests/testenv.py)."""
    clear_service_env(monkeypatch)


@pytest.fixture(autouse=True)
def _close_database_connections() -> Iterator[None]:
    """After each test, close the pooled connections of every engine still around (engines stay
    usable): a connection left open until garbage collection is a ResourceWarning on
    PostgreSQL, which this suite turns into an error in whichever test happens to collect it."""
    yield
    from shebao.db import dispose_engines

    dispose_engines()


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory) -> DatabaseTemplate:
    """The database as ``create_app`` leaves a new one, built by ``create_app`` on first need."""
    return DatabaseTemplate.build(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
def tables_template(tmp_path_factory: pytest.TempPathFactory) -> DatabaseTemplate:
    """Empty tables as ``Database.create_all`` makes them, for tests that fill their own."""
    return DatabaseTemplate.build(tmp_path_factory.mktemp("tables"), create_tables)


@pytest.fixture
def prepared_database_url(database_template: DatabaseTemplate, tmp_path: Path) -> str:
    """This test's own copy of ``database_template`` (schema at head, shipped content loaded)."""
    return database_template.copy(tmp_path)


@pytest.fixture
def app_config(prepared_database_url: str) -> dict[str, Any]:
    """Settings overrides for ``create_app``; override this fixture to change them."""
    return {"database_url": prepared_database_url, "wechat_token": "test-token"}


@pytest.fixture
def app(app_config: dict[str, Any]) -> Iterator[Flask]:
    app = create_app({"TESTING": True, "OUTBOX_IN_PROCESS": True, **app_config})
    yield app
    worker = app.extensions.get("outbox_worker")
    if worker is not None:
        worker.stop()
    runtime = app.extensions.get("wechat")
    if runtime is not None:
        runtime.shutdown(wait=True)
    app.extensions["shebao"].db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app served by a threaded werkzeug server; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def wechat_signature(*parts: str) -> str:
    """WeChat's signature: sha1 over the sorted, concatenated parts."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


class WeChatCipher:
    """WeChat's message encryption (AES-256-CBC, PKCS#7 to 32 bytes), from its published spec."""

    def __init__(self, encoding_aes_key: str, appid: str) -> None:
        self.key = base64.b64decode(encoding_aes_key + "=")
        self.appid = appid

    def encrypt(self, xml: str, appid: str | None = None) -> str:
        message = xml.encode("utf-8")
        plain = (
            secrets.token_bytes(16)
            + struct.pack(">I", len(message))
            + message
            + (appid or self.appid).encode("utf-8")
        )
        pad = 32 - len(plain) % 32
        plain += bytes([pad]) * pad
        encryptor = Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16])).encryptor()
        return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode("ascii")

    def decrypt(self, ciphertext: str) -> tuple[str, str]:
        """(xml, appid) of a ciphertext."""
        decryptor = Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16])).decryptor()
        plain = decryptor.update(base64.b64decode(ciphertext)) + decryptor.finalize()
        plain = plain[: -plain[-1]]
        (length,) = struct.unpack(">I", plain[16:20])
        return plain[20 : 20 + length].decode("utf-8"), plain[20 + length :].decode("utf-8")


class WeChatActions:
    """Posts fixtures to ``/wechat`` the way WeChat's servers do, and reads the replies."""

    def __init__(self, app: Flask, client: FlaskClient) -> None:
        self.app = app
        self.client = client
        settings = app.extensions["shebao"].settings
        self.token: str = settings.wechat_token
        self.cipher = (
            WeChatCipher(settings.wechat_aes_key, settings.wechat_appid or "")
            if settings.wechat_aes_key
            else None
        )

    @staticmethod
    def load(fixture: str) -> str:
        return (WECHAT_FIXTURES / fixture).read_text(encoding="utf-8")

    def build(
        self,
        fixture: str | None = None,
        *,
        xml: str | None = None,
        mode: str = "plain",
        timestamp: str | None = None,
        nonce: str | None = None,
        **params: str,
    ) -> tuple[dict[str, str], bytes]:
        """(query, body) for a fixture or raw ``xml``; mode is plain, compat or safe.

        Extra keyword arguments override query parameters (e.g. ``signature="bad"``).
        """
        document = xml if xml is not None else self.load(fixture or "")
        timestamp = timestamp or str(clock.timestamp())  # the service's clock: inside its window
        nonce = nonce or str(secrets.randbelow(10**9))
        query = {
            "timestamp": timestamp,
            "nonce": nonce,
            "signature": wechat_signature(self.token, timestamp, nonce),
        }
        body = document
        if mode in ("compat", "safe"):
            assert self.cipher is not None, "configure wechat_aes_key for compat/safe mode"
            ciphertext = self.cipher.encrypt(document)
            encrypted = f"<Encrypt><![CDATA[{ciphertext}]]></Encrypt>"
            if mode == "compat":
                body = document.replace("</xml>", encrypted + "</xml>")
            else:
                found = re.search(r"<ToUserName><!\[CDATA\[(.*?)\]\]></ToUserName>", document)
                to_user = found.group(1) if found else ""
                body = f"<xml><ToUserName><![CDATA[{to_user}]]></ToUserName>{encrypted}</xml>"
            query |= {
                "encrypt_type": "aes",
                "msg_signature": wechat_signature(self.token, timestamp, nonce, ciphertext),
            }
        query |= params
        return query, body.encode("utf-8")

    def post(self, fixture: str | None = None, **kwargs: Any) -> TestResponse:
        query, body = self.build(fixture, **kwargs)
        return self.post_raw(query, body)

    def post_raw(self, query: dict[str, str], body: bytes) -> TestResponse:
        return self.client.post("/wechat?" + urlencode(query), data=body, content_type="text/xml")

    def reply(self, response: TestResponse | bytes) -> dict[str, str] | None:
        """The reply's fields (decrypted and signature-checked if encrypted); None if empty."""
        raw = response if isinstance(response, bytes) else response.get_data()
        text = raw.decode("utf-8")
        if text in ("", "success"):
            return None
        root = ET.fromstring(text)
        ciphertext = root.findtext("Encrypt")
        if ciphertext is not None:
            assert self.cipher is not None
            expected = wechat_signature(
                self.token,
                root.findtext("TimeStamp") or "",
                root.findtext("Nonce") or "",
                ciphertext,
            )
            assert root.findtext("MsgSignature") == expected, "reply MsgSignature is wrong"
            inner, appid = self.cipher.decrypt(ciphertext)
            assert appid == self.cipher.appid
            root = ET.fromstring(inner)
        return {child.tag: child.text or "" for child in root}

    def reply_text(self, response: TestResponse | bytes) -> str | None:
        fields = self.reply(response)
        return None if fields is None else fields["Content"]


@pytest.fixture
def wechat(app: Flask, client: FlaskClient) -> WeChatActions:
    return WeChatActions(app, client)
