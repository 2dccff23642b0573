"""Turning a query–entry match into a calibrated probability that the entry is the right one.

The features are cheap and explainable (string similarity, how much of the query's and the
question's term weight the two share, the first-stage rank); a logistic model over them is
fitted by ``python -m bot.calibrate`` on held-out questions and stored in
``knowledge/calibration.json``, so a score of 0.9 means about nine in ten such answers were right.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TypedDict


@dataclass(frozen=True)
class Features:
    ratio: float  # rapidfuzz ratio of the normalised query and question, 0..1
    words: float  # rapidfuzz token_set_ratio over words, 0..1
    coverage: float  # share of the query's term weight found in the question
    question_coverage: float  # share of the question's term weight found in the query
    relative: float  # first-stage score relative to the best entry's
    word_match: float  # 1 if at least one whole word (not just a bigram) matched
    short: float  # 1 if the query has four characters or fewer
    unknown: float  # share of the query's words the knowledge base never uses (交强险)

    def vector(self) -> list[float]:
        return [getattr(self, name) for name in NAMES]


NAMES = list(Features.__dataclass_fields__)
FIELDS = frozenset(NAMES)


class CalibrationData(TypedDict):
    """What ``knowledge/calibration.json`` holds."""

    bias: float
    weights: dict[str, float]


# Used until a fitted calibration exists: a hand-set, deliberately cautious blend.
DEFAULT: CalibrationData = {
    "bias": -6.0,
    "weights": {
        "ratio": 2.0,
        "words": 1.5,
        "coverage": 4.0,
        "question_coverage": 2.5,
        "relative": 1.0,
        "word_match": 1.0,
        "short": -2.0,
        "unknown": -3.0,
    },
}


@dataclass(frozen=True)
class Calibration:
    bias: float
    weights: dict[str, float]

    def probability(self, f: Features) -> float:
        z = self.bias + sum(w * getattr(f, n) for n, w in self.weights.items() if n in FIELDS)
        return 1.0 / (1.0 + math.exp(-z))


@cache
def load_calibration() -> Calibration:
    path = resources.files("knowledge").joinpath("calibration.json")
    data: CalibrationData = json.loads(path.read_text("utf-8")) if path.is_file() else DEFAULT
    return Calibration(float(data["bias"]), {k: float(v) for k, v in data["weights"].items()})
