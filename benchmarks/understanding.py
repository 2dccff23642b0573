"""Latency and memory of one understand-and-answer call at growing knowledge-base sizes.

    python benchmarks/understanding.py [--sizes 100,1000,10000,50000] [--queries 400]
        [--passages 1000,20000] [--passages-only]

The shipped entries are kept and padded with generated ones (questions built from the domain
vocabulary and region names), so the large bases look like a real base, only bigger. Prints
p50/p99 of ``Understanding.understand`` plus the policy decision, the index's memory, and the
growth of p50 relative to the smallest base.

``--passages``: the passage index of the policy documents (knowledge/passages.py) at that many
generated passages (the seeds' sentences with their figures and places varied, in documents of
about 60 passages across the served regions): p50/p99 of a search with sentence selection,
the index's memory, and the time to import one more document (tokenise it, re-weight all).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
import tracemalloc
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import models as _models  # noqa: E402, F401  (every table, for create_all)
from bot.understanding import Understanding  # noqa: E402
from knowledge.index import IndexedEntry, KnowledgeIndex  # noqa: E402
from shebao.db import Database  # noqa: E402

TEMPLATES = [
    "{a}{b}怎么办理",
    "{a}和{b}有什么区别",
    "{r}{a}需要什么材料",
    "{a}{b}多久能办好",
    "我想问{a}的{b}",
    "{r}的{a}标准是多少",
    "{a}可以网上办{b}吗",
    "{b}{a}去哪里办",
]


def generated(n: int, words: list[str], regions: list[str], seed: int = 7) -> list[IndexedEntry]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        a, b, c = rng.sample(words, 3)
        r = rng.choice(regions)
        qs = [t.format(a=a, b=b, r=r) for t in rng.sample(TEMPLATES, 4)]
        out.append(
            IndexedEntry(
                id=f"gen-{i}",
                topic=f"gen-{i}",
                question=qs[0],
                questions=qs,
                answer=f"{r}{a}{b}{c}的办理说明。",
                region=r,
                category="生成",
                source="生成数据",
                keywords=[a, b],
            )
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100,1000,10000,50000")
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--passages", default="1000,20000")
    parser.add_argument("--passages-only", action="store_true")
    args = parser.parse_args()
    if args.passages:
        print(passage_bench([int(n) for n in args.passages.split(",")], args.queries))
    if args.passages_only:
        return

    db = Database("sqlite:///:memory:")
    db.create_all()
    from knowledge.importer import load_shipped_content

    load_shipped_content(db)
    u = Understanding(db, today=date.today())
    real = list(u.index.entries)
    queries = [q for e in real for q in e.questions[1:]]
    random.Random(1).shuffle(queries)
    queries = (queries * 10)[: args.queries]
    words = [w for w in u.vocabulary.domain_words if len(w) >= 2]
    regions = [r for r in u.regions.parent]

    from bot.policy import ANSWER_AT

    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        pad = generated(max(0, size - len(real)), words, regions)
        tracemalloc.start()
        built = time.perf_counter()
        index = KnowledgeIndex(real + pad, u.normalize, u.words, u.regions, date.today())
        build_s = time.perf_counter() - built
        _, peak = tracemalloc.get_traced_memory()
        current = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        u._index, u._checked_at = index, float("inf")  # pin the index for the measurement
        for q in queries[:20]:
            u.understand(q, None)
        times = []
        for i, q in enumerate(queries):
            t = time.perf_counter()
            result = u.understand(q, "江门市" if i % 2 else None)
            _ = result.hits and result.hits[0].score >= ANSWER_AT
            times.append((time.perf_counter() - t) * 1000)
        times.sort()
        p50 = statistics.median(times)
        p99 = times[int(len(times) * 0.99) - 1]
        rows.append((len(index), p50, p99, current / 2**20, peak / 2**20, build_s))
    base = rows[0][1]
    print(
        f"{'entries':>8} {'p50 ms':>8} {'p99 ms':>8} {'p50 vs first':>12} "
        f"{'index MiB':>10} {'build peak MiB':>14} {'build s':>8}"
    )
    for n, p50, p99, mem, peak_mib, build_s in rows:
        print(
            f"{n:>8} {p50:>8.2f} {p99:>8.2f} {p50 / base:>11.2f}x {mem:>10.1f} {peak_mib:>14.1f}"
            f" {build_s:>8.1f}"
        )
    first, last = rows[0], rows[-1]
    print(f"entries grew {last[0] / first[0]:.0f}x, p50 grew {last[1] / first[1]:.1f}x")
    print(full_turns(queries))
    citizen = [
        json.loads(line)["text"]
        for line in Path("tests/eval/citizen_tune.jsonl").read_text("utf-8").splitlines()
    ]
    print(full_turns(citizen, semantic=False))
    print(full_turns(citizen, semantic=True))


def passage_bench(sizes: list[int], n_queries: int) -> str:
    import re

    from knowledge.documents import sentences, validate_shipped
    from knowledge.passages import IndexedDocument, IndexedPassage, PassageIndex

    db = Database("sqlite:///:memory:")
    db.create_all()
    u = Understanding(db, today=date.today())
    shipped, _ = validate_shipped()
    seed_passages = [p for d in shipped for p in d.passages]
    questions = [
        json.loads(line)["text"]
        for name in ("documents_tune", "citizen_tune")
        for line in Path(f"tests/eval/{name}.jsonl").read_text("utf-8").splitlines()
    ]
    regions = [r for r in u.regions.parent]
    rng = random.Random(5)

    def vary(text: str) -> str:
        return re.sub(r"\d+(?:\.\d+)?", lambda m: str(rng.randint(1, 9999)), text)

    def document(i: int, n: int) -> tuple[IndexedDocument, list[IndexedPassage]]:
        doc = IndexedDocument(
            f"gen-{i}", f"生成文件{i}", None, "2025-01-01", date(2025, 1, 1),
            rng.choice(regions), None, None, True, 1,
        )  # fmt: skip
        texts = [vary(rng.choice(seed_passages)) for _ in range(n)]
        return doc, [IndexedPassage(i * 1000 + k, doc.id, k, t) for k, t in enumerate(texts)]

    lines = [
        f"{'passages':>9} {'p50 ms':>8} {'p99 ms':>8} {'index MiB':>10} {'build s':>8}"
        f" {'import one document s':>21}"
    ]
    for size in sizes:
        docs = [document(i, 60) for i in range(max(1, size // 60))]
        tracemalloc.start()
        started = time.perf_counter()
        index = PassageIndex(u.normalize, u.words, u.regions, sentences)
        for doc, passages in docs:
            index.update(doc, passages)
        index.search("热身", None, date.today())  # weights the stacked matrix
        build_s = time.perf_counter() - started
        current = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        qs = (questions * 10)[:n_queries]
        times = []
        for i, q in enumerate(qs):
            t = time.perf_counter()
            index.search(q, "江门市" if i % 2 else None, date.today())
            times.append((time.perf_counter() - t) * 1000)
        times.sort()
        extra_doc, extra = document(10**6, 60)
        t = time.perf_counter()
        index.update(extra_doc, extra)
        index.search(qs[0], None, date.today())  # the first search after it re-weights
        import_s = time.perf_counter() - t
        lines.append(
            f"{len(index):>9} {statistics.median(times):>8.2f}"
            f" {times[int(len(times) * 0.99) - 1]:>8.2f} {current / 2**20:>10.1f}"
            f" {build_s:>8.1f} {import_s:>21.2f}"
        )
    return "\n".join(lines)


def full_turns(queries: list[str], semantic: bool = False) -> str:
    """A whole ``Bot.handle`` (state read, understanding, decision, state and record write),
    with or without the e5 second opinion; the share of turns whose decision asked it."""
    import tempfile

    from app.registrations import build_bot
    from bot.types import Message
    from shebao.settings import Settings

    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite:///{folder}/bench.db")
        db.create_all()
        from knowledge.importer import load_shipped_content

        load_shipped_content(db)
        bot = build_bot(Settings(database_url=db.url, semantic_second_opinion=semantic), db)
        bot.warm()
        for q in queries[:20]:
            bot.handle(Message("bench", "warm", q))
        times = []
        grey = 0
        for i, q in enumerate(queries):
            t = time.perf_counter()
            reply = bot.handle(Message("bench", f"u{i % 50}", q, max_bytes=1900))
            times.append((time.perf_counter() - t) * 1000)
            grey += (reply.decision or "").startswith("grey")
        db.engine.dispose()
    times.sort()
    return (
        f"full Bot.handle, {len(queries)} questions, second opinion "
        f"{'on' if semantic else 'off'}: p50 {statistics.median(times):.2f} ms, "
        f"p99 {times[int(len(times) * 0.99) - 1]:.2f} ms, grey zone {grey / len(queries):.1%}"
    )


if __name__ == "__main__":
    main()
