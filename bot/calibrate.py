"""Fit the retrieval calibration (``knowledge/calibration.json``) on questions as citizens ask.

    python -m bot.calibrate [tests/eval/citizen_tune.jsonl]

Each question of the tuning set (written from the seed documents by someone who never saw the
entries) is searched as the engine searches it; every top-5 hit is a sample, right when the
entry's answer states the question's facts. Questions of other intents, and the out-of-scope
and chitchat training utterances, give negatives with no right entry at all. The base's own
"other ways of asking" are not used: they lie much closer to the entries than real questions,
and a calibration fitted on them is under-confident on real ones. The reporting half of the set
(``citizen_report.jsonl``) is never used here, so it keeps measuring something.
"""

from __future__ import annotations

import json
import sys
from importlib import resources
from pathlib import Path

from sklearn.linear_model import LogisticRegression

from bot.evaluation import Row, facts_present, load_rows
from bot.understanding import Understanding
from intents.classifier import training_utterances
from intents.taxonomy import POLICY
from knowledge.scoring import NAMES
from shebao.db import Database

TUNING_SET = Path("tests/eval/citizen_tune.jsonl")
DEPTH = 5


def samples(u: Understanding, rows: list[Row]) -> tuple[list[list[float]], list[int]]:
    x: list[list[float]] = []
    y: list[int] = []
    for row in rows:
        policy = row.intents[0] == POLICY
        if policy and not row.facts:
            continue  # nothing to tell a right entry by
        region = row.region or u.regions.canonical(row.text)
        for hit in u.index.search(row.text, region, limit=DEPTH):
            assert hit.features is not None
            x.append(hit.features.vector())
            y.append(int(policy and facts_present(hit.entry.answer, row.facts)))
    data = training_utterances()
    for q in data.get("out_of_scope", []) + data.get("chitchat", []):
        for hit in u.index.search(q, None, limit=DEPTH):
            assert hit.features is not None
            x.append(hit.features.vector())
            y.append(0)
    return x, y


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    rows = load_rows(Path(args[0]) if args else TUNING_SET)
    db = Database("sqlite:///:memory:")
    db.create_all()
    from knowledge.importer import load_shipped_content

    load_shipped_content(db)
    u = Understanding(db)
    x, y = samples(u, rows)
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
