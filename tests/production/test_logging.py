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
