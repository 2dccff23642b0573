"""The engine's input and output: what every channel hands in and gets back."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Message:
    channel: str  # "wechat", "miniprogram", "cli"
    user: str  # the channel's user id (openid), or a CLI --user
    text: str
    region: str | None = None
    role: str = "citizen"  # "citizen" or "volunteer"
    max_bytes: int | None = None  # the channel's reply limit in UTF-8 bytes, if any


@dataclass
class Candidate:
    faq_id: str
    question: str
    score: float


@dataclass
class Reply:
    text: str
    intent: str
    confidence: float
    outcome: str = "answered"  # answered | clarified | abstained | handed_off | form | error
    faq_id: str | None = None
    region: str | None = None
    sources: list[str] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)
    # How a policy answer was decided (bot/policy.py: answer, grey-agreed, tie, abstain …).
    decision: str | None = None
    # The exchange record of this reply (set when the turn is recorded): what feedback names.
    exchange_id: int | None = None
    # A grounded answer (bot/grounded.py): the quoted passage, "document-id#position".
    passage: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The ``shebao ask --json`` object of DESIGN.md."""
        return {
            "intent": self.intent,
            "confidence": round(self.confidence, 4),
            "answer": self.text,
            "faq_id": self.faq_id,
            "region": self.region,
            "sources": list(self.sources),
            "candidates": [asdict(c) | {"score": round(c.score, 4)} for c in self.candidates],
            "outcome": self.outcome,
            "decision": self.decision,
            "passage": self.passage,
        }
