"""The tests clear every environment variable the service reads (tests/testenv.py).

The service's source is scanned for the variables it reads: ``os.environ.get("X")``,
``os.getenv("X")``, ``os.environ["X"]``, ``os.environ.setdefault("X", …)``, ``"X" in
os.environ``, the same with a module-level constant instead of the literal, helpers that read
the variable named by one of their parameters (``_env("X")``), click's ``envvar="X"``, and the
fields of ``shebao.settings.Settings`` (``Settings.from_env`` reads each one's variable). A
read whose name the scan cannot tell fails the test too, so a new kind of read is noticed
rather than missed.
"""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from testenv import SERVICE_ENV, TEST_DEFAULTS, clear_service_env

from shebao.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("app", "bot", "intents", "knowledge", "webhooks", "proxy", "shebao")
_METHODS = ("get", "setdefault", "pop")


@dataclass
class Scan:
    names: dict[str, list[str]] = field(default_factory=dict)  # variable -> where it is read
    unresolved: list[str] = field(default_factory=list)  # reads the scan cannot name

    def add(self, name: str, where: str) -> None:
        self.names.setdefault(name, []).append(where)


def _is_environ(node: ast.expr) -> bool:
    """``os.environ`` or a bare ``environ`` (``from os import environ``)."""
    if isinstance(node, ast.Attribute):
        return node.attr == "environ" and isinstance(node.value, ast.Name) and node.value.id == "os"
    return isinstance(node, ast.Name) and node.id == "environ"


def _env_key(node: ast.AST) -> ast.expr | None:
    """The expression naming the variable, when ``node`` reads the environment."""
    if isinstance(node, ast.Call) and node.args:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in _METHODS and _is_environ(func.value):
            return node.args[0]
        if isinstance(func, ast.Attribute) and func.attr == "getenv":
            if isinstance(func.value, ast.Name) and func.value.id == "os":
                return node.args[0]
        if isinstance(func, ast.Name) and func.id == "getenv":
            return node.args[0]
    if isinstance(node, ast.Subscript) and _is_environ(node.value):
        return node.slice
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        if isinstance(node.ops[0], ast.In | ast.NotIn) and _is_environ(node.comparators[0]):
            return node.left
    return None


def _constants(tree: ast.Module) -> dict[str, str]:
    """Module-level ``NAME = "literal"`` assignments."""
    found: dict[str, str] = {}
    for stmt in tree.body:
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        if isinstance(stmt, ast.Assign):
            targets, value = stmt.targets, stmt.value
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            targets, value = [stmt.target], stmt.value
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            for target in targets:
                if isinstance(target, ast.Name):
                    found[target.id] = value.value
    return found


def _literal(node: ast.expr, constants: dict[str, str]) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    return None


def scan_file(path: Path, scan: Scan, root: Path = ROOT) -> None:
    """Add the variables ``path`` reads (named relative to ``root``) to ``scan``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    constants = _constants(tree)
    relative = path.relative_to(root)
    helpers: dict[str, int] = {}  # function name -> position of the parameter naming the variable
    in_helper: set[int] = set()  # ids of reads whose name is a helper's parameter

    for func in ast.walk(tree):
        if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        params = [a.arg for a in func.args.posonlyargs + func.args.args]
        for node in ast.walk(func):
            key = _env_key(node)
            if isinstance(key, ast.Name) and key.id in params and key.id not in constants:
                helpers[func.name] = params.index(key.id)
                in_helper.add(id(node))

    for node in ast.walk(tree):
        where = f"{relative}:{getattr(node, 'lineno', '?')}"
        key = _env_key(node)
        if key is not None and id(node) not in in_helper:
            name = _literal(key, constants)
            if name is None:
                scan.unresolved.append(f"{where}: {ast.unparse(node)}")
            else:
                scan.add(name, where)
        if not isinstance(node, ast.Call):
            continue
        for keyword in node.keywords:  # click options: envvar="X"
            if keyword.arg == "envvar":
                name = _literal(keyword.value, constants)
                if name is None:
                    scan.unresolved.append(f"{where}: envvar={ast.unparse(keyword.value)}")
                else:
                    scan.add(name, where)
        func = node.func
        called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if called in helpers and len(node.args) > helpers[called]:
            name = _literal(node.args[helpers[called]], constants)
            if name is None:
                scan.unresolved.append(f"{where}: {ast.unparse(node)}")
            else:
                scan.add(name, where)


def scan_service() -> Scan:
    scan = Scan()
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            scan_file(path, scan)
    for name, _, _ in Settings.variables():  # Settings.from_env reads each field's variable
        scan.add(name, "shebao/settings.py: Settings")
    return scan


def test_every_variable_the_service_reads_is_cleared() -> None:
    scan = scan_service()
    assert scan.unresolved == [], "reads whose variable the scan cannot name"
    missing = {name: where for name, where in scan.names.items() if name not in SERVICE_ENV}
    assert missing == {}, "read by the service but not cleared: add them to tests/testenv.py"
    assert "DATABASE_URL" in scan.names and "RATE_LIMIT_PER_MINUTE" in scan.names  # scan works


def test_the_list_names_only_variables_the_service_reads() -> None:
    read = scan_service().names
    assert [name for name in SERVICE_ENV if name not in read] == []
    assert len(set(SERVICE_ENV)) == len(SERVICE_ENV)


def test_the_scan_finds_each_kind_of_read(tmp_path: Path) -> None:
    source = tmp_path / "sample.py"
    source.write_text(
        "import os\n"
        "from os import environ, getenv\n"
        'KEY = "CONSTANT_ONE"\n'
        "def _env(name, default=None):\n"
        "    return os.environ.get(name) or default\n"
        "def f(option):\n"
        '    a = os.environ.get("LITERAL_GET"), os.getenv("LITERAL_GETENV")\n'
        '    b = os.environ["LITERAL_ITEM"], environ.get(KEY), getenv("BARE_GETENV")\n'
        '    os.environ.setdefault("LITERAL_DEFAULT", "x")\n'
        '    c = "LITERAL_IN" in os.environ, _env("THROUGH_HELPER")\n'
        '    option(envvar="CLICK_ENVVAR")\n'
        "    return os.environ.get(option.name)\n",
        encoding="utf-8",
    )
    scan = Scan()
    scan_file(source, scan, root=tmp_path)
    assert sorted(scan.names) == sorted(
        [
            "LITERAL_GET",
            "LITERAL_GETENV",
            "LITERAL_ITEM",
            "CONSTANT_ONE",
            "BARE_GETENV",
            "LITERAL_DEFAULT",
            "LITERAL_IN",
            "THROUGH_HELPER",
            "CLICK_ENVVAR",
        ]
    )
    assert len(scan.unresolved) == 1 and "option.name" in scan.unresolved[0]


def test_each_test_starts_without_the_service_variables() -> None:
    present = {name: os.environ[name] for name in SERVICE_ENV if name in os.environ}
    assert present == TEST_DEFAULTS


@pytest.fixture
def dirty_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SERVICE_ENV:
        monkeypatch.setenv(name, "from-a-developer-shell")


def test_clear_service_env_unsets_them(
    dirty_environment: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    clear_service_env(monkeypatch)
    present = {name: os.environ[name] for name in SERVICE_ENV if name in os.environ}
    assert present == TEST_DEFAULTS
