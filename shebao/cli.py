"""The ``shebao`` command line: one group, each area contributes its own commands."""

from __future__ import annotations

import click


@click.group()
def main() -> None:
    """shebao-bot: the 社保 WeChat assistant."""


def _register() -> None:
    from knowledge.cli import kb
    from proxy.cli import sandbox_core

    main.add_command(kb)
    main.add_command(sandbox_core)


_register()
