"""The intent classifier: logistic regression over character n-grams of normalised text.

Chosen because it can be explained: each intent's score is a sum of weights of the n-grams
in the message, and ``explain`` lists the n-grams that pushed the decision. Trained at start-up
from ``intents/data/utterances.yaml`` (under a second), so the data is the model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
import yaml
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from intents.taxonomy import INTENTS


@dataclass(frozen=True)
class Prediction:
    intent: str
    confidence: float
    scores: dict[str, float]


@cache
def training_utterances() -> dict[str, list[str]]:
    text = resources.files("intents").joinpath("data/utterances.yaml").read_text("utf-8")
    data = yaml.safe_load(text) or {}
    unknown = set(data) - set(INTENTS)
    if unknown:
        raise ValueError(f"utterances.yaml has intents outside the taxonomy: {sorted(unknown)}")
    return {k: [str(u) for u in v] for k, v in data.items()}


class IntentClassifier:
    def __init__(
        self, normalize: Callable[[str], str], utterances: dict[str, list[str]] | None = None
    ) -> None:
        self.normalize = normalize
        data = utterances if utterances is not None else training_utterances()
        texts: list[str] = []
        labels: list[str] = []
        for intent, examples in data.items():
            for example in examples:
                norm = normalize(example)
                if norm:
                    texts.append(norm)
                    labels.append(intent)
        self.vectorizer = TfidfVectorizer(
            analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=1
        )
        features = self.vectorizer.fit_transform(texts)
        self.model = LogisticRegression(C=8.0, max_iter=2000, class_weight="balanced")
        self.model.fit(features, labels)
        self.labels: list[str] = list(self.model.classes_)
        self.feature_names = self.vectorizer.get_feature_names_out()

    def predict(self, text: str, normalized: str | None = None) -> Prediction:
        norm = normalized if normalized is not None else self.normalize(text)
        probs = self.model.predict_proba(self.vectorizer.transform([norm]))[0]
        best = int(np.argmax(probs))
        return Prediction(
            self.labels[best],
            float(probs[best]),
            {label: float(p) for label, p in zip(self.labels, probs, strict=True)},
        )

    def explain(self, text: str, intent: str, top: int = 6) -> list[tuple[str, float]]:
        """The n-grams of ``text`` that weigh most for ``intent``."""
        vec = self.vectorizer.transform([self.normalize(text)])
        row = self.model.coef_[self.labels.index(intent)]
        contrib = [
            (str(self.feature_names[j]), float(vec[0, j] * row[j])) for j in vec.nonzero()[1]
        ]
        return sorted(contrib, key=lambda p: -p[1])[:top]
