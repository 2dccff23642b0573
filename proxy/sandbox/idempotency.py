"""Idempotency keys: a repeated create with the same key gets what the first one made.

The key row is written in the same transaction as the thing created, under a unique constraint,
so two racing requests with one key still make one thing; the loser finds the winner's row.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from proxy import codec
from proxy.errors import IdempotencyKeyReused, InvalidRequest
from proxy.sandbox.models import IdempotencyKey


def request_hash(request: Any) -> str:
    canonical = json.dumps(codec.to_json(request), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_key(key: str | None) -> str:
    if key is None or not 1 <= len(key.strip()) <= 255:
        raise InvalidRequest(code="idempotency_key_required")
    return key.strip()


def earlier(session: Session, operation: str, key: str, digest: str) -> str | None:
    """The id made by an earlier create with this key, or None; the key with another request
    is refused."""
    row = session.scalar(
        select(IdempotencyKey).where(
            IdempotencyKey.operation == operation, IdempotencyKey.key == key
        )
    )
    if row is None:
        return None
    if row.request_hash != digest:
        raise IdempotencyKeyReused()
    return row.resource_id


def remember(session: Session, operation: str, key: str, digest: str, resource_id: str) -> None:
    session.add(
        IdempotencyKey(operation=operation, key=key, request_hash=digest, resource_id=resource_id)
    )
