"""What can go wrong with the core services, as exceptions that carry a sentence for the citizen.

Every exception has ``code`` (the contract's error code) and ``message`` (plain Chinese, safe to
show as is: it never holds a full ID, phone or card number). Two families:

- ``CoreUnavailable``: the core could not be asked (down, slow, broken, circuit open). Say the
  sentence and try again later; for a create, ``may_have_succeeded`` tells that it was sent and
  no answer came, so the caller re-sends it later with the *same* idempotency key.
- ``CoreRejected`` and its subclasses: the core answered and said no (4xx). Retrying the same
  request gives the same answer.
"""

from __future__ import annotations

from proxy import messages
from shebao.masking import mask_text


class CoreError(Exception):
    code = "internal"
    status = 500

    def __init__(self, message: str | None = None, *, code: str | None = None) -> None:
        if code is not None:
            self.code = code
        self.message = message or messages.ERROR_MESSAGES.get(
            self.code, messages.ERROR_MESSAGES["internal"]
        )
        super().__init__(self.message)


class CoreUnavailable(CoreError):
    code = "unavailable"
    status = 503

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        may_have_succeeded: bool = False,
    ) -> None:
        super().__init__(message, code=code)
        self.may_have_succeeded = may_have_succeeded


class CoreRejected(CoreError):
    code = "rejected"
    status = 422


class InvalidRequest(CoreRejected):
    code = "invalid_request"
    status = 400


class NotFound(CoreRejected):
    code = "not_found"
    status = 404


class IdentityMismatch(CoreRejected):
    code = "identity_mismatch"
    status = 422


class WrongCode(CoreRejected):
    code = "wrong_code"
    status = 422

    def __init__(self, message: str | None = None, *, attempts_left: int = 0) -> None:
        super().__init__(message)
        self.attempts_left = attempts_left


class VerificationExpired(CoreRejected):
    code = "verification_expired"
    status = 410


class NotEligible(CoreRejected):
    code = "not_eligible"
    status = 422


class AlreadyExists(CoreRejected):
    """The thing asked for exists already (an open application, an active loss report)."""

    code = "application_exists"
    status = 409

    def __init__(
        self, message: str | None = None, *, code: str | None = None, resource_id: str | None = None
    ) -> None:
        super().__init__(message, code=code)
        self.resource_id = resource_id


class IdempotencyKeyReused(CoreRejected):
    """The same idempotency key came with a different request: a bug on the caller's side."""

    code = "idempotency_key_reused"
    status = 422


_BY_CODE: dict[str, type[CoreError]] = {
    "invalid_request": InvalidRequest,
    "idempotency_key_required": InvalidRequest,
    "not_found": NotFound,
    "identity_mismatch": IdentityMismatch,
    "wrong_code": WrongCode,
    "verification_expired": VerificationExpired,
    "not_eligible": NotEligible,
    "application_exists": AlreadyExists,
    "card_already_reported": AlreadyExists,
    "idempotency_key_reused": IdempotencyKeyReused,
    "unavailable": CoreUnavailable,
    "internal": CoreUnavailable,
}


def error_from_payload(status: int, payload: dict[str, object]) -> CoreError:
    """The exception for a core error response ``{"error": {"code", "message", …}}``."""
    code = str(payload.get("code") or "")
    message = payload.get("message")
    text = mask_text(message) if isinstance(message, str) and message.strip() else None
    cls = _BY_CODE.get(code)
    if cls is None:
        cls = CoreUnavailable if status >= 500 else CoreRejected
        code = cls.code
    if cls is CoreUnavailable:  # the core's own words on its failures are not for citizens
        return CoreUnavailable(code=code)
    if cls is WrongCode:
        left = payload.get("attempts_left")
        return WrongCode(text, attempts_left=left if isinstance(left, int) else 0)
    if cls is AlreadyExists:
        rid = payload.get("resource_id")
        return AlreadyExists(text, code=code, resource_id=rid if isinstance(rid, str) else None)
    if cls is InvalidRequest:
        return InvalidRequest(text, code=code)
    return cls(text)


def error_payload(error: CoreError) -> dict[str, object]:
    """The contract's error body for an exception (the sandbox's side of the same mapping)."""
    body: dict[str, object] = {"code": error.code, "message": error.message}
    if isinstance(error, WrongCode):
        body["attempts_left"] = error.attempts_left
    if isinstance(error, AlreadyExists) and error.resource_id:
        body["resource_id"] = error.resource_id
    return {"error": body}
