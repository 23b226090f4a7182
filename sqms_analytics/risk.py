"""Risk scoring: likelihood × impact on a configurable matrix, and FMEA.

FMEA: the risk priority number RPN = S × O × D, and the action priority (AP) of
the AIAG & VDA FMEA Handbook (1st ed., 2019), whose table ranks severity first,
then occurrence, then detection, instead of multiplying them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from sqms_analytics.errors import InputError


@dataclass(frozen=True)
class RiskMatrix:
    """A likelihood × impact matrix: a score's level is the first band whose upper
    bound (inclusive) is at least the score; the last band takes the rest."""

    likelihood_levels: int = 5
    impact_levels: int = 5
    bands: tuple[tuple[str, int], ...] = field(
        default=(("low", 4), ("medium", 9), ("high", 16), ("critical", 25))
    )

    def __post_init__(self) -> None:
        if self.likelihood_levels < 2 or self.impact_levels < 2:
            raise InputError(
                "bad_parameter",
                name="levels",
                value=f"{self.likelihood_levels}x{self.impact_levels}",
            )
        bounds = [b for _, b in self.bands]
        if not bounds or bounds != sorted(bounds) or len(set(bounds)) != len(bounds):
            raise InputError("bad_parameter", name="bands", value=str(self.bands))

    def level(self, score: int) -> str:
        for name, upper in self.bands:
            if score <= upper:
                return name
        return self.bands[-1][0]


DEFAULT_MATRIX = RiskMatrix()


@dataclass(frozen=True)
class RiskScore:
    likelihood: int
    impact: int
    score: int
    level: str


def _rating(value: int, name: str, high: int) -> int:
    if isinstance(value, bool) or int(value) != value or not 1 <= value <= high:
        raise InputError("out_of_range", field=name, value=str(value), low=1, high=high)
    return int(value)


def risk_score(likelihood: int, impact: int, matrix: RiskMatrix = DEFAULT_MATRIX) -> RiskScore:
    lk = _rating(likelihood, "likelihood", matrix.likelihood_levels)
    im = _rating(impact, "impact", matrix.impact_levels)
    score = lk * im
    return RiskScore(lk, im, score, matrix.level(score))


class ActionPriority(StrEnum):
    HIGH = "H"
    MEDIUM = "M"
    LOW = "L"


# AIAG & VDA FMEA Handbook (2019), action priority table for DFMEA and PFMEA.
# Rows: (severity range, occurrence range) → AP for detection 7–10, 5–6, 2–4, 1.
_H, _M, _L = ActionPriority.HIGH, ActionPriority.MEDIUM, ActionPriority.LOW
_AP_TABLE: Sequence[tuple[range, range, tuple[ActionPriority, ...]]] = (
    (range(9, 11), range(8, 11), (_H, _H, _H, _H)),
    (range(9, 11), range(6, 8), (_H, _H, _H, _H)),
    (range(9, 11), range(4, 6), (_H, _H, _H, _M)),
    (range(9, 11), range(2, 4), (_H, _M, _L, _L)),
    (range(9, 11), range(1, 2), (_L, _L, _L, _L)),
    (range(7, 9), range(8, 11), (_H, _H, _H, _H)),
    (range(7, 9), range(6, 8), (_H, _H, _H, _M)),
    (range(7, 9), range(4, 6), (_H, _M, _M, _M)),
    (range(7, 9), range(2, 4), (_M, _M, _L, _L)),
    (range(7, 9), range(1, 2), (_L, _L, _L, _L)),
    (range(4, 7), range(8, 11), (_H, _H, _M, _M)),
    (range(4, 7), range(6, 8), (_M, _M, _M, _L)),
    (range(4, 7), range(4, 6), (_M, _L, _L, _L)),
    (range(4, 7), range(1, 4), (_L, _L, _L, _L)),
    (range(2, 4), range(8, 11), (_M, _M, _L, _L)),
    (range(2, 4), range(1, 8), (_L, _L, _L, _L)),
    (range(1, 2), range(1, 11), (_L, _L, _L, _L)),
)


def action_priority(severity: int, occurrence: int, detection: int) -> ActionPriority:
    s = _rating(severity, "severity", 10)
    o = _rating(occurrence, "occurrence", 10)
    d = _rating(detection, "detection", 10)
    column = 0 if d >= 7 else 1 if d >= 5 else 2 if d >= 2 else 3
    for sev, occ, row in _AP_TABLE:
        if s in sev and o in occ:
            return row[column]
    raise AssertionError("the AP table covers every rating")  # pragma: no cover


@dataclass(frozen=True)
class FmeaScore:
    severity: int
    occurrence: int
    detection: int
    rpn: int
    action_priority: ActionPriority


def fmea(severity: int, occurrence: int, detection: int) -> FmeaScore:
    """RPN and AIAG-VDA action priority of one failure mode (ratings 1–10)."""
    ap = action_priority(severity, occurrence, detection)
    s, o, d = int(severity), int(occurrence), int(detection)
    return FmeaScore(s, o, d, s * o * d, ap)


__all__ = [
    "DEFAULT_MATRIX",
    "ActionPriority",
    "FmeaScore",
    "RiskMatrix",
    "RiskScore",
    "action_priority",
    "fmea",
    "risk_score",
]
