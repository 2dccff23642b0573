"""The retry ledger: atomic claims, outcomes written behind in order, the in-process race."""

from __future__ import annotations

import threading
import time
from typing import Any

from flask import Flask

from webhooks.wechat.dedup import Ledger, Outcome, Race


def ledger(app: Flask) -> Ledger:
    return app.extensions["wechat"].ledger  # type: ignore[no-any-return]


def outcome(book: Ledger, key: str) -> Outcome:
    found = book.outcome(key)
    assert found is not None, f"no outcome for {key}"
    return found


def test_only_the_first_claim_owns_the_message(app: Flask) -> None:
    book = ledger(app)
    results: list[bool] = []
    barrier = threading.Barrier(6)

    def claim() -> None:
        barrier.wait()
        results.append(book.claim("msg:1", "oUser", "text"))

    threads = [threading.Thread(target=claim) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 5 + [True]
    assert outcome(book, "msg:1").status == "working"


def test_outcomes_ride_along_with_the_next_claim_in_order(app: Flask) -> None:
    book = ledger(app)
    book.claim("msg:1", "oUser", "text")
    book.record("msg:1", "deferred")
    book.record("msg:1", "delivered", reply_text="迟到的答复", latency_ms=4200.0)
    book.claim("msg:2", "oUser", "text")  # writes the queued outcomes in its transaction
    found = outcome(book, "msg:1")
    assert (found.status, found.reply_text) == ("delivered", "迟到的答复")


def test_outcomes_are_written_without_a_next_claim(app: Flask, wait_for: Any) -> None:
    book = ledger(app)
    book.claim("msg:1", "oUser", "text")
    book.record("msg:1", "replied", reply_text="答复", reply_time=1732500000, latency_ms=3.0)
    found = wait_for(lambda: outcome(book, "msg:1").status == "replied" and outcome(book, "msg:1"))
    assert (found.reply_text, found.reply_time) == ("答复", 1732500000)


def test_a_retry_waits_for_the_owner_then_gets_its_outcome(app: Flask) -> None:
    book = ledger(app)
    book.claim("msg:1", "oUser", "text")
    threading.Timer(
        0.1, lambda: book.record("msg:1", "replied", reply_text="答复", reply_time=1)
    ).start()
    found = book.wait("msg:1", time.monotonic() + 3)
    assert found is not None and found.reply_text == "答复"


def test_a_retry_stops_waiting_at_its_deadline(app: Flask) -> None:
    book = ledger(app)
    book.claim("msg:1", "oUser", "text")
    started = time.monotonic()
    found = book.wait("msg:1", started + 0.2)
    assert found is not None and found.status == "working"
    assert time.monotonic() - started < 1.0


def test_the_race_has_one_winner_and_runs_only_its_action() -> None:
    race = Race()
    ran: list[str] = []
    assert race.first("deferred", then=lambda: ran.append("deferred"))
    assert not race.first("replied", then=lambda: ran.append("replied"))
    assert race.first("deferred")  # asking again does not change the winner
    assert ran == ["deferred"]
