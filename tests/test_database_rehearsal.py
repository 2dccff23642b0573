"""``Database.rehearsal()``: one transaction for every session of a dry run, rolled back at its
end; each session of it commits to a savepoint (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from dbutil import create_tables, make_test_database_url
from sqlalchemy import func, select

from bot.models import DialogueState
from shebao.db import Database


def _state(key: str) -> DialogueState:
    return DialogueState(user_key=key, data={}, expires_at=datetime(2030, 1, 1))


def _count(db: Database) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(DialogueState)) or 0


@pytest.fixture
def db(tmp_path: Path) -> Database:
    url = make_test_database_url(tmp_path)
    create_tables(url)
    return Database(url)


def test_what_a_rehearsal_writes_it_reads_back_and_nobody_keeps(db: Database) -> None:
    with db.rehearsal() as dry:
        with dry.session() as s:
            s.add(_state("console:a"))
        with dry.session() as s:  # a later session of the rehearsal sees it
            assert s.get(DialogueState, "console:a") is not None
        assert _count(dry) == 1
        assert _count(db) == 0  # the service does not, meanwhile
    assert _count(db) == 0  # and nobody does afterwards


def test_a_failing_session_undoes_only_its_own_writes(db: Database) -> None:
    with db.rehearsal() as dry:
        with dry.session() as s:
            s.add(_state("console:kept"))
        with pytest.raises(RuntimeError), dry.session() as s:
            s.add(_state("console:undone"))
            s.flush()
            raise RuntimeError("the handler failed")
        with dry.session() as s:
            keys = s.scalars(select(DialogueState.user_key)).all()
        assert keys == ["console:kept"]
    assert _count(db) == 0


def test_an_error_inside_the_rehearsal_still_rolls_it_back(db: Database) -> None:
    with pytest.raises(ValueError), db.rehearsal() as dry:
        with dry.session() as s:
            s.add(_state("console:b"))
        raise ValueError
    assert _count(db) == 0


def test_sqlite_in_memory_cannot_rehearse() -> None:
    with pytest.raises(RuntimeError, match="in memory"), Database("sqlite://").rehearsal():
        pass
