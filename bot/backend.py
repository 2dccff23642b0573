"""What the personal services need from their host: settings, the database, the core services.

``Bot`` provides all three (``Bot.core`` is built on first use); jobs and the mini-program API
that have no engine at hand use ``JobBackend``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from proxy.core import CoreServices
from shebao import clock
from shebao.clock import CHINA
from shebao.db import Database
from shebao.settings import Settings


class Backend(Protocol):
    settings: Settings
    db: Database

    @property
    def core(self) -> CoreServices: ...


@dataclass
class JobBackend:
    settings: Settings
    db: Database
    core: CoreServices


def user_key(channel: str, user: str) -> str:
    """The key a user's dialogue state, binding and roles are filed under."""
    return f"{channel}:{user}"


def split_user_key(key: str) -> tuple[str, str]:
    channel, _, user = key.partition(":")
    return channel, user


def local_time(instant: datetime) -> str:
    """A naive UTC instant as China time, HH:MM (today) or MM-DD HH:MM."""
    china = instant.replace(tzinfo=UTC).astimezone(CHINA)
    return (
        china.strftime("%H:%M")
        if china.date() == clock.china_today()
        else china.strftime("%m-%d %H:%M")
    )
