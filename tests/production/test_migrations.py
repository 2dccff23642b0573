"""Migrations: they build exactly the models' schema (SQLite and PostgreSQL), an empty database
needs no extra step, an older schema is refused with the command to run, and ``shebao db``
shows and fixes it."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import app.models  # noqa: F401  (every table on Base.metadata)
from app.cli import main
from shebao.db import Base, Database
from shebao.schema import (
    SchemaError,
    SchemaOutdated,
    differences,
    downgrade,
    ensure_schema,
    head_revision,
    schema_state,
    script_directory,
    upgrade,
)

OLDER = "0001_initial"


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'migrated.db'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def db(url: str) -> Any:
    database = Database(url)
    yield database
    database.engine.dispose()


def test_migrations_build_the_models_schema(db: Database) -> None:
    state = upgrade(db)
    assert state.at_head and state.current == head_revision()
    assert differences(db) == []  # alembic's compare_metadata: nothing to add, drop or alter


def test_every_revision_downgrades_and_upgrades_again(db: Database) -> None:
    upgrade(db)
    downgrade(db, "base")
    assert schema_state(db).empty
    upgrade(db)
    assert differences(db) == []


def test_an_empty_database_is_created_without_an_extra_step(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    assert schema_state(db).empty
    with caplog.at_level(logging.INFO):
        state = ensure_schema(db, auto_upgrade=False)  # even with auto-upgrade off
    assert state.at_head
    assert differences(db) == []
    # One line says what happened, not one per migration (the first `shebao serve`).
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert any(m.startswith("empty database: creating the schema") for m in said), said
    assert not [m for m in said if m.startswith("Running upgrade")], said


def test_an_older_schema_is_refused_with_the_command_to_run(
    db: Database, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    upgrade(db, OLDER)
    with pytest.raises(SchemaOutdated) as refused:
        ensure_schema(db, auto_upgrade=False)
    assert "shebao db upgrade" in str(refused.value)
    assert OLDER in str(refused.value) and head_revision() in str(refused.value)

    # The app refuses to start, and so do the commands.
    from app import create_app

    monkeypatch.setenv("DB_AUTO_UPGRADE", "0")
    monkeypatch.setenv("DATABASE_URL", url)
    with pytest.raises(SchemaOutdated):
        create_app({"TESTING": True, "database_url": url})
    result = CliRunner().invoke(main, ["ask", "失业金能领几个月"])
    assert result.exit_code == 1 and "shebao db upgrade" in result.output

    checked = CliRunner().invoke(main, ["db", "check"])
    assert checked.exit_code == 1 and "shebao db upgrade" in checked.output
    current = CliRunner().invoke(main, ["db", "current"])
    assert OLDER in current.output and "behind" in current.output

    upgraded = CliRunner().invoke(main, ["db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    assert f"{OLDER} -> {head_revision()}" in upgraded.output
    assert schema_state(db).at_head
    assert CliRunner().invoke(main, ["db", "check"]).exit_code == 0


def test_auto_upgrade_when_asked(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    upgrade(db, OLDER)
    monkeypatch.setenv("DB_AUTO_UPGRADE", "1")
    assert ensure_schema(db).at_head


def test_sqlite_upgrades_itself_by_default_and_postgresql_does_not(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DB_AUTO_UPGRADE", raising=False)
    upgrade(db, OLDER)
    if db.engine.dialect.name == "sqlite":
        assert ensure_schema(db).at_head
    else:
        with pytest.raises(SchemaOutdated):
            ensure_schema(db)


def test_a_database_made_by_create_all_is_adopted(db: Database) -> None:
    Base.metadata.create_all(db.engine)
    assert schema_state(db).current is None
    assert ensure_schema(db).at_head  # the tables match the models: stamped, not rebuilt


def test_a_database_newer_than_the_code_is_refused(db: Database) -> None:
    upgrade(db)
    with db.engine.begin() as conn:
        from sqlalchemy import text

        conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    with pytest.raises(SchemaError, match="newer release"):
        ensure_schema(db, auto_upgrade=True)


def test_the_revisions_form_one_line() -> None:
    heads = script_directory().get_heads()
    assert heads == [head_revision()], f"several heads ({heads}): merge them"
