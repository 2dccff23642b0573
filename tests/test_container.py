"""The container recipe (Dockerfile, compose.yaml) as far as it can be checked without Docker:

- compose has web, worker, PostgreSQL and Redis (and the one-shot migration), web and worker run
  the same image with the commands the README gives;
- every variable compose sets for our services is one the service reads (tests/testenv.py's
  ``SERVICE_ENV``, itself checked against the source by tests/test_environment.py), and the
  ones ``Settings.from_env`` reads land in the fields meant: with compose's environment the
  settings point at its PostgreSQL and Redis and pass the production check;
- no secret is written into the file: each comes from ``${…}``;
- the image is python:3.11-slim, installs the pinned dependencies of pyproject.toml (with the
  [prod] extra), runs as a non-root user, and starts ``shebao serve --prod``.
"""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_environment import scan_service  # type: ignore[import-not-found]  # a test module (tests/ on sys.path)
from testenv import SERVICE_ENV

from shebao.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
OURS = ("web", "worker", "migrate")
#: ``${NAME:?message}`` (required) and ``${NAME:-default}``, as compose interpolates them.
_INTERPOLATION = re.compile(r"\$\{(?P<name>[A-Z0-9_]+)(?::(?P<op>[?-])(?P<arg>[^}]*))?\}")
SECRET_WORDS = ("SECRET", "PASSWORD", "TOKEN", "AES_KEY")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "compose.yaml").read_text("utf-8"))
    assert isinstance(data, dict)
    return data


def _environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    assert isinstance(env, dict), "environment as a mapping, so it can be checked"
    return {str(k): "" if v is None else str(v) for k, v in env.items()}


def _interpolate(value: str, given: dict[str, str]) -> str:
    """``value`` as compose would make it with ``given`` in its environment."""

    def one(m: re.Match[str]) -> str:
        name, op, arg = m.group("name"), m.group("op"), m.group("arg") or ""
        if name in given:
            return given[name]
        if op == "?":
            raise AssertionError(f"{name} is required: {arg}")
        return arg

    return _INTERPOLATION.sub(one, value)


def test_the_services_and_their_commands(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert {"web", "worker", "db", "redis", "migrate"} <= set(services)
    assert services["db"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    web, worker, migrate = (services[name] for name in OURS)
    assert web["build"] == "." and web["image"] == worker["image"] == migrate["image"]
    assert worker["command"] == ["shebao", "worker"]
    assert migrate["command"] == ["shebao", "db", "upgrade"]
    for name in ("web", "worker"):
        needs = services[name]["depends_on"]
        assert needs["migrate"]["condition"] == "service_completed_successfully", name
        assert "redis" in needs, name
    assert migrate["depends_on"]["db"]["condition"] == "service_healthy"
    assert "/readyz" in " ".join(web["healthcheck"]["test"])
    assert web["ports"] == ["8000:8000"]


def test_every_variable_compose_sets_is_one_the_service_reads(compose: dict[str, Any]) -> None:
    read = scan_service().names
    for name in OURS:
        for variable in _environment(compose["services"][name]):
            assert variable in SERVICE_ENV, f"{name}: {variable} is read by nothing"
            assert variable in read, f"{name}: {variable} is not read by the service's source"


def test_no_secret_is_written_into_the_file(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        for variable, value in _environment(service).items():
            if any(word in variable for word in SECRET_WORDS):
                assert value.startswith("${"), f"{name}: {variable} must come from ${{…}}"
        for variable, value in _environment(service).items():
            if variable == "DATABASE_URL":
                assert "${POSTGRES_PASSWORD:?" in value, f"{name}: the password from outside"


GIVEN = {
    "POSTGRES_PASSWORD": "pg-secret",
    "SECRET_KEY": "a-long-random-production-secret",
    "WECHAT_TOKEN": "wechat-token",
    "MINIPROGRAM_APPID": "wx-mp-appid",
    "MINIPROGRAM_SECRET": "wx-mp-secret",
}


@pytest.mark.parametrize("name", ["web", "worker"])
def test_with_composes_environment_the_settings_are_production_ready(
    compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    env = {k: _interpolate(v, GIVEN) for k, v in _environment(compose["services"][name]).items()}
    for variable, value in env.items():
        monkeypatch.setenv(variable, value)
    settings = Settings.from_env()
    assert settings.database_url == "postgresql+psycopg://shebao:pg-secret@db:5432/shebao"
    assert settings.redis_url == "redis://redis:6379/0"
    assert settings.secret_key == GIVEN["SECRET_KEY"]
    assert settings.wechat_token == GIVEN["WECHAT_TOKEN"]
    assert (settings.miniprogram_appid, settings.miniprogram_secret) == (
        GIVEN["MINIPROGRAM_APPID"],
        GIVEN["MINIPROGRAM_SECRET"],
    )
    assert settings.core_base_url is None  # empty: the in-process sandbox core
    assert settings.production_problems() == []  # serve --prod and worker would start
    assert settings.effective_wechat_mode == "plain"


def test_the_migration_and_the_database_share_one_password(compose: dict[str, Any]) -> None:
    services = compose["services"]
    url = _interpolate(_environment(services["migrate"])["DATABASE_URL"], GIVEN)
    password = _interpolate(_environment(services["db"])["POSTGRES_PASSWORD"], GIVEN)
    assert url == f"postgresql+psycopg://shebao:{password}@db:5432/shebao"
    web_url = _interpolate(_environment(services["web"])["DATABASE_URL"], GIVEN)
    assert url == web_url


def _dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments) of the Dockerfile, continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text("utf-8")
    text = re.sub(r"\\\n", " ", text)
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            instruction, _, rest = line.partition(" ")
            out.append((instruction.upper(), rest.strip()))
    return out


def test_the_image_is_slim_pinned_and_not_root() -> None:
    steps = _dockerfile()
    assert steps[0] == ("FROM", "python:3.11-slim")
    users = [args for instruction, args in steps if instruction == "USER"]
    assert users and users[-1] not in ("root", "0"), "the service runs as a non-root user"
    run = " ".join(args for instruction, args in steps if instruction == "RUN")
    assert "optional-dependencies']['prod']" in run and "pip install --requirement" in run
    assert "pip install --no-deps ." in run
    command = [args for instruction, args in steps if instruction == "CMD"][-1]
    assert yaml.safe_load(command) == [
        "shebao",
        "serve",
        "--prod",
        "--host",
        "0.0.0.0",
        "--port",
        "8000",
    ]
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    project = pyproject["project"]
    pinned = project["dependencies"] + project["optional-dependencies"]["prod"]
    unpinned = [d for d in pinned if "==" not in d]
    assert not unpinned, f"the image installs pinned dependencies only: {unpinned}"
    copied = {shlex.split(args)[0] for instruction, args in steps if instruction == "COPY"}
    include = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    for package in (p.rstrip("*") for p in include):
        assert package in copied, f"the image leaves out the package {package}"


def test_the_image_leaves_out_local_files() -> None:
    ignored = (ROOT / ".dockerignore").read_text("utf-8").split()
    for name in (".git", ".venv", ".env", "*.db", "tests"):
        assert name in ignored
