"""The ``shebao`` command line: one group, each area contributes its own commands."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click


@click.group()
def main() -> None:
    """shebao-bot: the 社保 WeChat assistant."""


def open_database():  # type: ignore[no-untyped-def]
    """The configured database, with its schema (``ensure_schema``) and the shipped content."""
    from knowledge.importer import load_shipped_content
    from shebao.db import Database
    from shebao.schema import SchemaError, ensure_schema
    from shebao.settings import Settings

    settings = Settings.from_env()
    db = Database(settings.database_url)
    try:
        ensure_schema(db)
    except SchemaError as exc:
        raise click.ClickException(str(exc)) from exc
    load_shipped_content(db)
    return settings, db


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Serve the bot (development server, embedded SQLite default)."""
    open_database()
    from webhooks import create_app

    create_app().run(host=host, port=port, threaded=True)


@main.command()
@click.argument("text", required=False)
@click.option("--region", default=None, help="The asker's region, e.g. 江门市")
@click.option("--user", default=None, help="Keep dialogue state across calls as this user")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object")
@click.option("--batch", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="JSON lines {text, region?, user?}; one JSON object printed per line")
@click.option("--role", type=click.Choice(["citizen", "volunteer"]), default="citizen")
def ask(text: str | None, region: str | None, user: str | None, as_json: bool,
        batch: Path | None, role: str) -> None:
    """Ask the engine a question, exactly as the webhooks would."""
    import uuid

    from bot.engine import Bot
    from bot.types import Message

    if not text and not batch:
        raise click.UsageError("give a question, or --batch FILE")
    settings, db = open_database()
    bot = Bot(settings, db)

    def one(q: str, reg: str | None, who: str | None) -> dict[str, object]:
        msg = Message(channel="cli", user=who or f"once-{uuid.uuid4().hex}", text=q,
                      region=reg, role=role)
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
    from bot.engine import Bot
    from bot.evaluation import evaluate_rows, format_report, load_rows

    settings, db = open_database()
    report = evaluate_rows(Bot(settings, db), load_rows(path))
    if as_json:
        click.echo(json.dumps(report.figures(), ensure_ascii=False, indent=1))
    else:
        click.echo(format_report(report, show_errors=errors))
    sys.stdout.flush()


def _register() -> None:
    from knowledge.cli import kb
    from proxy.cli import sandbox_core
    from shebao.db_cli import db
    from webhooks.admin.cli import staff
    from webhooks.personal_cli import notify_applications, volunteer

    main.add_command(kb)
    main.add_command(db)
    main.add_command(sandbox_core)
    main.add_command(staff)
    main.add_command(volunteer)
    main.add_command(notify_applications)


_register()
