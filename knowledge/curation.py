"""The curation workflow the staff console calls: draft → review → publish, history, restore.

How an entry's states are stored
--------------------------------
``Entry`` (table ``kb_entry``) is the *live row*: when its status is ``published`` and it is in
force, it is what citizens are served. ``EntryRevision`` (table ``kb_revision``) keeps a frozen
copy (``Entry.snapshot()`` format, status included) after every change, in the order made
(``EntryRevision.id``). Each revision names the *version* it is of, and versions count what
went live: an entry's text is version 1 until its first publish, an edit written after that is
version 2 while it is drafted, reviewed and sent back (退回修改) as often as need be, and its
publish makes version 2 live; the next edit is version 3. ``Entry.version`` is the version of
the live row. So one edit published moves an entry from 1 to 2, whatever steps it took.

- **An entry that is not published** (a new draft, one in review, an archived one): nothing is
  served, so edits change the live row directly (status back to ``draft``) and each change is
  recorded as a revision of the version being written (one above the last one published).
- **A published entry**: the published text must keep being served while an edit is written
  and reviewed. So an edit does *not* touch the live row; it is stored only as a revision of
  the next version with status ``draft`` (after ``submit_for_review``: ``review``). That
  revision is the entry's *pending edit*; the latest one wins. ``publish`` copies it into the
  live row, which then is that version.
- Any other change to the live row: ``shebao kb import`` makes the next version too (it is a
  new text, not reviewed here), superseding any pending edit, which stays in the history and
  can be brought back with ``restore``; ``archive`` changes only the status, so the archived
  row keeps its version.

So: a pending edit exists exactly when the entry is published and its newest revision is a
draft or in review.

Rules
-----
- Four eyes: ``publish`` refuses a reviewer who wrote, restored or submitted any part of the
  change under review (every revision since the entry was last published or archived).
- ``return_for_changes`` (退回修改) sends a change in review back to its author as a draft,
  with the reviewer's required comment kept on that revision (``EntryRevision.comment``). The
  reviewer who sent it back wrote nothing, so they may still publish the corrected text.
- ``restore`` never goes live by itself: it makes the old text the current draft (or the pending
  edit of a published entry), which is reviewed and published like any edit. To take a wrong
  answer offline at once, one person may ``archive`` it.
- Content is checked with ``knowledge.schema`` on every save; on publish it is checked as a
  published entry (at least three similar questions) and against the questions of every other
  entry that is not archived.
- Each change to what is served (publish, archiving a published entry, import) adds one to
  ``KbState.generation``, so every worker can tell its index is stale and reload.

Every function takes the caller's ``Session`` and leaves committing to the caller
(``Database.session()`` commits, or rolls back on an exception).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from knowledge import entry_ids
from knowledge.models import Entry, EntryRevision, KbState
from knowledge.schema import (
    EntryData,
    InvalidEntries,
    Problem,
    check_unique,
    parse_entry,
    question_key,
)
from shebao.clock import utcnow

#: The content fields of an entry, in the order of ``Entry.snapshot()``.
FIELDS = (
    "id",
    "topic",
    "question",
    "similar_questions",
    "answer",
    "region",
    "category",
    "keywords",
    "source_title",
    "source_number",
    "source_date",
    "effective_from",
    "effective_to",
    "status",
)
#: Fields taken from an ``EntryData`` onto an ``Entry`` row (dates as ``date``, not text).
_ROW_FIELDS = tuple(f for f in FIELDS if f != "id")


class CurationError(Exception):
    """An operation that the entry's current state does not allow."""


class EntryNotFound(CurationError):
    pass


class ReviewerIsAuthor(CurationError):
    """The four-eyes rule: whoever wrote or submitted a change may not publish it."""


class CommentRequired(CurationError):
    """Sending a change back (退回修改) needs a comment saying what to change."""


#: The revision action of 退回修改.
RETURNED = "return"


@dataclass
class Work:
    """The work in progress on one entry, as the console shows it for editing or review."""

    entry_id: str
    version: int  # the version this text is (or will be, once published)
    revision_id: int | None  # the revision holding this text (None: a row with no history)
    status: str  # draft | review (or the live status when nothing is pending)
    data: dict[str, Any]  # Entry.snapshot() format
    pending: bool  # True: a published text stays served until this is published
    authors: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class FieldDiff:
    field: str
    before: str
    after: str
    lines: list[str]  # difflib.unified_diff of the field's lines (lists: one item a line)
    inline: str  # the text with [-removed-]{+added+} marks, for one-paragraph Chinese text


# ── shared primitives (also used by knowledge.importer) ──────────────────────────────────────


def snapshot_of(data: EntryData) -> dict[str, Any]:
    """``data`` in the ``Entry.snapshot()`` format, so the two compare equal when alike."""
    return {
        "id": data.id,
        "topic": data.topic or data.id,
        "question": data.question,
        "similar_questions": list(data.similar_questions),
        "answer": data.answer,
        "region": data.region,
        "category": data.category,
        "keywords": list(data.keywords),
        "source_title": data.source_title,
        "source_number": data.source_number,
        "source_date": data.source_date.isoformat() if data.source_date else None,
        "effective_from": data.effective_from.isoformat() if data.effective_from else None,
        "effective_to": data.effective_to.isoformat() if data.effective_to else None,
        "status": data.status,
    }


def entry_data(entry: Entry) -> EntryData:
    """The live row of ``entry`` as ``EntryData``."""
    return EntryData(
        id=entry.id,
        question=entry.question,
        similar_questions=list(entry.similar_questions or []),
        answer=entry.answer,
        region=entry.region,
        category=entry.category,
        source_title=entry.source_title,
        source_number=entry.source_number,
        source_date=entry.source_date,
        effective_from=entry.effective_from,
        effective_to=entry.effective_to,
        status=entry.status,
        keywords=list(entry.keywords or []),
        topic=entry.topic,
    )


def parse_snapshot(data: Mapping[str, Any], where: str, status: str | None = None) -> EntryData:
    """Check a snapshot-format mapping with ``knowledge.schema``; raise ``InvalidEntries``."""
    raw = dict(data)
    if status is not None:
        raw["status"] = status
    parsed, problems = parse_entry(raw, where)
    if parsed is None:
        raise InvalidEntries(problems)
    return parsed


def apply_data(entry: Entry, data: EntryData) -> None:
    """Copy the content of ``data`` onto the row (not its version or audit columns)."""
    for name in _ROW_FIELDS:
        value = getattr(data, name)
        setattr(entry, name, list(value) if isinstance(value, list) else value)
    entry.topic = data.topic or data.id


#: Revision actions that change the live row to a new text of its own: a new version.
NEW_VERSION_ACTIONS = ("publish", "import")


def released_version(session: Session, entry_id: str) -> int:
    """The newest version that went live (published, or imported as published); 0: none yet.
    A row with no revision at all (written by another tool) counts as released as it is."""
    rows = session.execute(
        select(EntryRevision.version, EntryRevision.action, EntryRevision.data).where(
            EntryRevision.entry_id == entry_id
        )
    ).all()
    if not rows:
        return session.scalar(select(Entry.version).where(Entry.id == entry_id)) or 0
    return max(
        (
            version
            for version, action, data in rows
            if action in NEW_VERSION_ACTIONS and data.get("status") == "published"
        ),
        default=0,
    )


def next_version(session: Session, entry_id: str) -> int:
    """The version being written: one above the newest version that went live."""
    return released_version(session, entry_id) + 1


def record_revision(
    session: Session,
    entry_id: str,
    version: int,
    data: dict[str, Any],
    action: str,
    actor: str,
    comment: str | None = None,
) -> EntryRevision:
    revision = EntryRevision(
        entry_id=entry_id,
        version=version,
        data=dict(data),
        action=action,
        changed_by=actor,
        changed_at=utcnow(),
        comment=comment,
    )
    session.add(revision)
    session.flush()
    return revision


def commit_row(
    session: Session,
    entry: Entry,
    action: str,
    actor: str,
    comment: str | None = None,
    version: int | None = None,
) -> EntryRevision:
    """Record the live row as a revision, numbered as the module's doc says: ``version`` when
    given (``publish``: the version reviewed), else the version being written, except that
    ``archive`` changes only the status (the version stays)."""
    if version is not None:
        entry.version = version
    elif action != "archive" or not entry.version:
        entry.version = next_version(session, entry.id)
    entry.updated_by = actor
    entry.updated_at = utcnow()
    session.flush()
    return record_revision(
        session, entry.id, entry.version, entry.snapshot(), action, actor, comment
    )


def bump_generation(session: Session) -> int:
    """Add one to ``KbState.generation`` (creating the row, id 1, if missing); return it."""
    if session.get(KbState, 1) is None:
        session.add(KbState(id=1, generation=0))
        session.flush()
    session.execute(
        sa.update(KbState).where(KbState.id == 1).values(generation=KbState.generation + 1)
    )
    state = session.get(KbState, 1, populate_existing=True)
    assert state is not None
    return state.generation


def generation(session: Session) -> int:
    """The current publish counter; a worker whose index was built at a lower one reloads."""
    state = session.get(KbState, 1)
    return state.generation if state else 0


def question_conflicts(session: Session, candidates: list[tuple[EntryData, str]]) -> list[Problem]:
    """Questions of ``candidates`` already asked by another entry in the database.

    Entries that are archived, or that the candidates replace (same id), are left out.
    """
    ids = {data.id for data, _ in candidates}
    others = session.scalars(select(Entry).where(Entry.status != "archived")).all()
    existing = [(entry_data(e), f"database entry {e.id}") for e in others if e.id not in ids]
    wheres = {where for _, where in candidates}
    return [p for p in check_unique(existing + candidates) if p.where in wheres]


# ── queries ──────────────────────────────────────────────────────────────────────────────────


def published_in_force(session: Session, today: date) -> list[Entry]:
    """The entries to serve on ``today``: published, started, and not past their end date."""
    return list(
        session.scalars(
            select(Entry)
            .where(Entry.status == "published")
            .where(or_(Entry.effective_from.is_(None), Entry.effective_from <= today))
            .where(or_(Entry.effective_to.is_(None), Entry.effective_to >= today))
            .order_by(Entry.category, Entry.id)
        )
    )


def get_entry(session: Session, entry_id: str) -> Entry:
    entry = session.get(Entry, entry_id)
    if entry is None:
        raise EntryNotFound(f"no entry {entry_id!r}")
    return entry


def history(session: Session, entry_id: str) -> list[EntryRevision]:
    """Every revision of the entry, oldest first."""
    get_entry(session, entry_id)
    return list(
        session.scalars(
            select(EntryRevision)
            .where(EntryRevision.entry_id == entry_id)
            .order_by(EntryRevision.id)
        )
    )


def _find_revision(session: Session, entry_id: str, revision_id: int) -> EntryRevision | None:
    found = session.get(EntryRevision, revision_id)
    return found if found is not None and found.entry_id == entry_id else None


def revision(session: Session, entry_id: str, revision_id: int) -> EntryRevision:
    """One revision of the entry, by its id (several revisions may be of one version)."""
    found = _find_revision(session, entry_id, revision_id)
    if found is None:
        raise EntryNotFound(f"entry {entry_id!r} has no revision {revision_id}")
    return found


def _newest(session: Session, entry_id: str) -> EntryRevision | None:
    return session.scalar(
        select(EntryRevision)
        .where(EntryRevision.entry_id == entry_id)
        .order_by(EntryRevision.id.desc())
        .limit(1)
    )


def pending_edit(session: Session, entry_id: str) -> EntryRevision | None:
    """The edit of a published entry that is not live yet, if there is one."""
    entry = get_entry(session, entry_id)
    if entry.status != "published":
        return None
    newest = _newest(session, entry_id)
    if newest is not None and newest.data.get("status") in ("draft", "review"):
        return newest
    return None


def live_revision(session: Session, entry_id: str) -> EntryRevision | None:
    """The revision the live row equals: the newest one that changed the live row (for a
    published entry with a pending edit, the one that published it)."""
    entry = get_entry(session, entry_id)
    for rev in reversed(history(session, entry_id)):
        if entry.status != "published" or rev.data.get("status") == "published":
            return rev
    return None


def _authors(session: Session, entry: Entry) -> set[str]:
    """Who changed the entry since it was last published or archived (退回修改 writes nothing)."""
    revisions = history(session, entry.id)
    start = 0
    for i, rev in enumerate(revisions):
        if rev.data.get("status") in ("published", "archived"):
            start = i + 1
    return {rev.changed_by for rev in revisions[start:] if rev.action != RETURNED}


def working_copy(session: Session, entry_id: str) -> Work:
    """What an editor should start from: the pending edit if any, else the live row."""
    entry = get_entry(session, entry_id)
    pending = pending_edit(session, entry_id)
    if pending is not None:
        return Work(
            entry_id,
            pending.version,
            pending.id,
            pending.data["status"],
            dict(pending.data),
            True,
            _authors(session, entry),
        )
    authors = _authors(session, entry) if entry.status != "published" else set()
    live = live_revision(session, entry_id)
    return Work(
        entry_id,
        entry.version,
        live.id if live is not None else None,
        entry.status,
        entry.snapshot(),
        False,
        authors,
    )


def awaiting_review(session: Session) -> list[Work]:
    """Every entry with work in review: new entries, and pending edits of published ones."""
    out: list[Work] = []
    for entry in session.scalars(select(Entry).order_by(Entry.id)):
        work = working_copy(session, entry.id)
        if work.status == "review":
            out.append(work)
    return out


# ── operations ───────────────────────────────────────────────────────────────────────────────


def _as_snapshot(data: EntryData | Mapping[str, Any]) -> dict[str, Any]:
    return snapshot_of(data) if isinstance(data, EntryData) else dict(data)


def create_draft(session: Session, data: EntryData | Mapping[str, Any], actor: str) -> Entry:
    """A new entry, status ``draft``, version 1. Raises ``InvalidEntries``, ``CurationError``.

    Without an id (the console never asks for one) it gets one made from its question and
    region (``knowledge.entry_ids``)."""
    raw = _as_snapshot(data)
    if not str(raw.get("id") or "").strip():
        raw["id"] = entry_ids.generate(
            str(raw.get("question") or ""),
            str(raw.get("region") or ""),
            lambda candidate: session.get(Entry, candidate) is not None,
        )
    parsed = parse_snapshot(raw, "new entry", status="draft")
    if session.get(Entry, parsed.id) is not None:
        raise CurationError(f"an entry {parsed.id!r} already exists")
    problems = question_conflicts(session, [(parsed, "new entry")])
    if problems:
        raise InvalidEntries(problems)
    entry = Entry(id=parsed.id, version=0)
    apply_data(entry, parsed)
    session.add(entry)
    commit_row(session, entry, "create", actor)
    return entry


def update(
    session: Session,
    entry_id: str,
    changes: EntryData | Mapping[str, Any],
    actor: str,
    action: str = "edit",
) -> EntryRevision:
    """Save an edit: ``changes`` (a whole entry, or some fields) over the current working copy.

    A published entry keeps being served unchanged; the edit becomes its pending edit. Any
    other entry is changed in place and goes back to ``draft``. Returns the new revision, or
    the current one when nothing changed.
    """
    entry = get_entry(session, entry_id)
    work = working_copy(session, entry_id)
    merged = {**work.data, **_as_snapshot(changes)}
    if merged.get("id", entry_id) != entry_id:
        raise CurationError("an entry's id cannot change; create a new entry instead")
    merged["id"] = entry_id
    parsed = parse_snapshot(merged, f"entry {entry_id}", status="draft")
    problems = question_conflicts(session, [(parsed, f"entry {entry_id}")])
    if problems:
        raise InvalidEntries(problems)
    new = snapshot_of(parsed)
    if _content(new) == _content(work.data) and work.revision_id is not None:
        unchanged = _find_revision(session, entry_id, work.revision_id)
        if unchanged is not None:
            return unchanged
    if entry.status == "published":
        return record_revision(
            session, entry_id, next_version(session, entry_id), new, action, actor
        )
    apply_data(entry, parsed)
    entry.submitted_by = None
    return commit_row(session, entry, action, actor)


def submit_for_review(session: Session, entry_id: str, actor: str) -> EntryRevision:
    """Hand the current draft to a reviewer (who must be someone else)."""
    entry = get_entry(session, entry_id)
    work = working_copy(session, entry_id)
    if work.status == "review":
        raise CurationError(f"entry {entry_id!r} is already in review")
    if work.status == "published":
        raise CurationError(f"entry {entry_id!r} has no edit to review; it is published as is")
    if work.pending:
        data = {**work.data, "status": "review"}
        return record_revision(
            session, entry_id, next_version(session, entry_id), data, "submit", actor
        )
    parse_snapshot(work.data, f"entry {entry_id}", status="draft")
    entry.status = "review"
    entry.submitted_by = actor
    return commit_row(session, entry, "submit", actor)


def add_similar_questions(
    session: Session,
    entry_id: str,
    questions: list[str],
    actor: str,
    *,
    submit: bool = True,
    leave_others: bool = False,
) -> list[str]:
    """Add ``questions`` to an entry's other ways of asking (its working copy), each once and
    none it has already; ``submit``: a draft so made goes to review. ``leave_others``: a
    question another entry has is left with it. Returns the questions added."""
    get_entry(session, entry_id)
    work = working_copy(session, entry_id)
    similar = list(work.data.get("similar_questions", []))
    skip = {question_key(q) for q in [work.data["question"], *similar]}
    if leave_others:
        skip |= {
            question_key(q)
            for e in session.scalars(select(Entry).where(Entry.id != entry_id))
            for q in [e.question, *(e.similar_questions or [])]
        }
    new: list[str] = []
    for q in questions:
        if question_key(q) not in skip:
            skip.add(question_key(q))
            new.append(q)
    if new:
        update(session, entry_id, {"similar_questions": [*similar, *new]}, actor)
        if submit and working_copy(session, entry_id).status == "draft":
            submit_for_review(session, entry_id, actor)
    return new


def publish(session: Session, entry_id: str, reviewer: str) -> Entry:
    """Make the text in review live. The reviewer must not be one of its authors."""
    entry = get_entry(session, entry_id)
    work = working_copy(session, entry_id)
    if work.status != "review":
        raise CurationError(
            f"entry {entry_id!r} is {work.status}, not in review; submit it for review first"
        )
    if reviewer in work.authors:
        raise ReviewerIsAuthor(
            f"{reviewer} wrote or submitted this change to {entry_id!r} and may not publish it;"
            f" another member of staff must review it (authors: {', '.join(sorted(work.authors))})"
        )
    where = f"entry {entry_id}"
    parsed = parse_snapshot(work.data, where, status="published")
    problems = question_conflicts(session, [(parsed, where)])
    if problems:
        raise InvalidEntries(problems)
    submitter = (
        revision(session, entry_id, work.revision_id).changed_by
        if work.pending and work.revision_id is not None
        else entry.submitted_by
    )
    apply_data(entry, parsed)
    entry.submitted_by = submitter
    commit_row(session, entry, "publish", reviewer, version=work.version)
    bump_generation(session)
    return entry


def return_for_changes(
    session: Session, entry_id: str, reviewer: str, comment: str
) -> EntryRevision:
    """退回修改: send the text in review back to its author as a draft, saying why.

    The text is unchanged; the new revision (status ``draft``, action ``return``) carries the
    comment. A published entry keeps being served; its pending edit becomes a draft again.
    """
    comment = comment.strip()
    if not comment:
        raise CommentRequired(f"sending {entry_id!r} back needs a comment saying what to change")
    entry = get_entry(session, entry_id)
    work = working_copy(session, entry_id)
    if work.status != "review":
        raise CurationError(f"entry {entry_id!r} is {work.status}, not in review")
    if work.pending:
        data = {**work.data, "status": "draft"}
        return record_revision(
            session, entry_id, next_version(session, entry_id), data, RETURNED, reviewer, comment
        )
    entry.status = "draft"
    entry.submitted_by = None
    return commit_row(session, entry, RETURNED, reviewer, comment)


def open_return(session: Session, entry_id: str) -> EntryRevision | None:
    """The 退回修改 the author has not answered yet: the newest ``return`` revision, unless the
    entry was submitted, published or archived after it."""
    for rev in reversed(history(session, entry_id)):
        if rev.action == RETURNED:
            return rev
        if rev.action in ("submit", "publish", "archive", "import"):
            return None
    return None


def open_returns(session: Session) -> list[tuple[EntryRevision, Work]]:
    """Every change sent back (退回修改) and not yet resubmitted: (the return, the work now)."""
    entry_ids = session.scalars(
        select(EntryRevision.entry_id).where(EntryRevision.action == RETURNED).distinct()
    ).all()
    out: list[tuple[EntryRevision, Work]] = []
    for entry_id in sorted(entry_ids):
        returned = open_return(session, entry_id)
        if returned is not None:
            out.append((returned, working_copy(session, entry_id)))
    return out


def archive(session: Session, entry_id: str, actor: str) -> Entry:
    """Stop serving the entry at once (one person may do this). Supersedes a pending edit."""
    entry = get_entry(session, entry_id)
    if entry.status == "archived":
        raise CurationError(f"entry {entry_id!r} is already archived")
    was_served = entry.status == "published"
    entry.status = "archived"
    commit_row(session, entry, "archive", actor)
    if was_served:
        bump_generation(session)
    return entry


def restore(session: Session, entry_id: str, revision_id: int, actor: str) -> EntryRevision:
    """Make the text of an earlier revision the current draft, to be reviewed and published."""
    old = revision(session, entry_id, revision_id)
    data = {k: v for k, v in old.data.items() if k != "status"}
    return update(session, entry_id, data, actor, action=f"restore v{old.version}")


def diff(session: Session, entry_id: str, r1: int, r2: int) -> list[FieldDiff]:
    """What changed from revision ``r1`` to ``r2`` (ids), field by field (unchanged fields
    omitted)."""
    old, new = revision(session, entry_id, r1), revision(session, entry_id, r2)
    before, after = old.data, new.data
    v1, v2 = old.version, new.version
    out: list[FieldDiff] = []
    for name in FIELDS:
        a, b = _text(before.get(name)), _text(after.get(name))
        if a == b:
            continue
        lines = list(
            difflib.unified_diff(
                a.splitlines(), b.splitlines(), f"v{v1}", f"v{v2}", lineterm="", n=1
            )
        )
        out.append(FieldDiff(name, a, b, lines, _inline(a, b)))
    return out


def _content(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "status"}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(str(v) for v in value)
    return str(value)


def _inline(a: str, b: str) -> str:
    parts: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            parts.append(a[i1:i2])
            continue
        if i2 > i1:
            parts.append(f"[-{a[i1:i2]}-]")
        if j2 > j1:
            parts.append(f"{{+{b[j1:j2]}+}}")
    return "".join(parts)


def rehearse_drafts(session: Session) -> list[str]:
    """Make every draft, entry in review and pending edit live, as if published: for a dry run
    of the engine (``bot.rehearsal``) whose transaction is rolled back, never for real. Work
    that would not pass publishing's checks is left out. Returns the ids made live."""
    live: list[str] = []
    for entry in session.scalars(select(Entry).order_by(Entry.id)):
        work = working_copy(session, entry.id)
        if work.status not in ("draft", "review"):
            continue
        try:
            parsed = parse_snapshot(work.data, f"entry {entry.id}", status="published")
        except InvalidEntries:
            continue
        apply_data(entry, parsed)
        entry.status = "published"
        live.append(entry.id)
    session.flush()
    return live
