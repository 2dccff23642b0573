"""Fixtures for the knowledge-base tools: a database of empty tables per test (a copy of
``tables_template``) and small entries.

Tests never read the shipped content (knowledge/content/*.yaml, still being written):
``shipped`` points ``load_shipped_content`` at a temporary folder instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from dbutil import DatabaseTemplate
from sqlalchemy.orm import Session

import knowledge.importer
from shebao.db import Database


@pytest.fixture
def db(tables_template: DatabaseTemplate, tmp_path: Path) -> Iterator[Database]:
    database = Database(tables_template.copy(tmp_path, "kb.db"))
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
