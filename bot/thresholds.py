"""The calibrated probabilities (knowledge/scoring.py) at which the FAQ decision acts, shared by
the decision (bot/policy.py) and the intent arbitration (bot/arbitration.py), which must agree
on when a match is sure."""

from __future__ import annotations

ANSWER_AT = 0.55  # a leader this probable is answered without a second opinion
GREY_AT = 0.35  # from here up to ANSWER_AT the second opinion decides
CLARIFY_AT = 0.20
TIE = 0.05  # a runner-up this close to the leader is as likely: a true tie
