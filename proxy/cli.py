"""``shebao sandbox-core``: run the sandbox core service over HTTP."""

from __future__ import annotations

import click


@click.command("sandbox-core")
@click.option("--port", default=8900, show_default=True)
def sandbox_core(port: int) -> None:
    """Serve the sandbox core service (demo citizens) over HTTP."""
    raise click.ClickException("not built yet")
