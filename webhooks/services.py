"""The app's long-lived parts (settings, database, engine), built once per process by
``app.services.build_services``, and the
engine's warm-up: the classifier trained, jieba loaded and the index built before the first
message, so that message is not the one that waits seconds (``/readyz`` says 503 "warming"
until then)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING

from flask import current_app

from shebao.db import Database
from shebao.settings import Settings

if TYPE_CHECKING:
    from bot.engine import Bot

log = logging.getLogger(__name__)


class Services:
    def __init__(self, settings: Settings, db: Database, make_bot: Callable[[], Bot]) -> None:
        self.settings = settings
        self.db = db  # opened (migrated, content loaded) by app.services.build_services
        self._make_bot = make_bot  # app.registrations.build_bot: the engine and its registry
        self.warmed = threading.Event()
        self.warm_seconds: float | None = None
        self._warming = threading.Lock()
        self._warm_started = False

    @cached_property
    def bot(self) -> Bot:
        return self._make_bot()

    def warm(self) -> float:
        """Make the engine ready (once); the seconds it took."""
        with self._warming:
            self._warm_started = True
            if not self.warmed.is_set():
                started = time.perf_counter()
                self.bot.warm()
                self.warm_seconds = time.perf_counter() - started
                self.warmed.set()
        return self.warm_seconds or 0.0

    def warm_in_background(self) -> None:
        """Start warming the engine unless it is warm or warming already."""
        if self.warmed.is_set() or self._warm_started:
            return
        self._warm_started = True
        threading.Thread(target=self._warm_quietly, name="engine-warm", daemon=True).start()

    def _warm_quietly(self) -> None:
        try:
            self.warm()
        except Exception:  # e.g. the database went away meanwhile: the next check tries again
            log.exception("engine warm-up failed")
            self._warm_started = False


def services() -> Services:
    return current_app.extensions["shebao"]  # type: ignore[no-any-return]
