"""Faults the sandbox can be told to show, so the bot's handling of a slow or failing core can be
tried in demos and tests: a delay before every answer, and/or a number of failed answers."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class FaultPlan:
    delay_seconds: float = 0.0
    fail_status: int | None = None  # e.g. 503
    times: int | None = None  # how many calls the plan applies to; None: until cleared


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._plan = FaultPlan()
        self._left: int | None = None

    @property
    def plan(self) -> FaultPlan:
        with self._lock:
            return self._plan

    def set(self, plan: FaultPlan) -> None:
        with self._lock:
            self._plan, self._left = plan, plan.times

    def clear(self) -> None:
        self.set(FaultPlan())

    def apply(self) -> int | None:
        """Wait as planned; the status to fail this call with, or None to answer normally."""
        with self._lock:
            plan = self._plan
            if self._left is not None:
                if self._left <= 0:
                    return None
                self._left -= 1
        if plan.delay_seconds > 0:
            time.sleep(plan.delay_seconds)
        return plan.fail_status
