"""Answering within WeChat's deadline: de-dup, the engine under a budget, late delivery.

``Responder.respond`` decides what goes back on the wire for one decoded message:

* a retry (its key is already claimed) waits, within its own budget, for the first attempt's
  outcome and gets the same reply text and CreateTime, or ``success`` if the first attempt
  is still working or has deferred its answer to a customer-service message;
* a fixed reply is recorded and returned at once;
* an engine question runs in a thread pool. If it finishes within
  ``settings.reply_budget_seconds`` of the request's arrival its answer is the passive reply;
  otherwise the request answers ``success`` and the worker, when done, puts the full answer in
  the outbox (a ``wechat.send_text`` job, ``ref="late:<key>"``), whose worker sends it through
  the ``Sender`` and tries again with back-off if WeChat refuses. Only the process that claimed
  the message works on it, so which of the two happens is settled there by a ``Race`` between
  the worker's answer and the request's deadline: the answer leaves exactly once.

With ``REDIS_URL`` a retry is recognised in Redis (``SET NX``) before the ledger's insert, and a
user's messages are counted there for the rate limit (``RATE_LIMIT_PER_MINUTE``, default 20):
over it, a polite reply instead of the engine. Without Redis, or while it is down, the ledger
alone decides and each process counts in memory.
"""

from __future__ import annotations

import contextvars
import logging
import os
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from bot.types import Message
from shebao import clock, metrics
from shebao.masking import mask_text
from shebao.outbox import enqueue
from shebao.ratelimit import RateLimiter
from shebao.redis import RedisClaims, hub_for
from webhooks.wechat import texts
from webhooks.wechat.dedup import Ledger, Race, message_key
from webhooks.wechat.handlers import Ask, Ignore, Say, action_for
from webhooks.wechat.outbound import SEND_TEXT, Sender, make_sender
from webhooks.wechat.protocol import (
    Codec,
    Inbound,
    content_budget,
    event_of,
    fit_bytes,
    raw_type,
)
from webhooks.wechat.replay import ReplayGuard

log = logging.getLogger("shebao.wechat")


#: Seconds past the budget before a ``working`` claim counts as abandoned: a live owner's
#: ``deferred`` or ``replied`` is written behind within milliseconds of the budget.
STALE_MARGIN = 1.0


@dataclass(frozen=True)
class PassiveReply:
    text: str
    created: int


class Responder:
    """Per-app runtime of the WeChat webhook; its threads are started lazily per process."""

    def __init__(self, services: Any, threads: int = 8) -> None:
        self.services = services
        self.settings = services.settings
        self.threads = threads
        self.codec = Codec(
            self.settings.wechat_token,
            self.settings.wechat_aes_key,
            self.settings.wechat_appid,
            self.settings.effective_wechat_mode,
        )
        self.ledger = Ledger(services.db)
        hub = hub_for(self.settings.redis_url)
        self.replay = ReplayGuard(services.db, hub, self.settings.replay_window_seconds)
        self.claims = RedisClaims(hub, "wechat-msg") if hub is not None else None
        self.rate_limit = RateLimiter(hub, limit=self.settings.rate_limit_per_minute)
        self._executor: ThreadPoolExecutor | None = None
        self._executor_pid = 0
        self._lock = threading.Lock()

    @cached_property
    def sender(self) -> Sender:
        return make_sender(self.settings, self.services.db)

    @property
    def executor(self) -> ThreadPoolExecutor:
        # Created on first use in each process: a pool inherited through fork has no threads.
        with self._lock:
            if self._executor is None or self._executor_pid != os.getpid():
                self._executor = ThreadPoolExecutor(self.threads, thread_name_prefix="wechat")
                self._executor_pid = os.getpid()
            return self._executor

    def shutdown(self, wait: bool = True) -> None:
        """Finish (or drop) background answers, then write the ledger's queued outcomes."""
        with self._lock:
            if self._executor is not None and self._executor_pid == os.getpid():
                self._executor.shutdown(wait=wait)
            self._executor = None
        self.ledger.close()

    def respond(
        self, inbound: Inbound, started: float, nonce_key: str | None = None
    ) -> PassiveReply | None:
        """The passive reply for ``inbound``, or None for ``success``. ``nonce_key``: the
        request's (timestamp, nonce) pair for the table (``ReplayGuard.first_use``), inserted
        with the claim; ``Replayed`` (403, nothing done) if it was used before."""
        message = inbound.message
        action = action_for(message)
        if isinstance(action, Ignore):
            if nonce_key is not None:
                self.ledger.remember_nonce(nonce_key)
                self.replay.inserted()
            return None
        key = message_key(message)
        openid = str(message.source)
        kind = raw_type(message)
        if kind == "event":
            kind += ":" + event_of(message)
        deadline = started + self.settings.reply_budget_seconds
        if log.isEnabledFor(logging.INFO):
            asked = action.text if isinstance(action, Ask) else ""
            log.info(
                "wechat in %s from %s key=%s text=%s",
                kind,
                _short(openid),
                key,
                mask_text(asked[:200]),
            )

        if not self._claim(key, openid, kind, nonce_key):
            outcome = self.ledger.wait(key, deadline)
            log.info(
                "wechat retry %s: first attempt %s", key, outcome.status if outcome else "unknown"
            )
            if outcome and outcome.status == "replied" and outcome.reply_text is not None:
                return PassiveReply(outcome.reply_text, outcome.reply_time or clock.timestamp())
            return None

        if isinstance(action, Ask) and not self.rate_limit.allow(openid):
            metrics.rate_limited("wechat")
            log.info("wechat %s from %s over the rate limit", key, _short(openid))
            action = Say(texts.RATE_LIMITED)
        if not isinstance(action, Ask):
            created = clock.timestamp()
            self.ledger.record(
                key,
                "replied",
                reply_text=action.text,
                reply_time=created,
                latency_ms=_ms_since(started),
            )
            return PassiveReply(action.text, created)

        race = Race()
        # The request's context (its request id, for the log lines) goes along to the thread.
        future: Future[PassiveReply | None] = self.executor.submit(
            contextvars.copy_context().run,
            self._answer,
            self.services.bot,
            race,
            key,
            openid,
            action.text,
            content_budget(message),
            started,
        )
        try:
            return future.result(timeout=max(0.0, deadline - time.monotonic()))
        except FutureTimeout:
            if race.first("deferred", then=lambda: self.ledger.record(key, "deferred")):
                log.info("wechat %s over budget: success now, customer-service message later", key)
                return None
            # The worker finished in the instant between the timeout and the race.
            return future.result()

    def _claim(self, key: str, openid: str, kind: str, nonce_key: str | None) -> bool:
        """Redis first (a retry it knows costs a read, not a write), then the ledger decides;
        a claim whose owner died (``working`` for longer than the budget) is taken over. The
        request's nonce, if the table remembers it, goes in with the claim."""
        fast = self.claims.claim(key) if self.claims is not None else None
        if fast is False:
            found = self.ledger.outcome(key)
            if found is not None:
                if nonce_key is not None:
                    self.ledger.remember_nonce(nonce_key)
                    self.replay.inserted()
                return found.status == "working" and self._take_over(key)
        # Unknown to Redis, or known to Redis only (its owner died before the insert, or the
        # database was restored): the ledger's primary key decides.
        try:
            claimed = self.ledger.claim(key, openid, kind, nonce=nonce_key)
        except Exception:
            if fast and self.claims is not None:
                self.claims.release(key)  # the database did not take it: a retry may
            raise
        if nonce_key is not None:
            self.replay.inserted()
        return claimed or self._take_over(key)

    def _take_over(self, key: str) -> bool:
        taken = self.ledger.take_over(key, self.settings.reply_budget_seconds + STALE_MARGIN)
        if taken:
            log.warning("wechat %s: its first attempt died while working; this retry takes it", key)
        return taken

    def _answer(
        self, bot: Any, race: Race, key: str, openid: str, text: str, max_bytes: int, started: float
    ) -> PassiveReply | None:
        """Worker thread: ask the engine, then reply passively or deliver late."""
        try:
            reply = bot.handle(
                Message(channel="wechat", user=openid, text=text, max_bytes=max_bytes)
            )
            answer = reply.text or texts.ENGINE_ERROR
        except Exception:
            log.exception("engine failed on %s", key)
            answer = texts.ENGINE_ERROR
        latency = _ms_since(started)
        if race.first("replied"):
            passive = fit_bytes(answer, max_bytes)
            created = clock.timestamp()
            self.ledger.record(
                key, "replied", reply_text=passive, reply_time=created, latency_ms=latency
            )
            if log.isEnabledFor(logging.INFO):
                log.info("wechat out %s in %.0f ms: %s", key, latency, mask_text(passive[:200]))
            return PassiveReply(passive, created)
        # Written before the job exists, so the job's "delivered" is the last word.
        self.ledger.record(key, "deferred", reply_text=answer, latency_ms=latency)
        self.ledger.flush()
        enqueue(
            self.services.db,
            SEND_TEXT,
            {
                "openid": openid,
                "text": answer,
                "ref": f"late:{key}",
                "reason": "late_reply",
                "ledger_key": key,
            },
            key=f"late:{key}",
        )
        log.info("wechat late %s queued for a customer-service message after %.0f ms", key, latency)
        return None


def _ms_since(started: float) -> float:
    return (time.monotonic() - started) * 1000


def _short(openid: str) -> str:
    return openid[:6] + "…" if len(openid) > 6 else openid
