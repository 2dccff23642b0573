"""Fit the retrieval calibration (``knowledge/calibration.json``) from held-out questions.

    python -m bot.calibrate

Positives and hard negatives come from the knowledge base itself: for a few rounds, one
"other way of asking" per entry is held out of the index and asked; every top-5 hit is a
sample, right when it is the held-out question's topic. Out-of-scope and chitchat utterances
give negatives with no right entry at all. Neither evaluation set is used, so they keep
measuring something.
"""

from __future__ import annotations

import json
from dataclasses import replace
from importlib import resources
from pathlib import Path

from sklearn.linear_model import LogisticRegression

from bot.understanding import Understanding
from intents.classifier import training_utterances
from knowledge.index import KnowledgeIndex
from knowledge.scoring import NAMES
from shebao import clock
from shebao.db import Database

ROUNDS = 3


def samples(u: Understanding) -> tuple[list[list[float]], list[int]]:
    entries = list(u.index.entries)
    x: list[list[float]] = []
    y: list[int] = []
    for k in range(ROUNDS):
        held: list[tuple[str, str, str]] = []
        reduced = []
        for e in entries:
            if len(e.questions) > 3 + k:
                q = e.questions[-1 - k]
                held.append((q, e.topic, e.region))
                reduced.append(replace(e, questions=[x for x in e.questions if x != q]))
            else:
                reduced.append(e)
        index = KnowledgeIndex(reduced, u.normalize, u.words, u.regions, clock.china_today())
        for q, topic, region in held:
            asker = region if u.regions.depth(region) >= 2 else None
            for hit in index.search(q, asker, limit=5):
                assert hit.features is not None
                x.append(hit.features.vector())
                y.append(int(hit.entry.topic == topic))
    data = training_utterances()
    for q in data.get("out_of_scope", []) + data.get("chitchat", []):
        for hit in u.index.search(q, None, limit=5):
            assert hit.features is not None
            x.append(hit.features.vector())
            y.append(0)
    return x, y


def main() -> None:
    db = Database("sqlite:///:memory:")
    db.create_all()
    from knowledge.importer import load_shipped_content

    load_shipped_content(db)
    u = Understanding(db)
    x, y = samples(u)
    model = LogisticRegression(C=1.0, max_iter=5000)
    model.fit(x, y)
    out = {
        "bias": float(model.intercept_[0]),
        "weights": {n: float(w) for n, w in zip(NAMES, model.coef_[0], strict=True)},
        "samples": len(y),
        "positives": int(sum(y)),
    }
    path = Path(str(resources.files("knowledge").joinpath("calibration.json")))
    path.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", "utf-8")
    print(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
