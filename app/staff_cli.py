"""``shebao staff …``: staff accounts from the command line (the first one above all).

``shebao staff create USERNAME --role admin`` reads the password from ``SHEBAO_STAFF_PASSWORD``
or, when that is unset, prompts for it (twice, hidden).
"""

from __future__ import annotations

import click

from app.services import open_database
from shebao.db import Database
from shebao.settings import Settings
from webhooks.admin.models import ROLES


def _database() -> Database:
    return open_database(Settings.from_env(), content=False)


@click.group()
def staff() -> None:
    """Staff console accounts."""


@staff.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), default="editor", show_default=True)
@click.option("--name", "display_name", default="", help="The person's name, shown in the console.")
def create(username: str, role: str, display_name: str) -> None:
    """Create an account (password from SHEBAO_STAFF_PASSWORD, else prompted)."""
    from webhooks.admin import accounts

    password = Settings.from_env().staff_password or click.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )
    db = _database()
    try:
        with db.session() as s:
            user = accounts.create_user(s, username, password, role, display_name)
            accounts.audit(s, "cli", "staff_create", user.username, role=role)
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        db.engine.dispose()
    click.echo(f"created {role} {username}")


@staff.command("password")
@click.argument("username")
def password(username: str) -> None:
    """Set a new password (from SHEBAO_STAFF_PASSWORD, else prompted); ends its sessions."""
    from webhooks.admin import accounts

    new = Settings.from_env().staff_password or click.prompt(
        "New password", hide_input=True, confirmation_prompt=True
    )
    db = _database()
    try:
        with db.session() as s:
            user = accounts.find_user(s, username)
            if user is None:
                raise click.ClickException(f"no user {username!r}")
            accounts.set_password(s, user, new)
            accounts.audit(s, "cli", "password_change", user.username)
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        db.engine.dispose()
    click.echo(f"password of {username} changed")


@staff.command("list")
def list_users() -> None:
    """List the accounts."""
    from sqlalchemy import select

    from webhooks.admin.models import StaffUser

    db = _database()
    try:
        with db.session() as s:
            for user in s.scalars(select(StaffUser).order_by(StaffUser.username)):
                state = "active" if user.active else "disabled"
                click.echo(f"{user.username}\t{user.role}\t{state}\t{user.display_name}")
    finally:
        db.engine.dispose()
