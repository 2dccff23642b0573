"""The region hierarchy (全国 > 省 > 市 > 县/区) and the questions asked of it.

The served regions, those entries can be scoped to, are ``knowledge/regions.yaml``. Every other
place in China hangs into that tree by its adcode ancestry (``knowledge.places``): 广州市 under
广东省, 蓬江区 under 江门市. A region here is a name: a served region's (江门市), another place's
(广州市, 北京市朝阳区), or, for a place named but found nowhere, the words used (火星市), which sits
directly under 全国. So masking fails closed: an asker anywhere is served the national entries
and those of the served regions that contain their place, never another place's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources
from typing import TypeAlias

import yaml

from knowledge.places import Gazetteer, load_gazetteer

ROOT = "全国"
# regions.yaml: each region maps to its subregions (nothing for a region without any)
_Tree: TypeAlias = "dict[str, _Tree | None]"
WHOLE_REPLY = 12  # a reply this short, after "which region?", is read as a place
MAX_NAME = 40  # the longest region kept (the database columns' width)
_CHAIN_CACHE = 20_000
_NOT_TEXT = re.compile(r"[^\w]+", re.UNICODE)


@dataclass(frozen=True)
class Regions:
    parent: dict[str, str | None]
    _chains: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False, repr=False)

    def __contains__(self, name: object) -> bool:
        """Whether ``name`` is a served region (one that entries can be scoped to)."""
        return name in self.parent

    # -- the gazetteer behind the tree ---------------------------------------------------------

    @cached_property
    def _places(self) -> Gazetteer:
        return load_gazetteer()

    @cached_property
    def gazetteer(self) -> Gazetteer:
        """The gazetteer, told which places are served (their bare stems count), built once."""
        gazetteer = self._places
        gazetteer.served = frozenset(self.served_codes)
        return gazetteer

    @cached_property
    def served_codes(self) -> dict[str, str]:
        """adcode → served region, each found under its served parent (赣县区 inside 赣州市)."""
        gazetteer = self._places
        codes: dict[str, str] = {}
        by_name: dict[str, str] = {}
        for name in self.parent:  # parents come before their children in the yaml's order
            if name == ROOT:
                continue
            above = self.parent[name]
            code = gazetteer.code_of(name, by_name.get(above) if above else None)
            if code is not None:
                codes[code] = name
                by_name[name] = code
        return codes

    # -- naming ---------------------------------------------------------------------------------

    def find(self, text: str, whole: bool = False) -> str | None:
        """The region ``text`` names (江门市蓬江区 → 蓬江区, 广东江门 → 江门市, Jiangmen → 江门市,
        我在火星市 → 火星市), or None. ``whole``: the text is a place and nothing else."""
        found = self.gazetteer.find(text, whole=whole)
        if found is None:
            return None
        if found.code is None:
            return found.name[:MAX_NAME]
        return self.served_codes.get(found.code) or self.gazetteer.key(found.code)

    def canonical(self, text: str, asked: bool = False) -> str | None:
        """The region a message names. ``asked``: we asked where the asker is, so a short
        message is read as a place (「台山」, 「我在XX镇」), not as words that may be a place."""
        return self.find(text, whole=asked and len(_NOT_TEXT.sub("", text)) <= WHOLE_REPLY)

    def resolve(self, name: str) -> str:
        """The region for a name given as a place (a channel's region field, a 参保地): the
        canonical name of the place it names, or the name itself when it names none known."""
        name = name.strip()
        if name in self.parent:
            return name
        return self.find(name, whole=True) or name[:MAX_NAME]

    # -- the tree ----------------------------------------------------------------------------

    def ancestors(self, name: str) -> list[str]:
        """The region itself, then its parents, up to 全国 (served or not)."""
        return list(self._chain(name))

    def _chain(self, name: str) -> tuple[str, ...]:
        chain = self._chains.get(name)
        if chain is None:
            chain = self._build_chain(name)
            if len(self._chains) > _CHAIN_CACHE:
                self._chains.clear()
            self._chains[name] = chain
        return chain

    def _build_chain(self, name: str) -> tuple[str, ...]:
        if name in self.parent:
            out: list[str] = []
            current: str | None = name
            while current is not None:
                out.append(current)
                current = self.parent.get(current)
            return tuple(out)
        gazetteer = self.gazetteer
        code = gazetteer.by_key.get(name)
        if code is None:
            found = gazetteer.find(name, whole=True)  # 江门, 广东省江门市, Jiangmen
            code = found.code if found else None
        if code is None:
            return (name, ROOT)
        out = [name]
        for c in gazetteer.chain(code):
            served = self.served_codes.get(c)
            if served is not None:
                return tuple(dict.fromkeys(out + list(self._chain(served))))
            out.append(gazetteer.key(c))
        out.append(ROOT)
        return tuple(dict.fromkeys(out))

    def served_chain(self, name: str) -> tuple[str, ...]:
        """The served regions that contain ``name`` (itself included), most specific first."""
        return tuple(r for r in self._chain(name) if r in self.parent)

    def applies(self, entry_region: str, asker_region: str | None) -> bool:
        """Whether an entry scoped to ``entry_region`` may be served to ``asker_region``.
        With no region known, every entry may (topic resolution then decides what to say)."""
        if asker_region is None:
            return True
        return entry_region in self._chain(asker_region)

    def depth(self, name: str) -> int:
        return len(self._chain(name)) - 1

    def cities(self) -> list[str]:
        return [n for n in self.parent if self.depth(n) >= 2]

    def within(self, name: str) -> list[str]:
        """The served regions at or below ``name``, in the yaml's order."""
        return [n for n in self.parent if name in self._chain(n)]


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
