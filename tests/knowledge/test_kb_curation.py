"""``knowledge.curation``: draft → review → publish with four eyes, edits of published entries
kept pending while the published text is served, history, diff, restore, archive, and which
entries are in force."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from kb_helpers import make_raw, write_content
from sqlalchemy.orm import Session

from knowledge import curation
from knowledge.curation import (
    CurationError,
    ReviewerIsAuthor,
    archive,
    create_draft,
    diff,
    generation,
    history,
    pending_edit,
    publish,
    published_in_force,
    restore,
    submit_for_review,
    update,
    working_copy,
)
from knowledge.importer import import_entries, validate_paths
from knowledge.models import Entry
from knowledge.schema import InvalidEntries

TODAY = date(2025, 6, 1)


def live(session: Session, entry_id: str) -> Entry:
    entry = session.get(Entry, entry_id)
    assert entry is not None
    return entry


def published_entry(session: Session, entry_id: str = "faq-a") -> Entry:
    """A published entry written by alice and published by bob: version 1, three revisions."""
    create_draft(session, make_raw(entry_id), "alice")
    submit_for_review(session, entry_id, "alice")
    return publish(session, entry_id, "bob")


def test_a_new_draft_is_not_served(session: Session) -> None:
    entry = create_draft(session, make_raw("faq-a"), "alice")
    assert (entry.status, entry.version, entry.updated_by) == ("draft", 1, "alice")
    assert [(r.version, r.action) for r in history(session, "faq-a")] == [(1, "create")]
    assert published_in_force(session, TODAY) == []
    assert generation(session) == 0


def test_draft_review_publish(session: Session) -> None:
    create_draft(session, make_raw("faq-a"), "alice")
    submit_for_review(session, "faq-a", "alice")
    assert live(session, "faq-a").status == "review"
    assert [w.entry_id for w in curation.awaiting_review(session)] == ["faq-a"]
    entry = publish(session, "faq-a", "bob")
    assert (entry.status, entry.version, entry.updated_by, entry.submitted_by) == (
        "published",
        1,
        "bob",
        "alice",
    )
    assert [(r.version, r.action, r.changed_by) for r in history(session, "faq-a")] == [
        (1, "create", "alice"),
        (1, "submit", "alice"),
        (1, "publish", "bob"),
    ]
    assert published_in_force(session, TODAY) == [entry]
    assert generation(session) == 1
    assert curation.awaiting_review(session) == []


def test_the_author_may_not_publish(session: Session) -> None:
    create_draft(session, make_raw("faq-a"), "alice")
    submit_for_review(session, "faq-a", "alice")
    with pytest.raises(ReviewerIsAuthor, match="alice wrote or submitted"):
        publish(session, "faq-a", "alice")
    assert live(session, "faq-a").status == "review"


def test_whoever_submitted_or_edited_may_not_publish_either(session: Session) -> None:
    create_draft(session, make_raw("faq-a"), "alice")
    update(session, "faq-a", {"answer": "carol 改过的答案（全国，2024年）。"}, "carol")
    submit_for_review(session, "faq-a", "dave")
    for person in ("alice", "carol", "dave"):
        with pytest.raises(ReviewerIsAuthor):
            publish(session, "faq-a", person)
    assert publish(session, "faq-a", "bob").status == "published"


def test_only_work_in_review_can_be_published(session: Session) -> None:
    create_draft(session, make_raw("faq-a"), "alice")
    with pytest.raises(CurationError, match="not in review"):
        publish(session, "faq-a", "bob")
    submit_for_review(session, "faq-a", "alice")
    with pytest.raises(CurationError, match="already in review"):
        submit_for_review(session, "faq-a", "alice")


def test_editing_during_review_sends_it_back_to_draft(session: Session) -> None:
    create_draft(session, make_raw("faq-a"), "alice")
    submit_for_review(session, "faq-a", "alice")
    update(session, "faq-a", {"answer": "又改了（全国，2024年）。"}, "alice")
    assert live(session, "faq-a").status == "draft"
    unchanged = update(session, "faq-a", {"answer": "又改了（全国，2024年）。"}, "alice")
    assert unchanged.version == live(session, "faq-a").version


def test_editing_a_published_entry_keeps_serving_the_published_text(session: Session) -> None:
    published_entry(session)
    before = live(session, "faq-a").snapshot()
    rev = update(session, "faq-a", {"answer": "新标准：每月2000元（全国，2025年）。"}, "alice")
    assert (rev.version, rev.action, rev.data["status"]) == (2, "edit", "draft")
    assert live(session, "faq-a").snapshot() == before
    assert live(session, "faq-a").version == 1
    assert published_in_force(session, TODAY)[0].answer == before["answer"]
    pending = pending_edit(session, "faq-a")
    assert pending is not None and (pending.id, pending.version) == (rev.id, 2)

    work = working_copy(session, "faq-a")
    assert (work.pending, work.status, work.data["answer"]) == (
        True,
        "draft",
        "新标准：每月2000元（全国，2025年）。",
    )
    submit_for_review(session, "faq-a", "alice")
    assert working_copy(session, "faq-a").status == "review"
    assert live(session, "faq-a").status == "published"
    with pytest.raises(ReviewerIsAuthor):
        publish(session, "faq-a", "alice")
    assert generation(session) == 1

    entry = publish(session, "faq-a", "bob")
    assert (entry.answer, entry.version, entry.status) == (
        "新标准：每月2000元（全国，2025年）。",
        2,
        "published",
    )
    assert pending_edit(session, "faq-a") is None
    assert generation(session) == 2


def test_the_previous_publisher_may_review_someone_elses_edit(session: Session) -> None:
    published_entry(session)  # published by bob
    update(session, "faq-a", {"answer": "carol 的修改（全国，2025年）。"}, "carol")
    submit_for_review(session, "faq-a", "carol")
    assert working_copy(session, "faq-a").authors == {"carol"}
    assert publish(session, "faq-a", "bob").answer == "carol 的修改（全国，2025年）。"


def test_a_published_entry_with_no_edit_has_nothing_to_review(session: Session) -> None:
    published_entry(session)
    with pytest.raises(CurationError, match="no edit to review"):
        submit_for_review(session, "faq-a", "alice")


def test_publish_needs_three_similar_questions(session: Session) -> None:
    create_draft(session, make_raw("faq-a", similar_questions=["只有一个"]), "alice")
    submit_for_review(session, "faq-a", "alice")
    with pytest.raises(InvalidEntries) as info:
        publish(session, "faq-a", "bob")
    assert info.value.problems[0].field == "similar_questions"
    assert live(session, "faq-a").status == "review"


def test_drafts_are_checked_by_the_schema(session: Session) -> None:
    with pytest.raises(InvalidEntries) as info:
        create_draft(session, make_raw("faq-a", region="火星市"), "alice")
    assert info.value.problems[0].field == "region"
    create_draft(session, make_raw("faq-a"), "alice")
    with pytest.raises(InvalidEntries):
        update(session, "faq-a", {"answer": "长" * 500}, "alice")
    with pytest.raises(CurationError, match="already exists"):
        create_draft(session, make_raw("faq-a"), "alice")
    with pytest.raises(CurationError, match="id cannot change"):
        update(session, "faq-a", {"id": "faq-b"}, "alice")


def test_a_question_may_not_be_asked_by_two_entries(session: Session) -> None:
    published_entry(session, "faq-a")
    with pytest.raises(InvalidEntries) as info:
        create_draft(session, make_raw("faq-b", question="faq-a的标准问题是什么"), "alice")
    assert "faq-a" in info.value.problems[0].message


def test_history_diff_and_restore(session: Session) -> None:
    published_entry(session)  # version 1: create, submit, publish
    update(
        session,
        "faq-a",
        {"answer": "养老金每月上调50元（全国，2025年）。", "keywords": ["测试", "养老金"]},
        "alice",
    )  # version 2: edit, submit, publish
    submit_for_review(session, "faq-a", "alice")
    publish(session, "faq-a", "bob")
    revisions = [r.id for r in history(session, "faq-a")]

    changes = {d.field: d for d in diff(session, "faq-a", revisions[2], revisions[5])}
    assert set(changes) == {"answer", "keywords"}
    assert changes["answer"].before == "关于faq-a：按规定办理（全国，2024年）。"
    assert "+养老金每月上调50元（全国，2025年）。" in changes["answer"].lines
    assert changes["keywords"].lines[-1] == "+养老金"
    assert "{+" in changes["answer"].inline and "[-" in changes["answer"].inline
    assert changes["answer"].lines[:2] == ["--- v1", "+++ v2"]
    assert [d.field for d in diff(session, "faq-a", revisions[3], revisions[4])] == ["status"]

    rev = restore(session, "faq-a", revisions[2], "carol")  # pending; version 2 still served
    assert (rev.version, rev.action, rev.changed_by) == (3, "restore v1", "carol")
    assert live(session, "faq-a").answer == "养老金每月上调50元（全国，2025年）。"
    submit_for_review(session, "faq-a", "carol")
    entry = publish(session, "faq-a", "bob")
    assert entry.answer == "关于faq-a：按规定办理（全国，2024年）。"
    assert entry.keywords == ["测试"]
    assert entry.version == 3
    assert [(r.version, r.action) for r in history(session, "faq-a")] == [
        (1, "create"),
        (1, "submit"),
        (1, "publish"),
        (2, "edit"),
        (2, "submit"),
        (2, "publish"),
        (3, "restore v1"),
        (3, "submit"),
        (3, "publish"),
    ]
    with pytest.raises(curation.EntryNotFound):
        restore(session, "faq-a", 10**6, "carol")


def test_archive_stops_serving_at_once_and_supersedes_a_pending_edit(session: Session) -> None:
    published_entry(session)
    update(session, "faq-a", {"answer": "待审的修改（全国，2025年）。"}, "alice")
    entry = archive(session, "faq-a", "carol")
    assert (entry.status, entry.version) == ("archived", 1)  # archiving changes no text
    assert pending_edit(session, "faq-a") is None
    assert published_in_force(session, TODAY) == []
    assert generation(session) == 2
    with pytest.raises(CurationError, match="already archived"):
        archive(session, "faq-a", "carol")

    superseded = history(session, "faq-a")[3]
    assert (superseded.version, superseded.action) == (2, "edit")
    restore(session, "faq-a", superseded.id, "carol")  # bring it back as a draft
    assert (live(session, "faq-a").status, live(session, "faq-a").version) == ("draft", 2)
    submit_for_review(session, "faq-a", "carol")
    with pytest.raises(ReviewerIsAuthor):
        publish(session, "faq-a", "carol")
    assert publish(session, "faq-a", "bob").answer == "待审的修改（全国，2025年）。"


def test_import_supersedes_a_pending_edit(tmp_path: Path, session: Session) -> None:
    published_entry(session)
    update(session, "faq-a", {"answer": "待审的修改（全国，2025年）。"}, "alice")
    path = write_content(tmp_path / "a.yaml", [make_raw("faq-a", answer="导入的答案。")])
    result = import_entries(session, validate_paths([path], session)[0], "admin")
    assert (result.updated, result.superseded) == (["faq-a"], ["faq-a"])
    assert pending_edit(session, "faq-a") is None
    assert live(session, "faq-a").version == 2  # a new text went live


def test_only_entries_in_force_are_served(tmp_path: Path, session: Session) -> None:
    path = write_content(
        tmp_path / "a.yaml",
        [
            make_raw("open-ended"),
            make_raw("ends-today", effective_to="2025-06-01"),
            make_raw("ended", effective_from="2020-01-01", effective_to="2025-05-31"),
            make_raw("starts-later", effective_from="2025-06-02"),
            make_raw("started", effective_from="2025-06-01"),
            make_raw("not-published", status="draft"),
        ],
    )
    import_entries(session, validate_paths([path], session)[0], "admin")
    assert [e.id for e in published_in_force(session, TODAY)] == [
        "ends-today",
        "open-ended",
        "started",
    ]
    assert not live(session, "ended").in_force(TODAY)
