"""Responses become measurements: CSAT, NPS, CES and SERVQUAL gap answers as the columnar values
evaluation sums into rollups, by service, site, team, channel and agent.

One answer is one measured item, attributed to its response's submission time. CSAT (1–5) and
CES (1–7) keep their score; an NPS answer (0–10) becomes +100 for a promoter (9–10), 0 for a
passive (7–8) and −100 for a detractor (0–6), so the mean of a period is its NPS. A SERVQUAL
item answered with both scores becomes its gap, perception − expectation (−6 … +6), so the mean
of a period is the gap of the dimension the metric names (or of all five); perception-only
answers have no gap and are left out.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from sqms.feedback.models import Answer, QuestionKind
from sqms.standards.measurements import Measurements
from sqms.standards.models import Metric, MetricSource

KINDS = {
    MetricSource.FEEDBACK_CSAT: QuestionKind.CSAT,
    MetricSource.FEEDBACK_NPS: QuestionKind.NPS,
    MetricSource.FEEDBACK_CES: QuestionKind.CES,
    MetricSource.FEEDBACK_SERVQUAL_GAP: QuestionKind.SERVQUAL,
}
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def nps_points(scores: np.ndarray) -> np.ndarray:
    """+100 promoter, 0 passive, −100 detractor for 0–10 scores."""
    return np.where(scores >= 9, 100.0, np.where(scores >= 7, 0.0, -100.0))


def _answers(metric: Metric, service_id: int) -> object:
    kind = KINDS.get(MetricSource(metric.source))
    qs = Answer.objects.filter(
        question__kind=kind, value__isnull=False, response__service_id=service_id
    )
    if metric.source == MetricSource.FEEDBACK_SERVQUAL_GAP:
        qs = qs.filter(expectation__isnull=False)
        if metric.value_field:
            qs = qs.filter(question__servqual_dimension=metric.value_field)
    return qs


def feedback_measurements(
    *,
    metric: Metric,
    service_id: int,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
) -> Measurements:
    """One value per answer of the metric's question kind to a response about the service,
    submitted in [start, end)."""
    if metric.source not in KINDS:
        return Measurements.empty()
    qs = _answers(metric, service_id)
    if start is not None:
        qs = qs.filter(response__submitted_at__gte=start)  # type: ignore[attr-defined]
    if end is not None:
        qs = qs.filter(response__submitted_at__lt=end)  # type: ignore[attr-defined]
    rows = list(
        qs.values_list(  # type: ignore[attr-defined]
            "response__submitted_at",
            "response__site_id",
            "response__team_id",
            "response__channel",
            "response__agent_id",
            "value",
            "expectation",
        )
    )
    if not rows:
        return Measurements.empty()
    at, site, team, channel, agent, value, expectation = zip(*rows, strict=True)
    micros = [(a - EPOCH) // dt.timedelta(microseconds=1) for a in at]
    scores = np.array(value, dtype=np.float64)
    if metric.source == MetricSource.FEEDBACK_NPS:
        scores = nps_points(scores)
    elif metric.source == MetricSource.FEEDBACK_SERVQUAL_GAP:
        scores = scores - np.array(expectation, dtype=np.float64)
    return Measurements(
        at=np.array(micros, dtype=np.int64).astype("datetime64[us]"),
        site=np.array([s or 0 for s in site], dtype=np.int64),
        team=np.array([t or 0 for t in team], dtype=np.int64),
        channel=np.array([c or "" for c in channel], dtype=np.str_),
        agent=np.array([a or 0 for a in agent], dtype=np.int64),
        value=scores,
    )


def feedback_changed_since(
    *, metric: Metric, service_id: int, since: dt.datetime
) -> list[dt.datetime]:
    """The submission times of answers submitted since `since` (what the periodic evaluation
    must re-examine)."""
    if metric.source not in KINDS:
        return []
    qs = _answers(metric, service_id).filter(response__submitted_at__gte=since)  # type: ignore[attr-defined]
    return list(qs.values_list("response__submitted_at", flat=True).distinct())
