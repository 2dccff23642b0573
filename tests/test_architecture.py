"""The import rules of ../shared/DESIGN.md, checked on the import graph (grimp, every import
statement, those inside functions too):

- app/ is the composition root: no other package imports it;
- shebao/ is infrastructure and imports no package above it;
- intents/, knowledge/ and proxy/ never import bot/, webhooks/ or app/; bot/ never imports
  webhooks/;
- webhooks/ reaches the personal-services domain through its API only (bot.personal.service);
- inside bot/, no module is in an import cycle (imports inside functions and under
  TYPE_CHECKING count: a cycle hidden from the interpreter is a cycle still);
- app/models.py lists every table of the service's ``Base``.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("app", "bot", "intents", "knowledge", "proxy", "shebao", "webhooks")

#: (importer, packages it must never import, even inside a function)
FORBIDDEN: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("shebao", ("app", "bot", "webhooks", "intents", "knowledge", "proxy")),
    ("intents", ("app", "bot", "webhooks", "knowledge", "proxy")),
    ("knowledge", ("app", "bot", "webhooks", "proxy")),
    ("proxy", ("app", "bot", "webhooks", "intents", "knowledge")),
    ("bot", ("app", "webhooks")),
    ("webhooks", ("app",)),
)


@cache
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(*PACKAGES, cache_dir=None)


def _imports_between(importer: str, imported: str) -> list[str]:
    found = graph().find_matching_direct_imports(
        import_expression=f"{importer}.** -> {imported}.**"
    ) + graph().find_matching_direct_imports(import_expression=f"{importer}.** -> {imported}")
    return sorted({f"{i['importer']} -> {i['imported']}" for i in found})


@pytest.mark.parametrize(("importer", "forbidden"), FORBIDDEN, ids=[f[0] for f in FORBIDDEN])
def test_packages_import_downwards_only(importer: str, forbidden: tuple[str, ...]) -> None:
    wrong = [line for imported in forbidden for line in _imports_between(importer, imported)]
    assert wrong == [], f"{importer}/ imports what is above it:\n" + "\n".join(wrong)


def test_only_the_composition_root_imports_every_package() -> None:
    below = [p for p in PACKAGES if p != "app"]
    for package in below:
        assert graph().chain_exists("app", package, as_packages=True), package


def test_channels_reach_personal_services_through_their_api() -> None:
    found = graph().find_matching_direct_imports(import_expression="webhooks.** -> bot.personal.**")
    around = sorted(
        f"{i['importer']} -> {i['imported']}"
        for i in found
        if i["imported"] != "bot.personal.service"
    )
    assert around == [], "past bot.personal.service:\n" + "\n".join(around)


def _cycles(modules: set[str], g: grimp.ImportGraph | None = None) -> list[set[str]]:
    """The strongly connected components of more than one module (Tarjan, iteratively)."""
    g = g or graph()
    edges = {m: g.find_modules_directly_imported_by(m) & modules for m in modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    counter = 0
    for root in sorted(modules):
        if root in index:
            continue
        work: list[tuple[str, list[str]]] = [(root, sorted(edges[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, todo = work[-1]
            if todo:
                nxt = todo.pop()
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, sorted(edges[nxt])))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(component)
    return found


def _named(component: set[str], g: grimp.ImportGraph | None = None) -> str:
    """A cycle of ``component`` as the imports that close it (``a -> b -> … -> a``): the
    shortest one through its first module, found breadth first."""
    g = g or graph()
    start = min(component)
    paths: dict[str, list[str]] = {start: [start]}
    todo = [start]
    while todo:
        node = todo.pop(0)
        for nxt in sorted(g.find_modules_directly_imported_by(node) & component):
            if nxt == start:
                return " -> ".join([*paths[node], start])
            if nxt not in paths:
                paths[nxt] = [*paths[node], nxt]
                todo.append(nxt)
    return ", ".join(sorted(component))  # not reached for a component of more than one module


def test_bot_has_no_import_cycle() -> None:
    modules = {m for m in graph().modules if m == "bot" or m.startswith("bot.")}
    cycles = _cycles(modules)
    assert cycles == [], "import cycles inside bot/ (every import counts):\n" + "\n".join(
        f"{len(c)} modules, e.g. {_named(c)}: {', '.join(sorted(c))}" for c in cycles
    )


def test_the_cycle_check_finds_and_names_a_cycle() -> None:
    """The check above passes when it finds nothing: on a graph with a cycle (a -> b -> c -> a,
    and d importing into it from outside) it must find that cycle, and name it."""
    made = grimp.ImportGraph()
    for importer, imported in (("a", "b"), ("b", "c"), ("c", "a"), ("d", "a"), ("c", "e")):
        made.add_import(importer=importer, imported=imported)
    found = _cycles(set(made.modules), made)
    assert found == [{"a", "b", "c"}]
    assert _named(found[0], made) == "a -> b -> c -> a"


def _declared_models() -> set[str]:
    """Classes deriving from shebao.db's ``Base`` with a ``__tablename__``, by module.name."""
    found = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text("utf-8"))
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            for node in tree.body:
                if not isinstance(node, ast.ClassDef):
                    continue
                bases = {b.id for b in node.bases if isinstance(b, ast.Name)}
                named = any(
                    isinstance(s, ast.Assign)
                    and any(isinstance(t, ast.Name) and t.id == "__tablename__" for t in s.targets)
                    for s in node.body
                )
                if "Base" in bases and named:
                    found.add(f"{module}.{node.name}")
    return found


def test_the_model_list_names_every_table() -> None:
    from app.models import MODELS

    listed = {f"{m.__module__}.{m.__name__}" for m in MODELS}
    assert listed == _declared_models()
