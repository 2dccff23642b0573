"""``shebao volunteer …`` and ``shebao notify-applications``: the personal services' commands.

- ``shebao volunteer grant OPENID [--channel wechat]`` makes a user a volunteer (staff only run
  it); ``revoke`` takes the role back (and ends their grants); ``list`` shows them.
- ``shebao notify-applications`` re-sends applications kept while the core was down and tells
  citizens about status changes, once; ``--every N`` repeats it every N seconds (a sidecar or
  cron stand-in). In development the messages go to the send log (wechat_outbound_message).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from webhooks.services import Services


def _open() -> Services:
    from app.services import build_services
    from shebao.settings import Settings

    return build_services(Settings.from_env())


@click.group()
def volunteer() -> None:
    """Volunteers (社保志愿者): grant, revoke, list."""


@volunteer.command("grant")
@click.argument("openid")
@click.option(
    "--channel",
    default="wechat",
    show_default=True,
    type=click.Choice(["wechat", "miniprogram", "cli"]),
)
@click.option("--by", "granted_by", default="staff", show_default=True, help="Who grants it")
@click.option("--note", default="", help="e.g. the volunteer's town or organisation")
def grant(openid: str, channel: str, granted_by: str, note: str) -> None:
    """Make OPENID a volunteer."""
    from bot.backend import user_key
    from bot.personal.volunteer import grant_volunteer

    db = _open().db
    made = grant_volunteer(db, user_key(channel, openid), granted_by, note)
    click.echo(f"{channel}:{openid} is {'now' if made else 'already'} a volunteer")


@volunteer.command("revoke")
@click.argument("openid")
@click.option(
    "--channel",
    default="wechat",
    show_default=True,
    type=click.Choice(["wechat", "miniprogram", "cli"]),
)
def revoke(openid: str, channel: str) -> None:
    """Take the volunteer role (and any authorisation in force) from OPENID."""
    from bot.backend import user_key
    from bot.personal.volunteer import revoke_volunteer

    db = _open().db
    done = revoke_volunteer(db, user_key(channel, openid))
    click.echo(f"{channel}:{openid} {'is no longer' if done else 'was not'} a volunteer")


@volunteer.command("list")
def list_() -> None:
    """The volunteers, with who granted the role and when."""
    from bot.personal.volunteer import volunteers

    db = _open().db
    for v in volunteers(db):
        state = f"revoked {v.revoked_at:%Y-%m-%d}" if v.revoked_at else "active"
        click.echo(
            f"{v.user_key}\t{state}\tgranted {v.granted_at:%Y-%m-%d} by {v.granted_by}\t{v.note}"
        )


@click.command("notify-applications")
@click.option(
    "--every",
    type=float,
    default=0.0,
    help="Repeat every N seconds until interrupted (default: run once)",
)
def notify_applications(every: float) -> None:
    """Re-send kept 失业保险金 applications and notify citizens of status changes."""
    from bot.backend import JobBackend
    from bot.personal.notifications import run_jobs
    from proxy.factory import make_core_services
    from webhooks.application_notices import SenderNotifier

    services = _open()
    settings, db = services.settings, services.db
    backend = JobBackend(settings, db, make_core_services(settings))
    notifier = SenderNotifier(settings, db)
    while True:
        click.echo(run_jobs(backend, notifier).summary())
        if every <= 0:
            return
        time.sleep(every)
