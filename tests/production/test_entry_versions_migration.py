"""0009_entry_versions: revisions stored under the old numbering (every revision the next
number, the live row the number of the revision it equalled) are renumbered to versions that
count published changes, with the live row, a dispute's version and "restore vN" following;
downgrading numbers them 1, 2, 3 … again."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from dbutil import make_test_database_url
from sqlalchemy import text

from shebao.db import Database
from shebao.schema import downgrade, upgrade

BEFORE = "0008_handoff_claims"
#: One entry as the old code left it: imported (1), edited, submitted, sent back, edited,
#: submitted, published (7), edited (8, pending), then an old version restored (9, pending).
OLD = [
    (1, "import", "published"),
    (2, "edit", "draft"),
    (3, "submit", "review"),
    (4, "return", "draft"),
    (5, "edit", "draft"),
    (6, "submit", "review"),
    (7, "publish", "published"),
    (8, "edit", "draft"),
    (9, "restore v1", "draft"),
]


@pytest.fixture
def db(tmp_path: Path) -> Any:
    database = Database(make_test_database_url(tmp_path))
    yield database
    database.engine.dispose()


def _seed(db: Database) -> None:
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO kb_entry (id, topic, question, similar_questions, answer, region,"
                " category, keywords, source_title, status, version, updated_by, updated_at)"
                " VALUES ('e', 'e', '问', '[]', '答', '全国', '类', '[]', '依据', 'published', 7,"
                " 'x', '2026-01-01 00:00:00')"
            )
        )
        for version, action, status in OLD:
            conn.execute(
                text(
                    "INSERT INTO kb_revision (entry_id, version, data, action, changed_by,"
                    " changed_at) VALUES ('e', :v, :d, :a, 'x', '2026-01-01 00:00:00')"
                ),
                {"v": version, "d": json.dumps({"status": status}), "a": action},
            )
        conn.execute(
            text(
                "INSERT INTO bot_dispute (kind, channel, user_key, exchange_id, entry_id,"
                " entry_version, question, answer, said, offered, status, created_at)"
                " VALUES ('dispute', 'wechat', 'u', 1, 'e', 7, '问', '答', '不对', '[]', 'open',"
                " '2026-01-01 00:00:00')"
            )
        )


def _numbers(db: Database) -> tuple[list[tuple[int, str]], int, int]:
    with db.engine.connect() as conn:
        revisions = [
            (int(v), str(a))
            for v, a in conn.execute(text("SELECT version, action FROM kb_revision ORDER BY id"))
        ]
        live = int(conn.scalar(text("SELECT version FROM kb_entry WHERE id = 'e'")))
        disputed = int(conn.scalar(text("SELECT entry_version FROM bot_dispute")))
    return revisions, live, disputed


def test_old_numbers_become_versions_and_back(db: Database) -> None:
    upgrade(db, BEFORE)
    _seed(db)
    upgrade(db)
    revisions, live, disputed = _numbers(db)
    assert revisions == [
        (1, "import"),
        (2, "edit"),
        (2, "submit"),
        (2, "return"),
        (2, "edit"),
        (2, "submit"),
        (2, "publish"),
        (3, "edit"),
        (3, "restore v1"),
    ]
    assert (live, disputed) == (2, 2)

    downgrade(db, BEFORE)
    revisions, live, disputed = _numbers(db)
    assert [v for v, _ in revisions] == list(range(1, 10))
    assert (live, disputed) == (7, 7)
    assert revisions[-1] == (9, "restore v1")
