"""Submitting 失业保险金 applications to the core: once, with an idempotency key, kept if the core
is down.

``submit`` writes the application to ``personal_application_submission`` (request sealed,
status ``pending``) and commits *before* calling the core, so whatever happens next — a timeout,
a crash, a second 「确认」, a WeChat retry, the mini-program sending the same key again — the
same key goes with the same request and the core makes one application. ``resend_one`` sends a
kept application again with its key; ``bot.personal.notifications.resend_pending`` does so for all.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bot.backend import Backend
from bot.personal.models import ApplicationSubmission
from bot.personal.sealed import seal, unseal
from proxy import codec
from proxy.errors import AlreadyExists, CoreRejected, CoreUnavailable, IdempotencyKeyReused
from proxy.types import UnemploymentApplication, UnemploymentApplicationRequest
from shebao.clock import utcnow
from shebao.db import Database
from shebao.masking import mask_text

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """What became of a submission: ``submitted`` (the core has it), ``pending`` (kept, sent
    again later), ``refused`` (the core said no: ``message``), ``exists`` (an open application
    already: ``application_id``)."""

    kind: str
    application_id: str | None = None
    application: UnemploymentApplication | None = None
    message: str | None = None
    code: str | None = None  # refused: the core's error code (not_eligible, invalid_request …)


def new_key() -> str:
    return "sbq-" + uuid.uuid4().hex


def request_digest(request: UnemploymentApplicationRequest) -> str:
    canonical = json.dumps(codec.to_json(request), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def submit(
    backend: Backend,
    *,
    user_key: str,
    person_ref: str,
    request: UnemploymentApplicationRequest,
    idempotency_key: str,
    summary: str = "",
) -> Outcome:
    """Submit (or re-send) the application for ``idempotency_key``.

    Raises ``IdempotencyKeyReused`` when the key was used with a different request.
    """
    digest = request_digest(request)
    row = by_key(backend.db, idempotency_key)
    if row is None:
        channel, _, user = user_key.partition(":")
        fresh = ApplicationSubmission(
            idempotency_key=idempotency_key,
            request_digest=digest,
            user_key=user_key,
            channel=channel,
            user=user,
            person_ref=person_ref,
            sealed_request=seal(backend.settings, codec.to_json(request)),
            summary=mask_text(summary),
            status="pending",
        )
        try:
            with backend.db.session() as s:
                s.add(fresh)
        except IntegrityError:  # the same key is being submitted right now by another turn
            pass
        row = by_key(backend.db, idempotency_key)
        assert row is not None
    if row.request_digest != digest:
        raise IdempotencyKeyReused()
    if row.status == "submitted":
        return Outcome("submitted", row.application_id)
    if row.status == "refused":
        return Outcome("refused", row.application_id, message=row.message, code=row.last_error)
    return resend_one(backend, row)


def resend_one(backend: Backend, row: ApplicationSubmission) -> Outcome:
    """Send a kept application with its own key; record and return what happened."""
    data = unseal(backend.settings, row.sealed_request)
    if data is None:  # the seal key changed: the request cannot be read back
        _update(backend.db, row.id, status="refused", last_error="unsealable")
        return Outcome("refused", message=None)
    request = codec.from_json(UnemploymentApplicationRequest, data)
    try:
        app = backend.core.create_unemployment_application(
            request, idempotency_key=row.idempotency_key
        )
    except CoreUnavailable as exc:
        with backend.db.session() as s:
            s.execute(
                update(ApplicationSubmission)
                .where(ApplicationSubmission.id == row.id)
                .values(attempts=ApplicationSubmission.attempts + 1, last_error=exc.code)
            )
        log.warning("application %s kept for later: %s", row.idempotency_key, exc.code)
        return Outcome("pending")
    except AlreadyExists as exc:
        _update(
            backend.db,
            row.id,
            status="refused",
            message=exc.message,
            application_id=exc.resource_id,
            sealed_request=None,
            last_error=exc.code,
        )
        return Outcome("exists", exc.resource_id, message=exc.message)
    except CoreRejected as exc:
        _update(
            backend.db,
            row.id,
            status="refused",
            message=exc.message,
            sealed_request=None,
            last_error=exc.code,
        )
        return Outcome("refused", message=exc.message, code=exc.code)
    _update(
        backend.db,
        row.id,
        status="submitted",
        application_id=app.application_id,
        core_status=app.status.value,
        notified_status=app.status.value,
        submitted_at=utcnow(),
        sealed_request=None,
        last_error=None,
    )
    log.info("application %s submitted as %s", row.idempotency_key, app.application_id)
    return Outcome("submitted", app.application_id, app)


def pending_for(db: Database, person_ref: str) -> ApplicationSubmission | None:
    with db.session() as s:
        return s.scalar(
            select(ApplicationSubmission)
            .where(
                ApplicationSubmission.person_ref == person_ref,
                ApplicationSubmission.status == "pending",
            )
            .order_by(ApplicationSubmission.id.desc())
            .limit(1)
        )


def open_submitted(db: Database, person_ref: str) -> ApplicationSubmission | None:
    """The person's application sent through the bot that is not finished, if any."""
    with db.session() as s:
        return s.scalar(
            select(ApplicationSubmission)
            .where(
                ApplicationSubmission.person_ref == person_ref,
                ApplicationSubmission.status == "submitted",
                ApplicationSubmission.core_status.not_in(("rejected", "first_payment")),
            )
            .order_by(ApplicationSubmission.id.desc())
            .limit(1)
        )


def record_core_status(db: Database, row_id: int, status: str) -> None:
    _update(db, row_id, core_status=status)


def submissions_of(db: Database, person_ref: str) -> list[ApplicationSubmission]:
    with db.session() as s:
        return list(
            s.scalars(
                select(ApplicationSubmission)
                .where(ApplicationSubmission.person_ref == person_ref)
                .order_by(ApplicationSubmission.id.desc())
            )
        )


def by_key(db: Database, key: str) -> ApplicationSubmission | None:
    with db.session() as s:
        return s.scalar(
            select(ApplicationSubmission).where(ApplicationSubmission.idempotency_key == key)
        )


def _update(db: Database, row_id: int, **values: object) -> None:
    with db.session() as s:
        s.execute(
            update(ApplicationSubmission).where(ApplicationSubmission.id == row_id).values(**values)
        )
