"""The command line as an operator meets it: a bad DATABASE_URL is one sentence, not a traceback;
`ask --role` says what it is; the development server says where it is and how to log in."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from app.cli import main, started_lines
from app.services import build_services
from shebao.settings import Settings


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("nonsense://", "is not a database URL"),
        ("postgresql+psycopg://someone:secret@127.0.0.1:1/x", "cannot be reached"),
    ],
)
def test_a_bad_database_url_is_one_sentence(
    monkeypatch: pytest.MonkeyPatch, url: str, says: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    result = CliRunner().invoke(main, ["ask", "失业金怎么领"])
    assert result.exit_code == 1
    assert says in result.output and "Traceback" not in result.output
    assert "secret" not in result.output  # the password is hidden
    assert len(result.output.strip().splitlines()) == 1


def test_ask_role_has_help() -> None:
    result = CliRunner().invoke(main, ["ask", "--help"])
    assert "volunteer (社保志愿者)" in result.output


def test_the_development_server_says_where_it_is_and_how_to_log_in(
    prepared_database_url: str,
) -> None:
    services = build_services(Settings(database_url=prepared_database_url))
    lines = started_lines(services, "127.0.0.1", 8000, 3.2)
    assert "http://127.0.0.1:8000/admin/" in lines
    assert "published entries" in lines and "5 policy documents" in lines
    assert "shebao staff create <username> --role admin" in lines
    from webhooks.admin import accounts

    with services.db.session() as s:
        accounts.create_user(s, "boss", "a-long-enough-password", "admin")
    assert "staff create" not in started_lines(services, "127.0.0.1", 8000, 3.2)
    services.db.engine.dispose()
