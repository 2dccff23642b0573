"""The prepared databases of tests/dbutil.py: a copy of ``database_template`` is what
``create_app`` makes of an empty database, an app opened on it neither migrates nor loads, and
every copy is its own (SQLite files, or PostgreSQL schemas with ``TEST_DATABASE_URL``)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from dbutil import DatabaseTemplate, make_test_database_url, on_postgres, prepare_as_the_app_does
from sqlalchemy import MetaData, select, text

import knowledge.importer
import shebao.schema
from app import create_app
from knowledge.models import Entry
from shebao.db import Database
from shebao.schema import differences, head_revision, schema_state


def contents(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows, sorted, with times left out (they say when the rows were made)."""
    db = Database(url)
    try:
        meta = MetaData()
        meta.reflect(db.engine)
        found: dict[str, list[tuple[Any, ...]]] = {}
        with db.engine.connect() as conn:
            for table in meta.sorted_tables:
                rows = conn.execute(select(table)).all()
                found[table.name] = sorted(
                    (
                        tuple(None if isinstance(v, datetime | date) else v for v in row)
                        for row in rows
                    ),
                    key=repr,
                )
        return found
    finally:
        db.engine.dispose()


def test_a_copy_holds_what_create_app_makes_of_an_empty_database(
    prepared_database_url: str, tmp_path: Path
) -> None:
    fresh = make_test_database_url(tmp_path, "fresh.db")
    prepare_as_the_app_does(fresh)
    copied = contents(prepared_database_url)
    assert copied == contents(fresh)
    assert copied["alembic_version"] == [(head_revision(),)]
    assert len(copied["kb_entry"]) > 50  # the shipped content


def test_an_app_on_a_copy_neither_migrates_nor_loads(
    prepared_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the prepared database was migrated or loaded again")

    monkeypatch.setattr(shebao.schema, "_run", refuse)
    monkeypatch.setattr(knowledge.importer, "import_entries", refuse)
    app = create_app({"TESTING": True, "database_url": prepared_database_url})
    db = app.extensions["shebao"].db
    try:
        assert schema_state(db).at_head
        assert differences(db) == []
    finally:
        app.extensions["wechat"].shutdown(wait=True)
        db.engine.dispose()


def test_each_copy_sees_only_its_own_writes(
    database_template: DatabaseTemplate, tmp_path: Path
) -> None:
    def answers(db: Database) -> dict[str, str]:
        with db.session() as s:
            return {id_: answer for id_, answer in s.execute(select(Entry.id, Entry.answer))}

    first = Database(database_template.copy(tmp_path, "a.db"))
    second = Database(database_template.copy(tmp_path, "b.db"))
    try:
        original = answers(first)
        with first.session() as s:
            entry = s.scalars(select(Entry).order_by(Entry.id)).first()
            assert entry is not None
            entry.answer = "改过的答案"
        assert answers(first) == original | {entry.id: "改过的答案"}
        assert answers(second) == original
        third = Database(database_template.copy(tmp_path, "c.db"))
        assert answers(third) == original
        third.engine.dispose()
    finally:
        first.engine.dispose()
        second.engine.dispose()


@pytest.mark.skipif(not on_postgres(), reason="PostgreSQL schemas (TEST_DATABASE_URL)")
def test_a_postgresql_copy_has_the_templates_objects_under_their_names(
    database_template: DatabaseTemplate, prepared_database_url: str
) -> None:
    def catalog(url: str) -> dict[str, list[Any]]:
        db = Database(url)
        try:
            with db.engine.connect() as conn:
                schema = conn.execute(text("SELECT current_schema()")).scalar_one()

                def rows(sql: str) -> list[Any]:
                    return sorted(map(tuple, conn.execute(text(sql), {"ns": schema}).all()))

                ns = "(SELECT oid FROM pg_namespace WHERE nspname = :ns)"
                return {
                    "relations": rows(
                        f"SELECT relname, relkind::text FROM pg_class WHERE relnamespace = {ns}"
                    ),
                    "constraints": rows(
                        f"SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
                        f"FROM pg_constraint WHERE connamespace = {ns}"
                    ),
                    "indexes": rows(
                        f"SELECT ix.relname, replace(pg_get_indexdef(i.indexrelid), "
                        f"quote_ident(:ns) || '.', '') FROM pg_index i "
                        f"JOIN pg_class ix ON ix.oid = i.indexrelid WHERE ix.relnamespace = {ns}"
                    ),
                    "defaults": rows(
                        f"SELECT d.adrelid::regclass::text, d.adnum, pg_get_expr(d.adbin, "
                        f"d.adrelid) FROM pg_attrdef d JOIN pg_class c ON c.oid = d.adrelid "
                        f"WHERE c.relnamespace = {ns}"
                    ),
                    "owned sequences": rows(
                        f"SELECT s.relname, t.relname FROM pg_depend d "
                        f"JOIN pg_class s ON s.oid = d.objid JOIN pg_class t ON t.oid = d.refobjid "
                        f"WHERE s.relnamespace = {ns} AND s.relkind = 'S' AND d.deptype = 'a'"
                    ),
                    "elsewhere": rows(  # the copy must not lean on the template's objects
                        f"SELECT DISTINCT n.nspname FROM pg_depend d "
                        f"JOIN pg_class c ON c.oid = d.objid "
                        f"JOIN pg_class r ON r.oid = d.refobjid "
                        f"JOIN pg_namespace n ON n.oid = r.relnamespace "
                        f"WHERE c.relnamespace = {ns} AND n.nspname <> :ns "
                        f"AND d.classid = 'pg_class'::regclass "
                        f"AND d.refclassid = 'pg_class'::regclass"
                    ),
                }
        finally:
            db.engine.dispose()

    assert catalog(prepared_database_url) == catalog(database_template.url)

    db = Database(prepared_database_url)
    try:
        with db.session() as s:  # a new row continues the template's sequence
            top = s.scalar(text("SELECT max(id) FROM kb_revision"))
            assert s.scalar(text("SELECT nextval('kb_revision_id_seq')")) == top + 1
    finally:
        db.engine.dispose()
