"""The domain vocabulary that lives with the content: jieba user dictionary and synonyms."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

import jieba
import yaml

jieba.setLogLevel(logging.WARNING)


@dataclass
class Vocabulary:
    tokenizer: jieba.Tokenizer
    canonical: dict[str, str]  # every synonym → the first word of its group
    domain_words: list[str]

    def tokens(self, text: str) -> list[str]:
        """Words of ``text``, each synonym replaced by its canonical form."""
        return [self.canonical.get(w, w) for w in self.tokenizer.lcut(text, HMM=False)]

    def add_words(self, words: Iterable[str]) -> None:
        for w in words:
            if len(w) >= 2:
                self.tokenizer.add_word(w, 2000)


def _read(name: str) -> str:
    return resources.files("knowledge").joinpath(f"vocabulary/{name}").read_text("utf-8")


@cache
def load_vocabulary() -> Vocabulary:
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    words: list[str] = []
    for line in _read("userdict.txt").splitlines():
        parts = line.split()
        if parts and not parts[0].startswith("#"):
            freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 2000
            tokenizer.add_word(parts[0], freq)
            words.append(parts[0])
    canonical: dict[str, str] = {}
    for group in yaml.safe_load(_read("synonyms.yaml")) or []:
        group = [str(w) for w in group]
        for w in group:
            canonical.setdefault(w, group[0])
            if not tokenizer.FREQ.get(w):  # keep jieba's own frequency for common words
                tokenizer.add_word(w, 2000)
        words.extend(group)
    return Vocabulary(tokenizer, canonical, sorted(set(words)))
