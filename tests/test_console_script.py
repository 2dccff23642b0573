"""The installed ``shebao`` console script, run as a user runs it (a real process, not the click
object): every group and command the code defines is reachable, ``--version`` and ``-h`` work."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import click
import pytest

from app.cli import main
from shebao.settings import DEFAULT_PORT


def _script() -> str:
    beside_python = Path(sys.executable).with_name("shebao")
    found = str(beside_python) if beside_python.exists() else shutil.which("shebao")
    assert found, "the shebao console script is not installed (pip install -e .)"
    return found


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return subprocess.run(
        [_script(), *args], capture_output=True, text=True, timeout=60, env=env, check=False
    )


def _groups(group: click.Group, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path]
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            found += _groups(command, (*path, name))
    return found


def test_top_level_help_lists_every_command() -> None:
    result = _run("--help")
    assert result.returncode == 0, result.stderr
    for name in main.commands:
        assert f"  {name} " in result.stdout, f"shebao --help does not list {name}"
    assert "wechat" in main.commands


@pytest.mark.parametrize("path", _groups(main), ids=lambda p: " ".join(p) or "shebao")
def test_every_group_help_lists_its_commands(path: tuple[str, ...]) -> None:
    group: click.Group = main
    for name in path:
        command = group.commands[name]
        assert isinstance(command, click.Group)
        group = command
    result = _run(*path, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Usage: shebao {' '.join(path)}".rstrip())
    for name in group.commands:
        assert f"  {name} " in result.stdout, f"shebao {' '.join(path)} --help lacks {name}"


def test_version_and_short_help() -> None:
    result = _run("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"shebao, version {version('shebao-bot')}"
    assert _run("-h").stdout == _run("--help").stdout
    assert _run("wechat", "-h").stdout == _run("wechat", "--help").stdout


def test_replay_posts_to_the_port_serve_listens_on() -> None:
    serve = _run("serve", "--help").stdout
    replay = _run("wechat", "replay", "--help").stdout
    assert f"[default: {DEFAULT_PORT}]" in serve
    assert f"http://127.0.0.1:{DEFAULT_PORT}/wechat" in replay
