"""``shebao db …``: the database's schema version (Alembic migrations in shebao/migrations).

``shebao db upgrade`` is a deployment step on PostgreSQL: run it once, before the new code
starts serving (web and worker processes refuse to start on an older schema and say so).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from shebao.db import Database


def _database() -> Database:
    """The configured database as it is: these commands migrate or inspect it themselves."""
    from app.services import open_database
    from shebao.settings import Settings

    return open_database(Settings.from_env(), migrate=False, content=False)


@click.group()
def db() -> None:
    """The database schema: upgrade, current revision, check."""


@db.command()
@click.argument("revision", default="head")
def upgrade(revision: str) -> None:
    """Apply the migrations up to REVISION (default: the newest)."""
    from shebao.schema import schema_state
    from shebao.schema import upgrade as run_upgrade

    database = _database()
    try:
        before = schema_state(database).current
        after = run_upgrade(database, revision).current
    finally:
        database.engine.dispose()
    if before == after:
        click.echo(f"already at {after}")
    else:
        click.echo(f"upgraded {before or '(empty)'} -> {after}")


@db.command()
def current() -> None:
    """Print the database's revision and the code's (head)."""
    from shebao.schema import schema_state

    database = _database()
    try:
        state = schema_state(database)
    finally:
        database.engine.dispose()
    verdict = (
        "up to date"
        if state.at_head
        else "empty"
        if state.empty
        else "behind: run `shebao db upgrade`"
        if state.current
        else "not versioned"
    )
    click.echo(f"database: {state.current or '-'}\ncode:     {state.head}\n{verdict}")


@db.command()
def check() -> None:
    """Exit 1 unless the database is at the code's revision (for deploy scripts)."""
    from shebao.schema import schema_state

    database = _database()
    try:
        state = schema_state(database)
    finally:
        database.engine.dispose()
    if not state.at_head:
        raise click.ClickException(
            f"database at {state.current or '(none)'}, code needs {state.head}: "
            "run `shebao db upgrade`"
        )
    click.echo(f"ok: {state.head}")


@db.command()
@click.argument("revision")
def stamp(revision: str) -> None:
    """Record REVISION as applied without running it (adopting an existing database)."""
    from shebao.schema import stamp as run_stamp

    database = _database()
    try:
        run_stamp(database, revision)
    finally:
        database.engine.dispose()
    click.echo(f"stamped {revision}")
