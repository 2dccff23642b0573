"""The matcher on a question-matching set nobody here wrote (LCQMC / AFQMC dev), as retrieval.

    python benchmarks/lcqmc.py [--set LCQMC|AFQMC] [--limit N]

Builds a throw-away knowledge base whose entries are the distinct s2 sentences, asks every s1
of a positive pair, and prints top-1, MRR and recall@5 of the first stage + rerank ranking
(the calibrated score that the engine decides with). The data stays in ../shared/datasets:
evaluation only, never copied into the repo or the knowledge base.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.understanding import shared_language  # noqa: E402
from knowledge.index import IndexedEntry, KnowledgeIndex  # noqa: E402
from knowledge.regions import load_regions  # noqa: E402
from knowledge.vocabulary import load_vocabulary  # noqa: E402

DATASETS = ROOT.parent / "shared" / "datasets" / "csts"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--set", default="LCQMC", choices=["LCQMC", "AFQMC"])
    parser.add_argument("--limit", type=int, default=0, help="ask at most N questions")
    args = parser.parse_args()
    rows = [
        line.split("\t")
        for line in (DATASETS / args.set / "dev.txt").read_text("utf-8").splitlines()
        if line.strip()
    ]
    pool = sorted({r[1] for r in rows})
    ids = {s: f"s{i}" for i, s in enumerate(pool)}
    entries = [
        IndexedEntry(
            id=ids[s],
            topic=ids[s],
            question=s,
            questions=[s],
            answer="",
            region="全国",
            category="-",
            source="-",
        )
        for s in pool
    ]
    normalize, _ = shared_language()
    vocabulary = load_vocabulary()
    started = time.perf_counter()
    index = KnowledgeIndex(entries, normalize, vocabulary.tokens, load_regions(), date.today())
    built = time.perf_counter() - started
    # An s1 may have several positive s2: any of them is a right answer.
    positives: dict[str, set[str]] = {}
    for s1, s2, label in rows:
        if label.strip() == "1":
            positives.setdefault(s1, set()).add(ids[s2])
    asks = sorted(positives.items())
    if args.limit:
        asks = asks[: args.limit]
    top1 = rr = r5 = 0.0
    started = time.perf_counter()
    for text, wanted in asks:
        got = [h.entry.id for h in index.search(text, None, limit=5)]
        ranks = [i for i, g in enumerate(got, 1) if g in wanted]
        if ranks:
            top1 += ranks[0] == 1
            rr += 1 / ranks[0]
            r5 += 1
    per_query = (time.perf_counter() - started) / max(len(asks), 1) * 1000
    n = len(asks)
    print(
        f"{args.set} dev as retrieval: pool {len(pool)} sentences, {n} questions "
        f"(index built in {built:.1f} s, {per_query:.2f} ms per question)"
    )
    print(f"top-1 {top1 / n:.1%}   MRR {rr / n:.3f}   recall@5 {r5 / n:.1%}")


if __name__ == "__main__":
    main()
