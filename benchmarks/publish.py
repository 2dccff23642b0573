"""How long a published change takes to show in another worker, at a large knowledge base.

    python benchmarks/publish.py [--entries 10000] [--publishes 20] [--database URL]
        [--full-rebuilds 2]

Builds a database (a temporary SQLite file, or ``--database``: an empty PostgreSQL database or
schema) with the shipped entries and generated ones up to ``--entries`` (questions built from
the domain vocabulary and region names, as in benchmarks/understanding.py). A serving engine
(``bot.engine.Bot``, e5 off) is started on its own connection pool and warmed. Then, ``--publishes``
times, one shipped entry's answer is edited and published through ``knowledge.curation`` as the
staff console does (editor, then another reviewer), and the clock starts when that transaction
commits; the engine is asked the entry's question over and over until its reply carries the
new text. Meanwhile a thread keeps asking the engine other questions, as steady traffic would,
so the engine's look at the generation counter (every ``RELOAD_CHECK_SECONDS``) falls anywhere
in the publish. Prints p50/p95/max of that time, the engine's own catch-up alone
(``Understanding.refresh()`` of one publish, on a second engine), and for comparison a full
rebuild of the index (``refresh(full=True)``: what every publish cost before the change log).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402

from app import models as _models  # noqa: E402, F401  (every table, for create_all)
from app.registrations import build_bot  # noqa: E402
from bot.engine import Bot  # noqa: E402
from bot.policy import ANSWER_AT  # noqa: E402
from bot.types import Message  # noqa: E402
from knowledge import curation  # noqa: E402
from knowledge.importer import load_shipped_content  # noqa: E402
from knowledge.models import Entry  # noqa: E402
from knowledge.regions import load_regions  # noqa: E402
from knowledge.vocabulary import load_vocabulary  # noqa: E402
from shebao.clock import china_today, utcnow  # noqa: E402
from shebao.db import Database  # noqa: E402
from shebao.settings import Settings  # noqa: E402

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
GIVE_UP_SECONDS = 60.0


def generated_rows(n: int, seed: int = 7) -> list[dict[str, object]]:
    rng = random.Random(seed)
    words = sorted(w for w in load_vocabulary().domain_words if len(w) >= 2)
    regions = sorted(load_regions().parent)
    now = utcnow()
    rows: list[dict[str, object]] = []
    for i in range(n):
        a, b, c = rng.sample(words, 3)
        r = rng.choice(regions)
        qs = [t.format(a=a, b=b, r=r) for t in rng.sample(TEMPLATES, 4)]
        rows.append(
            {
                "id": f"gen-{i:05d}",
                "topic": f"gen-{i:05d}",
                "question": qs[0],
                "similar_questions": qs[1:],
                "answer": f"{r}{a}{b}{c}的办理说明。",
                "region": r,
                "category": "生成",
                "keywords": [a, b],
                "source_title": "生成数据",
                "status": "published",
                "version": 1,
                "updated_by": "benchmark",
                "updated_at": now,
            }
        )
    return rows


def prepare(url: str, entries: int) -> int:
    db = Database(url)
    db.create_all()
    load_shipped_content(db)
    with db.session() as s:
        shipped = s.scalar(sa.select(sa.func.count()).select_from(Entry)) or 0
        rows = generated_rows(max(0, entries - shipped))
        for i in range(0, len(rows), 1000):
            s.execute(sa.insert(Entry), rows[i : i + 1000])
        curation.bump_generation(s)  # names no entries: every worker rebuilds
        total = s.scalar(sa.select(sa.func.count()).select_from(Entry)) or 0
    db.engine.dispose()
    return total


def answered_entry(bot: Bot) -> tuple[str, str]:
    """A shipped entry the engine answers from its own question: (id, question)."""
    with bot.db.session() as s:
        candidates = s.execute(
            sa.select(Entry.id, Entry.question)
            .where(Entry.status == "published", ~Entry.id.startswith("gen-"))
            .order_by(Entry.id)
        ).all()
    for entry_id, question in candidates:
        reply = bot.handle(Message("wechat", "bench-probe", question))
        if reply.faq_id == entry_id and reply.confidence >= ANSWER_AT:
            return entry_id, question
    raise SystemExit("no shipped entry is answered from its own question")


def publish(db: Database, entry_id: str, marker: str) -> None:
    with db.session() as s:
        original = s.get(Entry, entry_id)
        assert original is not None
        answer = marker + original.answer[len(marker) :]
        curation.update(s, entry_id, {"answer": answer}, "bench-editor")
        curation.submit_for_review(s, entry_id, "bench-editor")
        curation.publish(s, entry_id, "bench-reviewer")


def traffic(bot: Bot, questions: list[str], stop: threading.Event) -> int:
    asked = 0
    while not stop.is_set():
        bot.handle(
            Message("wechat", f"bench-traffic-{asked % 50}", questions[asked % len(questions)])
        )
        asked += 1
        time.sleep(0.01)
    return asked


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=10000)
    parser.add_argument("--publishes", type=int, default=20)
    parser.add_argument("--full-rebuilds", type=int, default=2)
    parser.add_argument("--database", default=None, help="an empty database (default: SQLite)")
    args = parser.parse_args()

    folder = tempfile.TemporaryDirectory()
    url = args.database or f"sqlite:///{Path(folder.name) / 'publish.db'}"
    started = time.perf_counter()
    total = prepare(url, args.entries)
    print(f"{total} entries in {url.split('://')[0]} ({time.perf_counter() - started:.0f} s)")

    settings = Settings.from_env({"DATABASE_URL": url, "SEMANTIC_SECOND_OPINION": "0"})
    today = china_today()
    engine = build_bot(settings, Database(url), today)  # serving: catches up as requests come
    other = build_bot(settings, Database(url), today)  # for the catch-up alone, by refresh()
    started = time.perf_counter()
    engine.warm()
    other.understanding.refresh()
    print(f"engines warm ({time.perf_counter() - started:.0f} s for both)")
    entry_id, question = answered_entry(engine)
    publisher = Database(url)  # the staff console's worker
    with publisher.session() as s:
        others = [q for q in s.scalars(sa.select(Entry.question).order_by(Entry.id).limit(200))]
    stop = threading.Event()
    steady = threading.Thread(target=traffic, args=(engine, others, stop), daemon=True)
    steady.start()

    visible: list[float] = []
    asked: list[int] = []
    catch_up: list[float] = []
    for k in range(args.publishes):
        marker = f"第{k + 1}版："
        publish(publisher, entry_id, marker)
        committed = time.perf_counter()
        polls = 0
        while True:
            polls += 1
            reply = engine.handle(Message("wechat", f"bench-{k}", question))
            if marker in reply.text:
                visible.append(time.perf_counter() - committed)
                asked.append(polls)
                break
            if time.perf_counter() - committed > GIVE_UP_SECONDS:
                raise SystemExit(f"publish {k + 1} not visible after {GIVE_UP_SECONDS:.0f} s")
        started = time.perf_counter()
        index = other.understanding.refresh()
        catch_up.append(time.perf_counter() - started)
        held = index.get(entry_id)
        assert held is not None and held.answer.startswith(marker)

    stop.set()
    steady.join()
    rebuilds = []
    for _ in range(args.full_rebuilds):
        started = time.perf_counter()
        other.understanding.refresh(full=True)
        rebuilds.append(time.perf_counter() - started)

    print(
        f"publish → visible in the other engine, {len(visible)} publishes at {total} entries: "
        f"p50 {statistics.median(visible):.2f} s, p95 {percentile(visible, 0.95):.2f} s, "
        f"max {max(visible):.2f} s ({statistics.median(asked):.0f} questions asked meanwhile, "
        f"median)"
    )
    print(
        f"catch-up alone (refresh() applying one publish): p50 {statistics.median(catch_up):.2f} s,"
        f" p95 {percentile(catch_up, 0.95):.2f} s"
    )
    if rebuilds:
        print(
            f"full rebuild for comparison (refresh(full=True)): "
            f"{', '.join(f'{r:.1f}' for r in rebuilds)} s"
        )
    folder.cleanup()


if __name__ == "__main__":
    main()
