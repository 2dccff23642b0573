"""The region hierarchy (全国 > 省 > 市 > 县/区) and the questions asked of it."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TypeAlias

import yaml

ROOT = "全国"
# regions.yaml: each region maps to its subregions (nothing for a region without any)
_Tree: TypeAlias = "dict[str, _Tree | None]"


@dataclass(frozen=True)
class Regions:
    parent: dict[str, str | None]

    def __contains__(self, name: object) -> bool:
        return name in self.parent

    def ancestors(self, name: str) -> list[str]:
        """The region itself, then its parent, up to 全国."""
        chain: list[str] = []
        current: str | None = name
        while current is not None:
            chain.append(current)
            current = self.parent.get(current)
        return chain

    def applies(self, entry_region: str, asker_region: str | None) -> bool:
        """Whether an entry scoped to ``entry_region`` may be served to ``asker_region``."""
        if asker_region is None or asker_region not in self.parent:
            return True
        return entry_region in self.ancestors(asker_region)

    def depth(self, name: str) -> int:
        return len(self.ancestors(name)) - 1

    def canonical(self, text: str) -> str | None:
        """The region named in ``text`` (江门, 江门市, 广东江门 …), most specific first."""
        best: tuple[int, str] | None = None
        for name in self.parent:
            stem = name[:-1] if len(name) > 2 and name[-1] in "省市区县" else name
            if name in text or (len(stem) >= 2 and stem in text):
                key = (self.depth(name), name)
                if best is None or key > best:
                    best = key
        return best[1] if best else None

    def cities(self) -> list[str]:
        return [n for n in self.parent if self.depth(n) >= 2]


def _walk(tree: _Tree, parent: str | None, out: dict[str, str | None]) -> None:
    for name, children in tree.items():
        out[name] = parent
        _walk(children or {}, name, out)


@cache
def load_regions() -> Regions:
    text = resources.files("knowledge").joinpath("regions.yaml").read_text("utf-8")
    parents: dict[str, str | None] = {}
    _walk(yaml.safe_load(text), None, parents)
    return Regions(parents)
