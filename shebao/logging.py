"""One logging set-up for every process: ``setup_logging()``.

Web workers (gunicorn, ``shebao serve``), ``shebao worker`` and the other commands call it once.
Each line is a JSON object (``LOG_FORMAT=json``, the default when stderr is not a terminal) or
a readable line (``LOG_FORMAT=text``), with the request id of the HTTP request it belongs to
(``X-Request-Id``, taken from the load balancer or made up), the process id, and the message
and any traceback passed through ``shebao.masking.mask_text``: an ID number, phone number or
bank account that slipped into a log call is masked before it is written. JSON lines carry no
terminal colour codes: Werkzeug colours its request lines (``"GET / HTTP/1.1" 404``) with ANSI
escapes, which ``strip_ansi`` takes out of the message, the extra fields and the traceback.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from shebao.masking import mask_text
from shebao.settings import Settings

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

# LogRecord attributes that are not "extra" fields.
_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "taskName",
}


#: An ANSI escape sequence (CSI: colours, bold, reset …), as Werkzeug and click write them.
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")


def strip_ansi(text: str) -> str:
    """``text`` without terminal colour and style codes."""
    return _ANSI.sub("", text)


def _clean(text: str) -> str:
    return mask_text(strip_ansi(text))


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is now (test runners swap it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": _clean(record.getMessage()),
            "pid": record.process,
        }
        rid = getattr(record, "request_id", None) or request_id.get()
        if rid:
            data["request_id"] = rid
        for key, value in record.__dict__.items():
            if key not in _STANDARD and key not in data and not key.startswith("_"):
                data[key] = _clean(value) if isinstance(value, str) else _plain(value)
        if record.exc_info:
            data["exc"] = _clean(self.formatException(record.exc_info))
        return json.dumps(data, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s%(rid)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        rid = getattr(record, "request_id", None) or request_id.get()
        record.rid = f" [{rid}]" if rid else ""
        return mask_text(super().format(record))


def _plain(value: Any) -> Any:
    return value if isinstance(value, int | float | bool | type(None) | list | dict) else str(value)


def formatter(fmt: str | None = None) -> logging.Formatter:
    fmt = (fmt or Settings.from_env().log_format or "").lower()
    if not fmt:
        fmt = "text" if sys.stderr.isatty() else "json"
    return TextFormatter() if fmt == "text" else JsonFormatter()


def setup_logging(level: str | None = None, fmt: str | None = None, *, force: bool = False) -> None:
    """Route the root logger (and gunicorn's) to stderr through the masking formatter.

    ``level`` defaults to ``LOG_LEVEL`` or INFO. Like ``logging.basicConfig`` it leaves a root
    logger that someone else already set up alone (a test runner capturing logs, an embedding
    application) unless ``force``; calling it again replaces only its own handler.
    """
    root = logging.getLogger()
    if not force and any(not getattr(h, "_shebao", False) for h in root.handlers):
        return
    for handler in list(root.handlers):
        if getattr(handler, "_shebao", False):
            root.removeHandler(handler)
    root.addHandler(make_handler(fmt))
    root.setLevel((level or Settings.from_env().log_level).upper())
    migration = logging.getLogger("alembic.runtime.migration")
    if not any(isinstance(f, _AlembicChatter) for f in migration.filters):
        migration.addFilter(_AlembicChatter())
    for name in ("gunicorn.error", "gunicorn.access"):
        gunicorn_logger = logging.getLogger(name)
        gunicorn_logger.handlers = []
        gunicorn_logger.propagate = True


class _AlembicChatter(logging.Filter):
    """Drops the two lines alembic logs whenever it merely reads the schema's revision (every
    start, every /readyz): "Context impl SQLiteImpl." and "Will assume … DDL."; the lines of a
    real migration ("Running upgrade …") pass."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        return not message.startswith(("Context impl", "Will assume"))


def make_handler(fmt: str | None = None) -> logging.Handler:
    """The handler ``setup_logging`` installs (for ``logging.config.dictConfig``'s ``()``)."""
    handler = StderrHandler()
    handler.setFormatter(formatter(fmt))
    handler._shebao = True  # type: ignore[attr-defined]
    return handler


def dict_config(level: str | None = None) -> dict[str, Any]:
    """The same set-up as a ``dictConfig`` (gunicorn's ``logconfig_dict``, applied before
    gunicorn logs its first line)."""
    quiet = {"handlers": [], "propagate": True, "level": "INFO"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "root": {
            "level": (level or Settings.from_env().log_level).upper(),
            "handlers": ["shebao"],
        },
        "loggers": {"gunicorn.error": dict(quiet), "gunicorn.access": dict(quiet)},
        "handlers": {"shebao": {"()": "shebao.logging.make_handler"}},
        "formatters": {},
    }
