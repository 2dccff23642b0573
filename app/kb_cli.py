"""``shebao kb …``: import and export of knowledge-base entries, and import of policy documents.

Both commands use the database of ``DATABASE_URL``, create its tables if needed and, on an
empty knowledge base, load the shipped content first, so a first run has entries.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from app.services import open_database
from knowledge.documents import import_document, validate_file
from knowledge.exporter import (
    FORMATS,
    select_entries,
    write_csv,
    write_jsonl,
    write_xlsx,
    write_yaml,
    write_yaml_dir,
)
from knowledge.importer import import_entries, load_shipped_content, validate_paths
from knowledge.schema import InvalidEntries, Problem
from shebao.db import Database
from shebao.settings import Settings


@click.group()
def kb() -> None:
    """Knowledge base: import, export."""


def _print_problems(problems: list[Problem]) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)


@contextmanager
def _database() -> Iterator[Database]:
    db = open_database(Settings.from_env(), content=False)
    try:
        try:
            loaded = load_shipped_content(db)
        except InvalidEntries as exc:
            _print_problems(exc.problems)
            raise click.ClickException(
                f"the shipped content has {len(exc.problems)} problems; nothing was loaded"
            ) from exc
        if loaded:
            click.echo(f"loaded {loaded} shipped entries into the empty knowledge base", err=True)
        yield db
    finally:
        db.engine.dispose()


@kb.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--actor",
    default=None,
    help="Who is importing, for the revision history (default: cli:<login>).",
)
@click.option("--check", is_flag=True, help="Only validate; write nothing.")
def import_command(paths: tuple[Path, ...], actor: str | None, check: bool) -> None:
    """Import entries from YAML, CSV, XLSX or JSON-lines files (or folders of them).

    Everything is validated first; if any entry has a problem, each is printed as
    "file, row N, field X: message" and nothing is written.
    """
    with _database() as db, db.session() as session:
        entries, problems = validate_paths(paths, session)
        if problems:
            _print_problems(problems)
            click.echo(f"{len(problems)} problems; nothing was imported", err=True)
            sys.exit(1)
        if check:
            click.echo(f"{len(entries)} entries, no problems (nothing written: --check)")
            return
        result = import_entries(session, entries, actor or f"cli:{getpass.getuser()}")
    click.echo(
        f"created {len(result.created)}, updated {len(result.updated)}, "
        f"unchanged {len(result.unchanged)}"
    )
    if result.superseded:
        click.echo(
            "pending console edits superseded by this import: " + ", ".join(result.superseded),
            err=True,
        )


@kb.command("export")
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True)
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    default=None,
    help="File to write (required for xlsx); for yaml, an existing folder gets one "
    "file per category. Default: standard output.",
)
@click.option(
    "--all", "include_all", is_flag=True, help="Every status, not only published entries."
)
def export_command(fmt: str, output: Path | None, include_all: bool) -> None:
    """Export entries (published ones unless --all)."""
    if fmt == "xlsx" and output is None:
        raise click.UsageError("xlsx needs --output FILE")
    with _database() as db, db.session() as session:
        entries = select_entries(session, include_all)
    if fmt == "xlsx":
        assert output is not None
        write_xlsx(entries, output)
    elif fmt == "yaml" and output is not None and output.is_dir():
        for path in write_yaml_dir(entries, output):
            click.echo(str(path), err=True)
    else:
        writer = {"jsonl": write_jsonl, "yaml": write_yaml, "csv": write_csv}[fmt]
        if output is None:
            writer(entries, sys.stdout)
        else:
            encoding = "utf-8-sig" if fmt == "csv" else "utf-8"  # Excel needs the BOM
            with output.open("w", encoding=encoding, newline="") as out:
                writer(entries, out)
    click.echo(f"exported {len(entries)} entries", err=True)


@kb.command("import-document")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--title", required=True, help="The document's title (without 《》).")
@click.option("--number", default=None, help="Its 文号, e.g. 粤人社函〔2021〕378号.")
@click.option("--issuer", default=None, help="The issuing body.")
@click.option("--date", "issued", required=True, help="YYYY-MM-DD (or YYYY when only that).")
@click.option("--region", required=True, help="A served region, e.g. 江门市 or 广东省.")
@click.option("--effective-from", default=None, help="YYYY-MM-DD; default: in force now.")
@click.option("--effective-to", default=None, help="YYYY-MM-DD; after it, dated answers only.")
@click.option("--id", "doc_id", default=None, help="An id to re-import under (default: from 文号).")
@click.option("--actor", default=None, help="Who is importing (default: cli:<login>).")
@click.option("--check", is_flag=True, help="Only validate; write nothing.")
def import_document_command(
    path: Path,
    title: str,
    number: str | None,
    issuer: str | None,
    issued: str,
    region: str,
    effective_from: str | None,
    effective_to: str | None,
    doc_id: str | None,
    actor: str | None,
    check: bool,
) -> None:
    """Import a policy document (.txt, .docx or .pdf with a text layer) and its passages.

    Everything is validated first; each problem is printed as "file, field X: message" and
    nothing is written. Importing a document again (same 文号, or same title without one, or
    --id) replaces its passages.
    """
    fields = {
        "id": doc_id,
        "title": title,
        "number": number,
        "issuer": issuer,
        "date": issued,
        "region": region,
        "effective_from": effective_from,
        "effective_to": effective_to,
    }
    with _database() as db, db.session() as session:
        data, problems = validate_file(path, fields)
        if problems or data is None:
            _print_problems(problems)
            click.echo(f"{len(problems)} problems; nothing was imported", err=True)
            sys.exit(1)
        if check:
            click.echo(f"{data.id}: {len(data.passages)} passages, no problems (--check)")
            return
        row = import_document(session, data, actor or f"cli:{getpass.getuser()}")
        action = "imported" if row.version == 1 else f"replaced (version {row.version})"
        click.echo(f"{row.id}: {action}, {len(data.passages)} passages, region {row.region}")
