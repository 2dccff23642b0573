"""Sealing personal data the bot must keep for a while, and keyed hashes to recognise it.

A form in progress and an application waiting for the core need the full ID, phone or bank
card number until they are sent. They are kept sealed (Fernet: AES-CBC + HMAC) with a key
derived from ``SECRET_KEY``, never in the clear; a database dump alone does not reveal them.
``keyed_hash`` recognises a value (an ID number, an authorisation code) without keeping it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from shebao.settings import Settings


def _key(settings: Settings, purpose: str) -> bytes:
    return hmac.new(settings.secret_key.encode(), purpose.encode(), hashlib.sha256).digest()


def _fernet(settings: Settings) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_key(settings, "shebao:seal")))


def seal(settings: Settings, value: Any) -> str:
    """``value`` (anything JSON can hold) as an opaque token."""
    return _fernet(settings).encrypt(json.dumps(value, ensure_ascii=False).encode()).decode()


def unseal(settings: Settings, token: str | None) -> Any:
    """What ``seal`` sealed; None for None or a token that cannot be opened."""
    if not token:
        return None
    try:
        return json.loads(_fernet(settings).decrypt(token.encode()))
    except (InvalidToken, ValueError):
        return None


def keyed_hash(settings: Settings, purpose: str, value: str) -> str:
    """HMAC-SHA256 of ``value`` under a key for ``purpose``: recognisable, not reversible."""
    return hmac.new(
        _key(settings, f"shebao:hash:{purpose}"), value.encode(), hashlib.sha256
    ).hexdigest()
