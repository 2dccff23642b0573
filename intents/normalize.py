"""One normalisation pipeline for everything citizens type or say.

Order matters: width folding first (so later rules see one form), English social-insurance
terms → Chinese (``intents/data/english.yaml``: 我想apply失业金, pension多少钱), Cantonese
colloquial forms → Mandarin (before traditional → simplified, so 係 is still 係 and 关系 is never
touched), traditional → simplified, voice-recognition fillers out, pinyin-input typos on
domain words corrected, then punctuation, emoji and whitespace removed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container, Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import TypedDict

import opencc
import yaml
from pypinyin import lazy_pinyin

# Characters that only occur in written Cantonese: single-character Cantonese rules (唔 → 不,
# 係 → 是) are applied only when one of these is present, so Mandarin text is never touched.
_CANTONESE_MARKERS = set("唔咩冇喺嘅咗啲佢乜嘢攞搵揾哋畀冚嚟嗰噉咁睇嘢咪")
_PUNCT = re.compile(r"[^\w]+", re.UNICODE)
_HAN = re.compile(r"[\u4e00-\u9fff]")
_LATIN_WORD = re.compile(r"(?<![A-Za-z'])[A-Za-z]+(?:'[A-Za-z]+)?(?![A-Za-z'])")
_PHRASE_GAP = re.compile(r"[\s\-]+")
_FUZZY_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"))
_FUZZY_FINALS = (("ing", "in"), ("eng", "en"), ("ang", "an"))


class _Colloquial(TypedDict, total=False):
    """The sections of ``data/colloquial.yaml``."""

    cantonese: dict[str, str]
    fillers: list[str]
    typos: dict[str, str]


@cache
def _data() -> _Colloquial:
    text = resources.files("intents").joinpath("data/colloquial.yaml").read_text("utf-8")
    return yaml.safe_load(text) or {}


@cache
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@cache
def _cantonese_rules() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(multi-character rules in written and simplified form, single-character rules)."""
    raw = dict(_data().get("cantonese") or {})
    pairs = [(str(src), str(dst)) for src, dst in raw.items()]
    multi = {p for p in pairs if len(p[0]) > 1}
    multi |= {(_converter().convert(src), dst) for src, dst in multi}
    return (
        sorted(multi, key=lambda p: -len(p[0])),
        sorted((p for p in pairs if len(p[0]) == 1), key=lambda p: p[0]),
    )


@cache
def _english() -> tuple[re.Pattern[str], dict[str, str], frozenset[str]]:
    """(one pattern for every English term, term → Chinese, function words to drop)."""
    text = resources.files("intents").joinpath("data/english.yaml").read_text("utf-8")
    data = yaml.safe_load(text) or {}
    terms = {_PHRASE_GAP.sub(" ", str(k).lower()): str(v) for k, v in data["terms"].items()}
    parts = []
    for term in sorted(terms, key=len, reverse=True):
        part = r"[\s\-]+".join(re.escape(w) for w in term.split(" "))
        parts.append(part + (r"(?:e?s)?" if len(term) >= 4 else ""))  # no "his" for "hi"
    pattern = re.compile(r"(?<![A-Za-z])(?:" + "|".join(parts) + r")(?![A-Za-z])", re.IGNORECASE)
    drop = frozenset(str(w).lower() for w in data.get("drop") or [])
    return pattern, terms, drop


def _english_term(match: re.Match[str], terms: dict[str, str]) -> str:
    key = _PHRASE_GAP.sub(" ", match.group(0).lower())
    for candidate in (key, key[:-1], key[:-2]):
        if candidate in terms:
            return terms[candidate]
    return match.group(0)


def english_to_chinese(text: str) -> str:
    """English social-insurance terms → Chinese; in an all-English message, once a term was
    recognised, English function words go too (so the rest reads as a Chinese question)."""
    if not re.search("[A-Za-z]", text):
        return text
    pattern, terms, drop = _english()
    text = text.replace("\u2019", "'")
    mapped, count = pattern.subn(lambda m: _english_term(m, terms), text)
    if count and not _HAN.search(text):
        mapped = _LATIN_WORD.sub(lambda m: "" if m.group(0).lower() in drop else m.group(0), mapped)
    return mapped


@cache
def _fillers() -> re.Pattern[str]:
    words = sorted((str(w) for w in (_data().get("fillers") or [])), key=len, reverse=True)
    return re.compile("|".join(re.escape(w) for w in words) or "(?!)")


@cache
def _typos() -> list[tuple[str, str]]:
    raw = dict(_data().get("typos") or {})
    return sorted(((str(k), str(v)) for k, v in raw.items()), key=lambda p: -len(p[0]))


def fold_width(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def to_simplified(text: str) -> str:
    simplified: str = _converter().convert(text)  # OpenCC.convert has no return annotation
    return simplified


def looks_cantonese(text: str) -> bool:
    return any(ch in _CANTONESE_MARKERS for ch in text)


def cantonese_to_mandarin(text: str, cantonese: bool | None = None) -> str:
    """Cantonese forms → Mandarin; single characters only when the text is Cantonese."""
    multi, single = _cantonese_rules()
    for src, dst in multi:
        if src in text:
            text = text.replace(src, dst)
    if looks_cantonese(text) if cantonese is None else cantonese:
        for src, dst in single:
            text = text.replace(src, dst)
    return text


def strip_fillers(text: str) -> str:
    return _fillers().sub("", text)


def strip_punctuation(text: str) -> str:
    """Punctuation, emoji, symbols and whitespace out; letters, digits and Han stay."""
    return _PUNCT.sub("", text).replace("_", "").lower()


@lru_cache(maxsize=8192)
def _syllable(ch: str) -> str:
    if not ("\u4e00" <= ch <= "\u9fff"):
        return ch
    return _fuzz_syllable(lazy_pinyin(ch)[0])


def _fuzz_syllable(s: str) -> str:
    for long, short in _FUZZY_INITIALS:
        if s.startswith(long):
            s = short + s[len(long) :]
            break
    for long, short in _FUZZY_FINALS:
        if s.endswith(long):
            s = s[: -len(long)] + short
            break
    return s.replace("l", "n", 1) if s.startswith("l") else s


@dataclass(frozen=True)
class TypoCorrector:
    """Corrects pinyin-input errors on domain words: 社宝卡 → 社保卡, 养老精 → 养老金.

    A window of the text whose (fuzzy) pinyin equals a domain word's, shares at least one
    character with it, and is not itself a known word is replaced by the domain word.
    """

    by_sound: dict[tuple[str, ...], str]
    known_words: Container[str]
    lengths: tuple[int, ...]

    @classmethod
    def build(cls, vocabulary: Iterable[str], known_words: Container[str]) -> TypoCorrector:
        by_sound: dict[tuple[str, ...], str] = {}
        for word in vocabulary:
            if 2 <= len(word) <= 6 and all("\u4e00" <= c <= "\u9fff" for c in word):
                by_sound.setdefault(tuple(_syllable(c) for c in word), word)
        lengths = tuple(sorted({len(k) for k in by_sound}, reverse=True))
        return cls(by_sound, known_words, lengths)

    def correct(self, text: str) -> str:
        for wrong, right in _typos():
            text = text.replace(wrong, right)
        sounds = [_syllable(c) for c in text]
        out: list[str] = []
        i = 0
        while i < len(text):
            for n in self.lengths:
                if i + n > len(text):
                    continue
                window = text[i : i + n]
                word = self.by_sound.get(tuple(sounds[i : i + n]))
                if (
                    word
                    and word != window
                    and window not in self.known_words
                    and any(a == b for a, b in zip(window, word, strict=True))
                ):
                    out.append(word)
                    i += n
                    break
            else:
                out.append(text[i])
                i += 1
        return "".join(out)


class Normalizer:
    """The whole pipeline; build once (it loads the vocabulary), call for every message."""

    def __init__(self, corrector: TypoCorrector | None = None) -> None:
        self.corrector = corrector

    def readable(self, text: str) -> str:
        """Normalised but with punctuation kept: for splitting and for showing to staff."""
        text = english_to_chinese(fold_width(text))
        cantonese = looks_cantonese(text)
        text = cantonese_to_mandarin(text, cantonese)
        text = to_simplified(text)
        text = cantonese_to_mandarin(text, False)  # forms typed in simplified characters
        text = strip_fillers(text)
        if self.corrector is not None:
            text = self.corrector.correct(text)
        return re.sub(r"\s+", " ", text).strip()

    def __call__(self, text: str) -> str:
        return self._cached(text)

    @lru_cache(maxsize=200_000)  # noqa: B019  (one Normalizer per process; bounded)
    def _cached(self, text: str) -> str:
        return strip_punctuation(self.readable(text))
