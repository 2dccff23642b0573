"""The one log format: JSON lines with the request id, personal data masked everywhere in them."""

from __future__ import annotations

import json
import logging
import sys

from shebao.logging import JsonFormatter, TextFormatter, request_id

ID_NUMBER = "440703199001011239"
PHONE = "13800138000"


def record(message: str, *args: object, exc: bool = False, **extra: object) -> logging.LogRecord:
    exc_info = None
    if exc:
        try:
            raise ValueError(f"bad id {ID_NUMBER}")
        except ValueError:
            exc_info = sys.exc_info()
    made = logging.LogRecord("shebao.test", logging.WARNING, __file__, 1, message, args, exc_info)
    made.__dict__.update(extra)
    return made


def test_json_lines_carry_the_request_id_and_mask_personal_data() -> None:
    token = request_id.set("req-42")
    try:
        line = JsonFormatter().format(
            record(
                "binding %s phone %s",
                ID_NUMBER,
                PHONE,
                exc=True,
                openid_note=f"called from {PHONE}",
                attempt=2,
            )
        )
    finally:
        request_id.reset(token)
    data = json.loads(line)
    assert data["request_id"] == "req-42" and data["level"] == "warning"
    assert data["logger"] == "shebao.test" and data["attempt"] == 2
    assert ID_NUMBER not in line and PHONE not in line
    assert "4407" in data["msg"] and "138" in data["msg"]
    assert "ValueError" in data["exc"] and ID_NUMBER not in data["exc"]
    assert PHONE not in data["openid_note"]


def test_without_a_request_there_is_no_request_id() -> None:
    assert "request_id" not in json.loads(JsonFormatter().format(record("start-up")))


def test_the_text_format_masks_too() -> None:
    token = request_id.set("req-7")
    try:
        line = TextFormatter().format(record("id %s", ID_NUMBER))
    finally:
        request_id.reset(token)
    assert "[req-7]" in line and ID_NUMBER not in line


def test_json_lines_carry_no_terminal_colour_codes() -> None:
    from werkzeug import serving

    coloured = "\x1b[33mGET /nothing HTTP/1.1\x1b[0m"  # how Werkzeug writes a 404's request line
    if hasattr(serving, "_ansi_style"):  # and through Werkzeug's own styling, where it styles
        styled = serving._ansi_style("GET /admin HTTP/1.1", "bold", "red")
    else:
        styled = "\x1b[1m\x1b[31mGET /admin HTTP/1.1\x1b[0m"
    line = JsonFormatter().format(
        record('"%s" %s %s | "%s"', coloured, "404", "-", styled, x="\x1b[1mhi\x1b[0m")
    )
    data = json.loads(line)
    assert "\x1b" not in line and "\\u001b" not in line
    assert data["msg"] == '"GET /nothing HTTP/1.1" 404 - | "GET /admin HTTP/1.1"'
    assert data["x"] == "hi"


def test_a_request_logged_by_werkzeug_has_a_plain_message() -> None:
    """Werkzeug's development server logs each request through the ``werkzeug`` logger with
    the request line coloured; the JSON formatter writes it plain."""
    from werkzeug.serving import WSGIRequestHandler

    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, rec: logging.LogRecord) -> None:
            records.append(rec)

    logger = logging.getLogger("werkzeug")
    keep, old_level = Keep(), logger.level
    logger.addHandler(keep)
    logger.setLevel(logging.INFO)
    try:
        request = WSGIRequestHandler.__new__(WSGIRequestHandler)  # no socket: only its logging
        request.command, request.path, request.request_version = "GET", "/missing", "HTTP/1.1"
        request.client_address = ("127.0.0.1", 5000)
        request.log_request(404, 0)
    finally:
        logger.removeHandler(keep)
        logger.setLevel(old_level)
    assert "\x1b[" in records[-1].getMessage()  # what Werkzeug hands to logging
    line = JsonFormatter().format(records[-1])
    assert "\x1b" not in line and "\\u001b" not in line
    assert json.loads(line)["msg"].startswith("127.0.0.1 - - [")
    assert '"GET /missing HTTP/1.1" 404 0' in json.loads(line)["msg"]
