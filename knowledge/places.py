"""China's administrative divisions, and the one resolver from a way of naming a place to it.

The gazetteer is ``knowledge/data/places.csv`` (adcode, name; see ``knowledge/data/README.md``)
plus ``knowledge/places.yaml`` (names newer than the file, short names that are ordinary words).
An adcode's digits give the level: the first 2 a province, the first 4 a prefecture city, the
first 6 a county or district; placeholder rows (市辖区, 省直辖县级行政区划) are skipped, so 北京's
districts and 仙桃市 hang directly under their province.

``Gazetteer.find(text)`` finds the place a message names, however it is written: a full name
(江门市蓬江区, 广东省江门市), a short one (江门, 广东江门, 金湖, 赣县), pinyin (Jiangmen,
jiangmen shi), inside a sentence (我在江门市蓬江区). Short names (a name without 省/市/县/区…)
count only for provinces, prefecture cities, the served places and the counties of served cities
(台山, 信宜): any other county's bare stem (大方, 通道, 永和, 长安) and a two-character full name
(城区, 郊区) are ordinary words too often, so they need a named parent (佛山顺德, 山西城区)
unless the whole message is a place (a reply to "which region?", a channel's region field).
The most specific place named wins; several unrelated places of one name (鼓楼区) with no parent
to choose between them are "named, not resolved".
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources

import opencc
import yaml

PROVINCE, CITY, COUNTY = 1, 2, 3
PLACEHOLDERS = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})
# How a name may be used: anywhere (a full name, or the bare stem of a province, a city or a
# served place), or only next to a named parent or when the whole message is a place.
FREE, GUARDED = "free", "guarded"
# The 55 minorities, as they appear in the names of autonomous areas (广西壮族自治区,
# 甘南藏族自治州, 连南瑶族自治县, 巴音郭楞蒙古自治州), longest first so 土家 goes before 土.
ETHNIC = sorted(
    "蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 "
    "拉祜 水 东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 "
    "塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 "
    "珞巴 基诺".split(),
    key=len,
    reverse=True,
)
_AUTONOMOUS = re.compile(r"自治(?:区|州|县|旗)$")
_SUFFIXES = ("特别行政区", "地区", "新区", "林区", "特区", "省", "市", "盟", "州", "县", "区", "旗")
# A bare stem right before one of these is a street or a road, not a place: 中山路, 南京东路.
_STREET = re.compile(r"(?:[东西南北中]|[东西南北]?[一二三四五六七八九十]+)?(?:路|街|大道|大街|巷)")
# The words between pinyin syllables of one name: spaces, an apostrophe (Xi'an), a hyphen.
_LATIN_WORD = re.compile(r"[a-z]+")
_LATIN_GAP = re.compile(r"[\s'’\-]{0,2}")
# 「我在XX市」, 「户口在XX县」: a place named as one, found when the gazetteer does not know it.
_NAMED = re.compile(
    r"(?:我|俺|人|家|住|户口|户籍|参保)(?:现在|目前|一直|就|是)?在"
    r"(?P<name>[\u4e00-\u9fff]{2,8}?(?:省|市|县|旗|州|盟))(?![场民面政委长级])"
)
# A whole reply that is a place (after we asked where the asker is): 「我在XX镇」, 「XX区的」.
_WHOLE = re.compile(
    r"^(?:我|俺|我们|我家|家里)?(?:现在|目前|一直|就)?(?:在|是|住在)?"
    r"(?P<name>[\u4e00-\u9fff]{2,8}?(?:省|市|县|区|旗|州|盟|镇|乡|村))"
    r"(?:人|的|这边|那边|这里|那里|这儿|那儿)?$"
)
_GENERIC_START = set("这那本外该此哪每各全同某其别他大小")
# County names that read as a direction plus an ordinary word as often as a place (粤西山区,
# 老城区, 南郊区): like two-character names, they need a named parent.
_AREA_WORDS = frozenset({"山区", "城区", "市区", "郊区"})
_DIRECTIONS = frozenset("东西南北中上下新老古")
_NOT_TEXT = re.compile(r"[^\w]+", re.UNICODE)


@dataclass(frozen=True)
class Place:
    code: str
    name: str
    level: int
    parent: str | None  # the code of the nearest real place above; None for a province


@dataclass(frozen=True)
class Found:
    """A place a text names: ``code`` is None when it is named but not in the gazetteer (or
    several places bear the name and nothing says which), and ``name`` is then the words used."""

    code: str | None
    name: str


@dataclass
class _Mention:
    start: int
    end: int
    surface: str
    candidates: list[tuple[str, str]]  # (code, FREE | GUARDED)
    latin: bool = False


@cache
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def prepare(text: str) -> str:
    """Full-width → half-width, traditional → simplified (江門 → 江门), lower case."""
    simplified: str = _t2s().convert(unicodedata.normalize("NFKC", text))  # OpenCC is untyped
    return simplified.lower()


def level_of(code: str) -> int:
    if code[2:] == "0" * 10:
        return PROVINCE
    if code[4:] == "0" * 8:
        return CITY
    return COUNTY


def stem_of(name: str) -> str | None:
    """The name without its administrative suffix and minorities: 广西壮族自治区 → 广西,
    甘南藏族自治州 → 甘南, 江门市 → 江门, 赣县区 → 赣县; None when under two characters remain."""
    stem = name
    if _AUTONOMOUS.search(stem):
        stem = stem[:-3]
        while True:
            for people in ETHNIC:
                for form in (people + "族", people):
                    if stem.endswith(form) and len(stem) > len(form):
                        stem = stem[: -len(form)]
                        break
                else:
                    continue
                break
            else:
                break
    else:
        for suffix in _SUFFIXES:
            if stem.endswith(suffix) and len(stem) > len(suffix):
                stem = stem[: -len(suffix)]
                break
    return stem if len(stem) >= 2 and stem != name else None


class Gazetteer:
    """Every place in China by adcode, and the names (Chinese and pinyin) that point to them."""

    def __init__(
        self,
        rows: Iterable[tuple[str, str]],
        aliases: dict[str, str] | None = None,
        needs_parent: Iterable[str] = (),
        words: Iterable[str] = (),
    ) -> None:
        raw = {code: name for code, name in rows}
        # Words that start with a place's name and are not about it (新会员): skipped whole.
        self.words = tuple(sorted(words, key=len, reverse=True))
        self.places: dict[str, Place] = {}
        for code, name in raw.items():
            if name in PLACEHOLDERS:
                continue
            self.places[code] = Place(code, name, level_of(code), self._parent(code, raw))
        self.aliases = dict(aliases or {})
        self.needs_parent = frozenset(needs_parent)
        # Codes whose bare stems count anywhere (the served counties: 金湖, 赣县); set by the
        # owner before the first search (the pinyin is built then).
        self.served: frozenset[str] = frozenset()
        self.names: dict[str, list[tuple[str, str]]] = {}
        for place in self.places.values():
            self._add_names(place)
        for alias, code in self.aliases.items():
            if code in self.places:
                self._add(alias, code, FREE)
                stem = stem_of(alias)
                if stem:
                    self._add(stem, code, self._stem_use(self.places[code], stem))
        self.lengths = sorted({len(n) for n in self.names}, reverse=True)
        self.first_chars = frozenset(n[0] for n in self.names)
        counts: dict[str, int] = {}
        for place in self.places.values():
            counts[place.name] = counts.get(place.name, 0) + 1
        self._name_count = counts
        self.by_key = {self.key(code): code for code in self.places}

    @staticmethod
    def _parent(code: str, raw: dict[str, str]) -> str | None:
        level = level_of(code)
        if level == PROVINCE:
            return None
        city = code[:4] + "0" * 8
        if level == COUNTY and city in raw and raw[city] not in PLACEHOLDERS:
            return city
        return code[:2] + "0" * 10

    def _stem_use(self, place: Place, stem: str) -> str:
        if stem in self.needs_parent:
            return GUARDED
        return FREE if place.level < COUNTY else GUARDED

    def _add(self, surface: str, code: str, use: str) -> None:
        found = self.names.setdefault(surface, [])
        for i, (c, u) in enumerate(found):
            if c == code:
                if u == GUARDED and use == FREE:
                    found[i] = (code, FREE)
                return
        found.append((code, use))

    def _add_names(self, place: Place) -> None:
        name = place.name
        short = place.level == COUNTY and (
            len(name) < 3 or (len(name) == 3 and name[1:] in _AREA_WORDS and name[0] in _DIRECTIONS)
        )
        full_use = GUARDED if short or name in self.needs_parent else FREE
        self._add(place.name, place.code, full_use)
        stem = stem_of(place.name)
        if stem:
            self._add(stem, place.code, self._stem_use(place, stem))

    @cached_property
    def pinyin(self) -> dict[str, list[tuple[str, str]]]:
        """Pinyin of provinces, cities and served places (jiangmen, jiangmenshi), built once."""
        from pypinyin import lazy_pinyin

        out: dict[str, list[tuple[str, str]]] = {}
        for place in self.places.values():
            if place.level == COUNTY and place.code not in self.served:
                continue
            names = [place.name, stem_of(place.name)]
            names += [a for a, c in self.aliases.items() if c == place.code]
            for name in filter(None, names):
                use = GUARDED if name in self.needs_parent else FREE
                key = "".join(lazy_pinyin(name)).lower()
                entry = out.setdefault(key, [])
                if all(c != place.code for c, _ in entry):
                    entry.append((place.code, use))
        return out

    # -- names of places -----------------------------------------------------------------------

    def key(self, code: str) -> str:
        """A place's name, made unique by its parent's where several share it (北京市朝阳区)."""
        place = self.places[code]
        if self._name_count.get(place.name, 0) <= 1 or place.parent is None:
            return place.name
        return self.key(place.parent) + place.name

    def chain(self, code: str) -> list[str]:
        """The place's code, then its parents' codes, up to its province."""
        out: list[str] = []
        current: str | None = code
        while current is not None:
            out.append(current)
            current = self.places[current].parent
        return out

    def is_within(self, code: str, ancestor: str) -> bool:
        return ancestor in self.chain(code)[1:]

    def in_served_city(self, code: str) -> bool:
        """A county or district of a served city (台山 in 江门, 信宜 in 茂名): its people name it
        by its stem, so the stem counts without the city (not a served province's: too many of
        those stems are words, 和平, 紫金)."""
        return any(a in self.served and self.places[a].level == CITY for a in self.chain(code)[1:])

    def code_of(self, name: str, within: str | None = None) -> str | None:
        """The code of the place with this full name (or alias), inside ``within`` if given."""
        codes = [c for c, _ in self.names.get(name, []) if self.places[c].name == name]
        if name in self.aliases and self.aliases[name] in self.places:
            codes = [self.aliases[name]]
        if within is not None:
            codes = [c for c in codes if c == within or self.is_within(c, within)]
        return codes[0] if len(codes) == 1 else None

    # -- finding the place a text names --------------------------------------------------------

    def find(self, text: str, whole: bool = False) -> Found | None:
        """The place ``text`` names, or None. ``whole``: the text is a place and nothing else
        (a reply to "where are you?", a region field), so guarded short names count too."""
        text = prepare(text)
        mentions = self._mentions(text)
        if mentions:
            found = self._resolve(mentions, text, whole)
            if found is not None:
                return found
        return self._named_unknown(text, whole)

    def _mentions(self, text: str) -> list[_Mention]:
        out: list[_Mention] = []
        i, n = 0, len(text)
        while i < n:
            word = next((w for w in self.words if text.startswith(w, i)), None)
            if word is not None:
                i += len(word)
                continue
            if text[i] in self.first_chars:
                for length in self.lengths:
                    surface = text[i : i + length]
                    if len(surface) == length and surface in self.names:
                        out.append(_Mention(i, i + length, surface, self.names[surface]))
                        i += length
                        break
                else:
                    i += 1
            else:
                i += 1
        if any("a" <= ch <= "z" for ch in text):
            out += self._latin_mentions(text)
            out.sort(key=lambda m: m.start)
        return out

    def _latin_mentions(self, text: str) -> list[_Mention]:
        words = list(_LATIN_WORD.finditer(text))
        out: list[_Mention] = []
        i = 0
        while i < len(words):
            for j in range(min(len(words), i + 4), i, -1):
                gaps_ok = all(
                    _LATIN_GAP.fullmatch(text[words[k].end() : words[k + 1].start()])
                    for k in range(i, j - 1)
                )
                joined = "".join(w.group() for w in words[i:j])
                if gaps_ok and joined in self.pinyin:
                    start, end = words[i].start(), words[j - 1].end()
                    out.append(_Mention(start, end, text[start:end], self.pinyin[joined], True))
                    i = j
                    break
            else:
                i += 1
        return out

    def _resolve(self, mentions: list[_Mention], text: str, whole: bool) -> Found | None:
        every = {c for m in mentions for c, _ in m.candidates}
        resolved: list[tuple[int, int, str]] = []  # (level, start, code)
        unresolved: list[str] = []
        for k, m in enumerate(mentions):
            exact = any(self.places[c].name == m.surface for c, _ in m.candidates)
            if not m.latin and not exact and _STREET.match(text, m.end):
                continue  # 中山路, 南京东路: a street
            if m.surface.endswith("区") and text.startswith("域", m.end):
                continue  # 河北区域, 南海区域: a region, not the district
            others = every - {c for c, _ in m.candidates}
            # A guarded name needs its parent named right before it: 江门台山, 山西城区.
            before = mentions[k - 1] if k and m.start - mentions[k - 1].end <= 1 else None
            parents = {c for c, _ in before.candidates} if before else set()
            usable = [
                c
                for c, use in m.candidates
                if use == FREE
                or c in self.served
                or self.in_served_city(c)
                or whole
                or any(self.is_within(c, o) for o in parents)
            ]
            if not usable:
                continue
            code = self._choose(usable, others)
            if code is None:
                unresolved.append(m.surface)
            else:
                resolved.append((self.places[code].level, -m.start, code))
        if resolved:
            code = max(resolved)[2]
            return Found(code, self.places[code].name)
        if unresolved:
            return Found(None, unresolved[0])
        return None

    def _choose(self, codes: list[str], others: set[str]) -> str | None:
        """One place among those a name may mean: the one next to a named parent or child,
        else the highest level (吉林 is the province), else their common parent, else None."""
        codes = list(dict.fromkeys(codes))
        if len(codes) > 1:
            related = [
                c
                for c in codes
                if any(self.is_within(c, o) or self.is_within(o, c) for o in others)
            ]
            codes = related or codes
        if len(codes) > 1:
            top = min(self.places[c].level for c in codes)
            codes = [c for c in codes if self.places[c].level == top]
        if len(codes) == 1:
            return codes[0]
        shared = set(self.chain(codes[0])[1:])
        for c in codes[1:]:
            shared &= set(self.chain(c)[1:])
        if not shared:
            return None
        return max(shared, key=lambda c: self.places[c].level)

    def _named_unknown(self, text: str, whole: bool) -> Found | None:
        """A place the gazetteer does not know, named as one (我在XX市; a reply 「XX镇」)."""
        match = None
        if whole:
            match = _WHOLE.match(_NOT_TEXT.sub("", text))
        if match is None:
            match = _NAMED.search(text)
        if match is None:
            return None
        name = match.group("name")
        core = name[:-1]
        if core[0] in _GENERIC_START or core.endswith("城"):
            return None
        return Found(None, name)


@cache
def _shipped() -> tuple[
    tuple[tuple[str, str], ...], dict[str, str], tuple[str, ...], tuple[str, ...]
]:
    root = resources.files("knowledge")
    text = root.joinpath("data/places.csv").read_text("utf-8")
    rows = tuple((r["adcode"], r["name"]) for r in csv.DictReader(text.splitlines()))
    extra = yaml.safe_load(root.joinpath("places.yaml").read_text("utf-8")) or {}
    aliases = {str(k): str(v) for k, v in (extra.get("aliases") or {}).items()}
    needs_parent = tuple(str(n) for n in extra.get("needs_parent") or [])
    return rows, aliases, needs_parent, tuple(str(w) for w in extra.get("words") or [])


def load_gazetteer() -> Gazetteer:
    """A gazetteer of the shipped data (a new one each call: its owner sets ``served``)."""
    rows, aliases, needs_parent, words = _shipped()
    return Gazetteer(rows, aliases, needs_parent, words)
