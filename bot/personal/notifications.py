"""The application jobs: re-send kept applications, and tell citizens when a status changes.

``resend_pending`` sends every application kept while the core was down again, with its own
idempotency key, and tells the citizen the application number (or why it was refused).
``notify_application_changes`` follows the open applications sent through the bot and, for each
status change in the core (accepted, approved, first payment, rejected with the reason), sends
one message through a ``Notifier``: each notice has a ``ref`` (application and status) that the
notifier sends at most once, and ``notified_status`` moves on only after a send, so a change is
told exactly once even when two workers run the job. ``run_jobs`` does both; ``Follower`` runs
them every few seconds in a background thread; ``shebao notify-applications`` runs them once.

The ``Notifier`` is the webhook's outbound side (webhooks/application_notices.py: a WeChat
template or subscription message where configured, the send log in development).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select, update

from bot.backend import Backend
from bot.personal import texts as t
from bot.personal.applications import resend_one
from bot.personal.models import ApplicationSubmission
from proxy.errors import CoreUnavailable, NotFound
from proxy.types import ApplicationStatus, UnemploymentApplication
from shebao.clock import utcnow

log = logging.getLogger(__name__)

_FINAL = (ApplicationStatus.FIRST_PAYMENT.value, ApplicationStatus.REJECTED.value)


@dataclass(frozen=True)
class Notice:
    """One message to one citizen about one application."""

    channel: str  # the channel the citizen used: wechat | miniprogram | cli
    user: str  # their id on that channel (the openid)
    ref: str  # sent at most once per ref
    text: str  # the whole message, for a customer-service message or the send log
    application_id: str | None
    status_label: str
    when: str  # YYYY-MM-DD
    reason: str = "application_status"


class Notifier(Protocol):
    def notify(self, notice: Notice) -> bool:
        """Send ``notice``; True if sent now, False if its ref was sent before. Raises if the
        send failed (the job tries again next time)."""
        ...


@dataclass
class JobReport:
    resent: int = 0
    kept: int = 0
    refused: int = 0
    checked: int = 0
    notified: int = 0
    failed: int = 0
    core_down: bool = False

    def summary(self) -> str:
        return (
            f"resent={self.resent} kept={self.kept} refused={self.refused} "
            f"checked={self.checked} notified={self.notified} failed={self.failed} "
            f"core_down={self.core_down}"
        )


def resend_pending(
    backend: Backend, notifier: Notifier, report: JobReport | None = None, limit: int = 100
) -> JobReport:
    report = report or JobReport()
    with backend.db.session() as s:
        rows = list(
            s.scalars(
                select(ApplicationSubmission)
                .where(ApplicationSubmission.status == "pending")
                .order_by(ApplicationSubmission.id)
                .limit(limit)
            )
        )
    for row in rows:
        outcome = resend_one(backend, row)
        if outcome.kind == "pending":
            report.kept += 1
            report.core_down = True
            break  # the core is still down: the rest wait for the next run
        if outcome.kind == "submitted":
            report.resent += 1
            text = t.NOTICE_SUBMITTED.format(application_id=outcome.application_id)
            status = ApplicationStatus.SUBMITTED.label
        else:
            report.refused += 1
            text = t.NOTICE_REFUSED.format(message=outcome.message or "")
            status = t.SUBMIT_REFUSED.format(message="").rstrip("：")
        notice = Notice(
            row.channel,
            row.user,
            f"application-sent:{row.idempotency_key}",
            text,
            outcome.application_id,
            status,
            utcnow().date().isoformat(),
            reason="application_submitted",
        )
        _send(notifier, notice, report)
    return report


def notify_application_changes(
    backend: Backend, notifier: Notifier, report: JobReport | None = None, limit: int = 500
) -> JobReport:
    report = report or JobReport()
    with backend.db.session() as s:
        rows = list(
            s.scalars(
                select(ApplicationSubmission)
                .where(
                    ApplicationSubmission.status == "submitted",
                    ApplicationSubmission.application_id.is_not(None),
                    (ApplicationSubmission.core_status.is_(None))
                    | ApplicationSubmission.core_status.not_in(_FINAL)
                    | (ApplicationSubmission.notified_status != ApplicationSubmission.core_status),
                )
                .order_by(
                    ApplicationSubmission.checked_at.is_not(None), ApplicationSubmission.checked_at
                )
                .limit(limit)
            )
        )
    for row in rows:
        assert row.application_id is not None
        try:
            app = backend.core.unemployment_application(row.application_id)
        except CoreUnavailable:
            report.core_down = True
            break
        except NotFound:
            continue
        report.checked += 1
        notified = row.notified_status
        for change in _unseen(app, notified):
            notice = notice_for(row, app, change)
            if not _send(notifier, notice, report):
                break
            notified = change.value
            _record(backend, row.id, notified_status=notified)
        _record(backend, row.id, core_status=app.status.value, checked_at=utcnow())
    return report


def _unseen(app: UnemploymentApplication, notified: str | None) -> list[ApplicationStatus]:
    statuses = [h.status for h in app.history] or [app.status]
    if statuses[-1] is not app.status:
        statuses.append(app.status)
    seen = [i for i, s in enumerate(statuses) if s.value == notified]
    start = seen[-1] + 1 if seen else 0
    return [s for s in statuses[start:] if s is not ApplicationStatus.SUBMITTED]


def notice_for(
    row: ApplicationSubmission, app: UnemploymentApplication, status: ApplicationStatus
) -> Notice:
    fields = {"application_id": app.application_id}
    if status is ApplicationStatus.ACCEPTED:
        text = t.NOTICE_ACCEPTED.format(**fields)
    elif status is ApplicationStatus.APPROVED:
        text = t.NOTICE_APPROVED.format(
            months=app.benefit_months or 0, amount=f"{app.monthly_amount or 0:.2f}", **fields
        )
    elif status is ApplicationStatus.FIRST_PAYMENT:
        text = t.NOTICE_FIRST_PAYMENT.format(
            amount=f"{app.monthly_amount or 0:.2f}",
            account=app.payment_account.number_masked,
            **fields,
        )
    else:
        text = t.NOTICE_REJECTED.format(reason=app.rejection_reason or "", **fields)
    when = next((h.at for h in reversed(app.history) if h.status is status), app.updated_at)
    return Notice(
        row.channel,
        row.user,
        f"application:{app.application_id}:{status.value}",
        text,
        app.application_id,
        status.label,
        when.date().isoformat(),
    )


def _send(notifier: Notifier, notice: Notice, report: JobReport) -> bool:
    try:
        if notifier.notify(notice):
            report.notified += 1
        return True
    except Exception as exc:  # a failed send is tried again on the next run
        report.failed += 1
        log.warning("notice %s not sent: %s", notice.ref, type(exc).__name__)
        return False


def _record(backend: Backend, row_id: int, **values: object) -> None:
    with backend.db.session() as s:
        s.execute(
            update(ApplicationSubmission).where(ApplicationSubmission.id == row_id).values(**values)
        )


def run_jobs(backend: Backend, notifier: Notifier) -> JobReport:
    report = resend_pending(backend, notifier)
    if not report.core_down:
        notify_application_changes(backend, notifier, report)
    return report


class Follower:
    """``run_jobs`` every ``every`` seconds in a daemon thread, until ``stop``."""

    def __init__(
        self, backend: Callable[[], Backend], notifier: Callable[[], Notifier], every: float = 60.0
    ) -> None:
        self._backend = backend
        self._notifier = notifier
        self.every = every
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(
                target=self._loop, name="application-follower", daemon=True
            )
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            try:
                report = run_jobs(self._backend(), self._notifier())
                log.info("application jobs: %s", report.summary())
            except Exception:
                log.exception("application jobs failed")
