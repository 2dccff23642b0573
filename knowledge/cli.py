"""``shebao kb …``: import and export of knowledge-base entries."""

from __future__ import annotations

import click


@click.group()
def kb() -> None:
    """Knowledge base: import, export."""
