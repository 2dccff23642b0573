"""The passage index kept in step with the database: a document imported, re-imported or withdrawn
is picked up within seconds by every worker, re-tokenising only that document."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sqlalchemy import select

from knowledge.document_models import Document, Passage
from knowledge.documents import sentences
from knowledge.index import Analyzer
from knowledge.passages import IndexedDocument, IndexedPassage, PassageIndex
from knowledge.regions import Regions
from shebao.db import Database

RELOAD_CHECK_SECONDS = 2.0


def indexed_document(row: Document) -> IndexedDocument:
    return IndexedDocument(
        id=row.id,
        title=row.title,
        number=row.number,
        date_label=row.date_label(),
        issued=row.issued,
        region=row.region,
        effective_from=row.effective_from,
        effective_to=row.effective_to,
        in_force_status=row.status == "in_force",
        version=row.version,
    )


class LivePassages:
    def __init__(
        self,
        db: Database,
        normalize: Callable[[str], str],
        words: Analyzer,
        regions: Regions,
    ) -> None:
        self.db = db
        self.index = PassageIndex(normalize, words, regions, sentences)
        self._lock = threading.Lock()
        self._checked_at = -RELOAD_CHECK_SECONDS

    def current(self) -> PassageIndex:
        """The index, brought up to date with the database at most every few seconds."""
        now = time.monotonic()
        if now - self._checked_at >= RELOAD_CHECK_SECONDS:
            with self._lock:
                if now - self._checked_at >= RELOAD_CHECK_SECONDS:
                    self.refresh()
                    self._checked_at = time.monotonic()
        return self.index

    def refresh(self) -> int:
        """Apply every document changed since the last look; return how many were."""
        with self.db.session() as s:
            stored = {d: v for d, v in s.execute(select(Document.id, Document.version))}
            held = self.index.versions()
            changed = [d for d, v in stored.items() if held.get(d) != v]
            for doc_id in set(held) - set(stored):
                self.index.remove(doc_id)
            for doc_id in changed:
                row = s.get(Document, doc_id)
                if row is None:
                    continue
                rows = s.scalars(
                    select(Passage).where(Passage.document_id == doc_id).order_by(Passage.position)
                ).all()
                passages = [IndexedPassage(p.id, doc_id, p.position, p.text) for p in rows]
                self.index.update(indexed_document(row), passages)
        if changed or set(held) - set(stored):
            self.index.stack()  # here, under the lock, rather than in a citizen's search
        return len(changed) + len(set(held) - set(stored))
