"""The ``shebao`` command line: one group, each area contributes its own commands."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from shebao.settings import DEFAULT_PORT

if TYPE_CHECKING:
    from webhooks.services import Services

STARTED = time.monotonic()  # the command's start, for "ready after" figures


class _Main(click.Group):
    """The ``shebao`` group: one logging set-up, and schema problems as plain messages."""

    def invoke(self, ctx: click.Context) -> object:
        from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

        from shebao.logging import setup_logging
        from shebao.schema import SchemaError
        from shebao.settings import SettingsError

        try:
            setup_logging(level="WARNING")  # serve and worker raise it to INFO (or LOG_LEVEL)
            return super().invoke(ctx)
        except (SchemaError, SettingsError) as exc:
            raise click.ClickException(str(exc)) from exc
        except (ArgumentError, NoSuchModuleError, OperationalError) as exc:
            raise click.ClickException(database_problem(exc)) from exc


def database_problem(exc: Exception) -> str:
    """One sentence for a DATABASE_URL that cannot be used (its password hidden)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError

    from shebao.settings import Settings

    raw = Settings.from_env().database_url  # the URL the failed command used
    try:
        shown = make_url(raw).render_as_string(hide_password=True)
    except Exception:
        shown = "(not a database URL)"
    if isinstance(exc, OperationalError):
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else "no answer"
        return f"the database at DATABASE_URL={shown} cannot be reached: {reason}"
    return (
        f"DATABASE_URL={shown} is not a database URL this service can use (for example "
        "sqlite:///shebao.db or postgresql+psycopg://user@host:5432/name)"
    )


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="shebao-bot", prog_name="shebao")
def main() -> None:
    """shebao-bot: the 社保 WeChat assistant."""


def open_services() -> Services:
    """The services of the environment's ``Settings``: the database migrated (``ensure_schema``)
    with the shipped content, the engine built on first use."""
    from app.services import build_services
    from shebao.settings import Settings

    return build_services(Settings.from_env())


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=int)
@click.option(
    "--prod", is_flag=True, help="Run under gunicorn with app/gunicorn_conf.py (several workers)"
)
@click.option(
    "--workers",
    type=int,
    default=None,
    help="gunicorn worker processes with --prod (default: WEB_CONCURRENCY or 2)",
)
@click.option(
    "--development",
    is_flag=True,
    help="With --prod: run with development secrets anyway (SHEBAO_DEVELOPMENT=1)",
)
def serve(host: str, port: int, prod: bool, workers: int | None, development: bool) -> None:
    """Serve the bot: the development server, or gunicorn with --prod."""
    import os

    from shebao.logging import setup_logging
    from shebao.settings import Settings

    setup_logging()
    if prod:
        os.environ["SHEBAO_PRODUCTION"] = "1"
        if development:
            os.environ["SHEBAO_DEVELOPMENT"] = "1"
        Settings.from_env().check_production()  # before anything starts
    services = open_services()
    if prod:
        _exec_gunicorn(host, port, workers)
    from app import create_app

    app = create_app()
    app.extensions["shebao"].warm()  # before the first message, not on it
    click.echo(started_lines(services, host, port, time.monotonic() - STARTED))
    app.run(host=host, port=port, threaded=True)


def started_lines(services: Services, host: str, port: int, seconds: float) -> str:
    """What the development server says once it is ready: where it is, what it serves, and
    how to make the first console account when there is none."""
    from sqlalchemy import func, select

    from knowledge.document_models import Document
    from knowledge.models import Entry
    from webhooks.admin.models import StaffUser

    with services.db.session() as s:
        entries = s.scalar(
            select(func.count()).select_from(Entry).where(Entry.status == "published")
        )
        documents = s.scalar(select(func.count()).select_from(Document))
        staff = s.scalar(select(func.count()).select_from(StaffUser))
    base = f"http://{host}:{port}"
    lines = [
        f"shebao-bot ready after {seconds:.1f} s: {base}/  (WeChat: {base}/wechat)",
        f"knowledge base: {entries} published entries, {documents} policy documents",
        f"staff console: {base}/admin/",
    ]
    if not staff:
        lines.append("no console account yet: shebao staff create <username> --role admin")
    return "\n".join(lines)


def _exec_gunicorn(host: str, port: int, workers: int | None) -> None:
    """Become gunicorn serving the app with app/gunicorn_conf.py."""
    import os

    try:
        import gunicorn  # noqa: F401
    except ImportError as exc:
        raise click.ClickException(
            "gunicorn is not installed: pip install 'shebao-bot[prod]'"
        ) from exc
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        "python:app.gunicorn_conf",
        "-b",
        f"{host}:{port}",
    ]
    if workers:
        argv += ["-w", str(workers)]
    env = {"LOG_FORMAT": "json", **os.environ}
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, [*argv, "app:create_app()"], env)


@main.command()
@click.option(
    "--lease",
    type=float,
    default=60.0,
    show_default=True,
    help="Seconds a claimed job stays this worker's without a heartbeat",
)
@click.option(
    "--poll",
    type=float,
    default=0.5,
    show_default=True,
    help="Seconds between looks at an empty outbox",
)
@click.option("--batch", type=int, default=10, show_default=True, help="Jobs claimed at once")
@click.option("--once", is_flag=True, help="Run what is due, then exit")
@click.option("--no-schedule", is_flag=True, help="Do not offer the periodic jobs")
@click.option(
    "--development",
    is_flag=True,
    help="Run with development secrets anyway (SHEBAO_DEVELOPMENT=1)",
)
def worker(
    lease: float, poll: float, batch: int, once: bool, no_schedule: bool, development: bool
) -> None:
    """Work the outbox (customer-service sends, application re-sends and notices)."""
    import os

    from app.worker import run_worker
    from shebao.logging import setup_logging
    from shebao.settings import Settings

    if development:
        os.environ["SHEBAO_DEVELOPMENT"] = "1"
    # The worker is a production process: it seals and unseals kept applications.
    Settings.from_env().with_overrides(production=True).check_production()
    setup_logging()
    ran = run_worker(lease=lease, poll=poll, batch=batch, once=once, schedule=not no_schedule)
    if once:
        click.echo(f"{ran} jobs run")


@main.command()
@click.argument("text", required=False)
@click.option("--region", default=None, help="The asker's region, e.g. 江门市")
@click.option("--user", default=None, help="Keep dialogue state across calls as this user")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object")
@click.option(
    "--batch",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="JSON lines {text, region?, user?}; one JSON object printed per line",
)
@click.option(
    "--role",
    type=click.Choice(["citizen", "volunteer"]),
    default="citizen",
    show_default=True,
    help="Who asks: a citizen, or a volunteer (社保志愿者) asking for one (records need a grant)",
)
def ask(
    text: str | None,
    region: str | None,
    user: str | None,
    as_json: bool,
    batch: Path | None,
    role: str,
) -> None:
    """Ask the engine a question, exactly as the webhooks would."""
    import uuid

    from bot.types import Message

    if not text and not batch:
        raise click.UsageError("give a question, or --batch FILE")
    if sys.stderr.isatty():  # a person waiting: say what the seconds go on (never in output)
        click.echo("loading the knowledge base, the documents and the language models…", err=True)
    bot = open_services().bot
    bot.warm()  # the second opinion's vectors too, so the first question is decided in full

    def one(q: str, reg: str | None, who: str | None) -> dict[str, object]:
        msg = Message(
            channel="cli", user=who or f"once-{uuid.uuid4().hex}", text=q, region=reg, role=role
        )
        return bot.handle(msg).as_json()

    if batch:
        for line_no, line in enumerate(batch.read_text("utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                out = one(str(row["text"]), row.get("region"), row.get("user"))
            except (ValueError, KeyError, TypeError) as exc:
                out = {"error": f"line {line_no}: {exc}"}
            click.echo(json.dumps(out, ensure_ascii=False))
        return
    result = one(text or "", region, user)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
    else:
        click.echo(result["answer"])


@main.command("eval")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON")
@click.option("--errors", is_flag=True, help="Also list the rows that went wrong")
def evaluate(path: Path, as_json: bool, errors: bool) -> None:
    """Measure the engine on a JSON-lines evaluation set."""
    from bot.evaluation import evaluate_rows, format_report, load_rows

    bot = open_services().bot
    bot.warm()
    report = evaluate_rows(bot, load_rows(path))
    if as_json:
        click.echo(json.dumps(report.figures(), ensure_ascii=False, indent=1))
    else:
        click.echo(format_report(report, show_errors=errors))
    sys.stdout.flush()


def _register() -> None:
    from app.db_cli import db
    from app.kb_cli import kb
    from app.personal_cli import notify_applications, volunteer
    from app.staff_cli import staff
    from app.wechat_cli import wechat
    from proxy.cli import sandbox_core

    main.add_command(kb)
    main.add_command(db)
    main.add_command(sandbox_core)
    main.add_command(staff)
    main.add_command(volunteer)
    main.add_command(notify_applications)
    main.add_command(wechat)


_register()


if __name__ == "__main__":
    main()
