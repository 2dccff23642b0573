"""The retry ledger: atomic claims, outcomes written behind in order, the in-process race."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from webhooks.models import ReplayNonce
from webhooks.wechat.dedup import Ledger, Outcome, Race
from webhooks.wechat.replay import Replayed


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


def nonces(app: Flask) -> list[str]:
    with app.extensions["shebao"].db.session() as s:
        return list(s.scalars(select(ReplayNonce.key).order_by(ReplayNonce.key)))


def test_the_nonce_goes_in_with_the_claim(app: Flask) -> None:
    book = ledger(app)
    assert book.claim("msg:1", "oUser", "text", nonce="1732500000:a1") is True
    # A retry (new nonce, same message) keeps its nonce though it claims nothing.
    assert book.claim("msg:1", "oUser", "text", nonce="1732500001:b2") is False
    assert nonces(app) == ["1732500000:a1", "1732500001:b2"]


def test_a_used_nonce_writes_nothing_and_keeps_the_queued_outcomes(app: Flask) -> None:
    book = ledger(app)
    book.claim("msg:1", "oUser", "text", nonce="1732500000:a1")
    book.record("msg:1", "replied", reply_text="答复", reply_time=1732500000)
    with pytest.raises(Replayed):
        book.claim("msg:2", "oUser", "text", nonce="1732500000:a1")
    assert book.outcome("msg:2") is None  # the claim was rolled back with the nonce
    assert outcome(book, "msg:1").status == "replied"  # the outcome that rode along was not
    with pytest.raises(Replayed):
        book.remember_nonce("1732500000:a1")
    book.remember_nonce("1732500002:c3")
    assert nonces(app) == ["1732500000:a1", "1732500002:c3"]


def test_an_event_that_claims_nothing_still_spends_its_nonce(app: Flask, wechat: Any) -> None:
    query, body = wechat.build("event_unsubscribe.xml")
    assert wechat.post_raw(query, body).get_data() == b"success"
    assert wechat.post_raw(query, body).status_code == 403
    assert nonces(app) == [f"{query['timestamp']}:{query['nonce']}"]
