"""Reads of the feedback app: lists, and the survey analysis computed by `sqms_analytics`."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import get_language

from sqms.feedback.access import distributions_visible_to, responses_visible_to
from sqms.feedback.models import (
    Answer,
    Distribution,
    DistributionKind,
    Question,
    QuestionKind,
    Response,
    ServqualDimension,
    Survey,
)
from sqms_analytics import AnalyticsError, ces, cronbach_alpha, csat, nps, servqual

ALPHA_WARNING = 0.7


def survey_list(*, q: str = "", status: str = "") -> QuerySet[Survey]:
    qs = Survey.objects.select_related("service").annotate(
        n_questions=Count("questions", distinct=True)
    )
    if q:
        qs = qs.filter(Q(code__icontains=q) | Q(title_ko__icontains=q) | Q(title_en__icontains=q))
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("code", "-version")


def survey_response_counts(*, user: Any, survey_ids: Sequence[int]) -> dict[int, int]:
    rows = (
        responses_visible_to(user)
        .filter(survey_id__in=survey_ids)
        .values("survey_id")
        .annotate(n=Count("pk"))
    )
    return {r["survey_id"]: r["n"] for r in rows}


def survey_questions(*, survey: Survey) -> list[Question]:
    return list(survey.questions.select_related("show_if").order_by("order", "pk"))


def survey_versions(*, survey: Survey) -> list[Survey]:
    return list(Survey.objects.filter(code=survey.code).order_by("-version"))


def survey_distributions(*, user: Any, survey: Survey) -> QuerySet[Distribution]:
    return (
        distributions_visible_to(user)
        .filter(survey=survey)
        .select_related("service", "site", "team", "agent")
        .annotate(n_responses=Count("responses"))
        .order_by("-created_at", "-pk")
    )


def survey_responses(*, user: Any, survey: Survey) -> QuerySet[Response]:
    return (
        responses_visible_to(user)
        .filter(survey=survey)
        .select_related("service", "site", "agent", "distribution")
        .order_by("-submitted_at", "-pk")
    )


def response_answers(*, response: Response) -> list[Answer]:
    return list(
        response.answers.select_related("question").order_by("question__order", "question__pk")
    )


# --- analysis ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    label: str
    n: int
    value: float
    low: float
    high: float
    mean: float | None = None


@dataclass(frozen=True)
class GroupRow:
    label: str
    nps: Point | None
    csat: Point | None
    ces: Point | None


@dataclass(frozen=True)
class ServqualItemRow:
    item: int
    dimension: str
    text: str
    expectation: float | None
    perception: float
    gap: float | None


@dataclass(frozen=True)
class DimensionRow:
    dimension: str
    label: str
    gap: float | None
    perception: float
    alpha: float | None
    alpha_n: int
    low_alpha: bool


@dataclass(frozen=True)
class RateRow:
    label: str
    kind: str
    sent: int | None
    responses: int
    rate: float | None


@dataclass
class Analysis:
    n_responses: int
    overall: dict[str, Point] = field(default_factory=dict)
    trend: dict[str, list[Point]] = field(default_factory=dict)
    by_service: list[GroupRow] = field(default_factory=list)
    by_site: list[GroupRow] = field(default_factory=list)
    by_agent: list[GroupRow] = field(default_factory=list)
    servqual_items: list[ServqualItemRow] = field(default_factory=list)
    servqual_dimensions: list[DimensionRow] = field(default_factory=list)
    servqual_weighted: float | None = None
    rates: list[RateRow] = field(default_factory=list)


def _nps_point(label: str, scores: Sequence[float]) -> Point | None:
    if not scores:
        return None
    r = nps(scores)
    return Point(label, r.n, r.nps, r.ci[0], r.ci[1])


def _scale_point(fn: Callable[..., Any], label: str, scores: Sequence[float]) -> Point | None:
    if not scores:
        return None
    r = fn(scores)
    return Point(label, r.n, 100 * r.share, 100 * r.share_ci[0], 100 * r.share_ci[1], r.mean)


METRICS: dict[str, Callable[[str, Sequence[float]], Point | None]] = {
    QuestionKind.NPS: _nps_point,
    QuestionKind.CSAT: lambda label, s: _scale_point(csat, label, s),
    QuestionKind.CES: lambda label, s: _scale_point(ces, label, s),
}


def _headline(questions: Sequence[Question], kind: str) -> Question | None:
    return next((q for q in questions if q.kind == kind), None)


def survey_analysis(*, user: Any, survey: Survey) -> Analysis:
    responses = responses_visible_to(user).filter(survey=survey)
    questions = survey_questions(survey=survey)
    rows: list[tuple[Any, ...]] = list(
        Answer.objects.filter(response__in=responses, value__isnull=False)
        .values_list(
            "question_id",
            "value",
            "expectation",
            "response_id",
            "response__submitted_at",
            "response__service__name",
            "response__site__name",
            "response__agent__name",
        )
        .order_by("response__submitted_at", "response_id")
    )
    result = Analysis(n_responses=responses.count())
    tz = timezone.get_current_timezone()
    for kind, compute in METRICS.items():
        q = _headline(questions, kind)
        if q is None:
            continue
        mine = [r for r in rows if r[0] == q.pk]
        overall = compute("", [float(r[1]) for r in mine])
        if overall is None:
            continue
        result.overall[kind] = overall
        months: dict[str, list[float]] = defaultdict(list)
        for r in mine:
            months[r[4].astimezone(tz).strftime("%Y-%m")].append(float(r[1]))
        result.trend[kind] = [p for m in sorted(months) if (p := compute(m, months[m]))]
    result.by_service = _groups(questions, rows, 5)
    result.by_site = _groups(questions, rows, 6)
    result.by_agent = _groups(questions, rows, 7)
    _servqual(result, questions, rows)
    result.rates = _rates(user, survey)
    return result


def _groups(
    questions: Sequence[Question], rows: Sequence[tuple[Any, ...]], col: int
) -> list[GroupRow]:
    heads = {kind: _headline(questions, kind) for kind in METRICS}
    values: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        if r[col] is None:
            continue
        for kind, q in heads.items():
            if q is not None and r[0] == q.pk:
                values[r[col]][kind].append(float(r[1]))
    out = []
    for label in sorted(values):
        got = {kind: METRICS[kind](label, values[label][kind]) for kind in METRICS}
        out.append(
            GroupRow(label, got[QuestionKind.NPS], got[QuestionKind.CSAT], got[QuestionKind.CES])
        )
    return out


def _servqual(
    result: Analysis, questions: Sequence[Question], rows: Sequence[tuple[Any, ...]]
) -> None:
    items = [q for q in questions if q.kind == QuestionKind.SERVQUAL]
    if not items:
        return
    col = {q.pk: i for i, q in enumerate(items)}
    respondents = sorted({r[3] for r in rows if r[0] in col})
    if not respondents:
        return
    row_of = {pk: i for i, pk in enumerate(respondents)}
    p = np.full((len(respondents), len(items)), np.nan)
    e = np.full_like(p, np.nan)
    for r in rows:
        if r[0] in col:
            p[row_of[r[3]], col[r[0]]] = r[1]
            if r[2] is not None:
                e[row_of[r[3]], col[r[0]]] = r[2]
    dims: dict[str, list[int]] = defaultdict(list)
    for i, q in enumerate(items):
        dims[q.servqual_dimension or "other"].append(i)
    labels = dict(ServqualDimension.choices)
    has_pairs = bool((~np.isnan(e)).any(axis=0).all())
    gaps = None
    if has_pairs:
        try:
            gaps = servqual(e, p, dimensions={d: tuple(c) for d, c in dims.items()})
        except AnalyticsError:
            gaps = None
    with np.errstate(all="ignore"):
        p_mean = np.nanmean(p, axis=0)
    for i, q in enumerate(items):
        result.servqual_items.append(
            ServqualItemRow(
                q.servqual_item or i + 1,
                str(labels.get(q.servqual_dimension, q.servqual_dimension)),
                q.text_for(get_language() or "ko"),
                float(gaps.item_expectation[i]) if gaps is not None else None,
                float(p_mean[i]),
                float(gaps.item_gap[i]) if gaps is not None else None,
            )
        )
    for j, (dim, cols) in enumerate(dims.items()):
        alpha: float | None = None
        alpha_n = 0
        if len(cols) >= 2:
            try:
                a = cronbach_alpha(p[:, cols])
                alpha, alpha_n = (a.alpha if math.isfinite(a.alpha) else None), a.n
            except AnalyticsError:
                alpha = None
        with np.errstate(all="ignore"):
            perception = float(np.nanmean(p[:, cols]))
        result.servqual_dimensions.append(
            DimensionRow(
                dim,
                str(labels.get(dim, dim)),
                float(gaps.dimension_gap[j]) if gaps is not None else None,
                perception,
                alpha,
                alpha_n,
                alpha is not None and alpha < ALPHA_WARNING,
            )
        )
    result.servqual_weighted = gaps.weighted if gaps is not None else None


def _rates(user: Any, survey: Survey) -> list[RateRow]:
    dists = survey_distributions(user=user, survey=survey)
    out: list[RateRow] = []
    sent = answered = 0
    for d in dists:
        if d.kind == DistributionKind.SINGLE_USE:
            sent += 1
            answered += 1 if d.n_responses else 0  # type: ignore[attr-defined]
        else:
            out.append(RateRow(str(d), d.get_kind_display(), None, d.n_responses, None))  # type: ignore[attr-defined]
    if sent:
        out.append(
            RateRow(
                str(DistributionKind.SINGLE_USE.label),
                str(DistributionKind.SINGLE_USE.label),
                sent,
                answered,
                answered / sent,
            )
        )
    return out


def analysis_figures(analysis: Analysis, titles: dict[str, str]) -> list[dict[str, Any]]:
    """Plotly figures (as JSON-ready dicts) for the trend charts and the SERVQUAL gaps."""
    import plotly.graph_objects as go

    figures: list[dict[str, Any]] = []
    for kind, points in analysis.trend.items():
        if not points:
            continue
        fig = go.Figure(
            go.Scatter(
                x=[p.label for p in points],
                y=[round(p.value, 2) for p in points],
                mode="lines+markers",
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": [round(p.high - p.value, 2) for p in points],
                    "arrayminus": [round(p.value - p.low, 2) for p in points],
                },
                customdata=[p.n for p in points],
                hovertemplate="%{x}: %{y} (n=%{customdata})<extra></extra>",
            )
        )
        fig.update_layout(title=titles.get(kind, kind), height=320, margin={"t": 40, "b": 40})
        fig.update_xaxes(type="category")
        figures.append(
            {
                "id": f"chart-{kind}",
                "data_id": f"chart-{kind}-data",
                "figure": json.loads(fig.to_json()),
            }
        )
    if analysis.servqual_dimensions and any(
        d.gap is not None for d in analysis.servqual_dimensions
    ):
        fig = go.Figure(
            go.Bar(
                x=[d.label for d in analysis.servqual_dimensions],
                y=[round(d.gap or 0.0, 3) for d in analysis.servqual_dimensions],
            )
        )
        fig.update_layout(title=titles.get("servqual", ""), height=320, margin={"t": 40, "b": 40})
        figures.append(
            {
                "id": "chart-servqual",
                "data_id": "chart-servqual-data",
                "figure": json.loads(fig.to_json()),
            }
        )
    return figures
