"""Fixtures for the knowledge-base tools: a fresh SQLite database per test and small entries.

Tests never read the shipped content (knowledge/content/*.yaml, still being written):
``shipped`` points ``load_shipped_content`` at a temporary folder instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from dbutil import make_test_database_url
from sqlalchemy.orm import Session

import knowledge.importer
from shebao.db import Database


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(make_test_database_url(tmp_path, "kb.db"))
    database.create_all()
    yield database
    database.engine.dispose()


@pytest.fixture
def session(db: Database) -> Iterator[Session]:
    with db.session() as s:
        yield s


@pytest.fixture
def shipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty stand-in for knowledge/content; tests put YAML files in it."""
    folder = tmp_path / "shipped"
    folder.mkdir()

    @contextmanager
    def files() -> Iterator[list[Path]]:
        yield sorted(folder.glob("*.yaml"))

    monkeypatch.setattr(knowledge.importer, "shipped_content_files", files)
    return folder
