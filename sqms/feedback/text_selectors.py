"""Reads of text analytics: filtered annotations, keyword rankings, theme and sentiment trends,
the model status, and the Plotly figures of the text analytics page.

Only the annotation rows are read (keywords, themes, sentiment); contact details of responses
and complaints never appear here.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from sqms.feedback.models import (
    Sentiment,
    Survey,
    TextAnnotation,
    TextModel,
    TextSource,
    Theme,
)
from sqms.org.access import scoped_site_ids
from sqms.org.models import Service, Site
from sqms_analytics import text as ta

REFERENCE_LIMIT = 20_000  # the comments outside the filter that keywords are compared against
UNASSIGNED = ta.UNASSIGNED


def annotations_visible_to(user: Any) -> QuerySet[TextAnnotation]:
    """Like responses and complaints: a user limited to some sites sees only those."""
    ids = scoped_site_ids(user)
    qs = TextAnnotation.objects.all()
    return qs if ids is None else qs.filter(site_id__in=ids)


@dataclass(frozen=True)
class TextFilters:
    survey: Survey | None = None
    service: Service | None = None
    site: Site | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    sentiment: str = ""
    theme: Theme | None = None
    unassigned: bool = False
    source: str = ""

    @property
    def narrows(self) -> bool:
        return any(
            (
                self.survey,
                self.service,
                self.site,
                self.start,
                self.end,
                self.sentiment,
                self.theme,
                self.unassigned,
                self.source,
            )
        )


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def filter_q(f: TextFilters) -> Q:
    q = Q()
    if f.survey is not None:
        q &= Q(survey=f.survey)
    if f.service is not None:
        q &= Q(service=f.service)
    if f.site is not None:
        q &= Q(site=f.site)
    if f.start is not None:
        q &= Q(written_at__gte=_day_start(f.start))
    if f.end is not None:
        q &= Q(written_at__lt=_day_start(f.end + dt.timedelta(days=1)))
    if f.sentiment:
        q &= Q(sentiment=f.sentiment)
    if f.theme is not None:
        q &= Q(themes=f.theme)
    if f.unassigned:
        q &= Q(themes__isnull=True)
    if f.source:
        q &= Q(source=f.source)
    return q


def text_annotations(*, user: Any, filters: TextFilters) -> QuerySet[TextAnnotation]:
    """The filtered comments, newest first, with their text (answer or complaint) and themes."""
    return (
        annotations_visible_to(user)
        .filter(filter_q(filters))
        .select_related("answer", "complaint", "survey", "service", "site")
        .only(
            "pk",
            "source",
            "written_at",
            "language",
            "keywords",
            "sentiment",
            "method",
            "confidence",
            "score_label",
            "corrected_sentiment",
            "themes_corrected",
            "model_version",
            "answer__id",
            "answer__text",
            "answer__response",
            "complaint__id",
            "complaint__reference",
            "complaint__subject",
            "complaint__description",
            "survey__id",
            "survey__code",
            "survey__version",
            "service__id",
            "service__name",
            "site__id",
            "site__name",
        )
        .prefetch_related(Prefetch("themes", queryset=Theme.objects.order_by("name_ko")))
        .distinct()
        .order_by("-written_at", "-pk")
    )


def annotation_text(ann: TextAnnotation) -> str:
    if ann.source == TextSource.COMPLAINT and ann.complaint is not None:
        return f"{ann.complaint.subject}\n{ann.complaint.description}".strip()
    return ann.answer.text if ann.answer is not None else ""


@dataclass
class TextDashboard:
    n: int
    sentiment_counts: dict[str, int] = field(default_factory=dict)
    keywords_ko: list[ta.RankedKeyword] = field(default_factory=list)
    keywords_en: list[ta.RankedKeyword] = field(default_factory=list)
    compared: bool = False
    theme_trend: ta.Trend | None = None
    sentiment_trend: ta.Trend | None = None
    theme_rows: list[tuple[str, int, float]] = field(default_factory=list)
    suggestions: list[ta.ThemeSuggestion] = field(default_factory=list)
    model: TextModel | None = None
    methods: dict[str, int] = field(default_factory=dict)


def _month(value: dt.datetime, tz: Any) -> str:
    return value.astimezone(tz).strftime("%Y-%m")


def text_dashboard(*, user: Any, filters: TextFilters, language: str = "ko") -> TextDashboard:
    """Keyword rankings (Korean and English, against the other visible comments when a filter
    narrows the set), theme and sentiment trends by month, theme suggestions, model status."""
    visible = annotations_visible_to(user)
    chosen = visible.filter(filter_q(filters)).distinct()
    rows = list(chosen.values_list("pk", "keywords", "sentiment", "written_at", "method"))
    ids = [r[0] for r in rows]
    theme_of: dict[int, list[str]] = {}
    through = TextAnnotation.themes.through
    for ann_id, theme_id in through.objects.filter(textannotation_id__in=ids).values_list(
        "textannotation_id", "theme_id"
    ):
        theme_of.setdefault(ann_id, []).append(str(theme_id))
    out = TextDashboard(n=len(rows), model=TextModel.objects.order_by("-version").first())
    for r in rows:
        out.sentiment_counts[r[2]] = out.sentiment_counts.get(r[2], 0) + 1
        out.methods[r[4]] = out.methods.get(r[4], 0) + 1
    if not rows:
        return out
    target = [tuple(r[1]) for r in rows]
    reference: list[tuple[str, ...]] | None = None
    if filters.narrows:
        ref_rows = (
            visible.exclude(pk__in=chosen.values("pk"))
            .order_by("-written_at")
            .values_list("keywords", flat=True)[:REFERENCE_LIMIT]
        )
        reference = [tuple(k) for k in ref_rows] or None
    out.compared = reference is not None
    min_count = 2 if len(rows) >= 20 else 1
    ranked = ta.rank_keywords(target, reference, top=200, min_count=min_count)
    out.keywords_ko = [k for k in ranked if k.language == "ko"][:20]
    out.keywords_en = [k for k in ranked if k.language == "en"][:20]
    tz = timezone.get_current_timezone()
    months = [_month(r[3], tz) for r in rows]
    themes = {str(t.pk): t for t in Theme.objects.all()}
    labels = [tuple(theme_of.get(r[0], ())) for r in rows]
    out.theme_trend = ta.label_trends(months, labels)
    out.sentiment_trend = ta.label_trends(
        months, [(r[2],) for r in rows], order=[s.value for s in Sentiment]
    )
    totals = out.theme_trend.counts.sum(axis=0)
    for j, key in enumerate(out.theme_trend.labels):
        name = themes[key].name_for(language) if key in themes else key
        out.theme_rows.append((name, int(totals[j]), float(totals[j]) / len(rows)))
    out.suggestions = ta.suggest_themes(
        target,
        labels,
        [ta.Theme(k, tuple(t.keywords or ())) for k, t in themes.items() if t.active],
        min_count=3 if len(rows) >= 30 else 2,
    )
    return out


def theme_list_with_counts(*, user: Any) -> list[Theme]:
    visible = annotations_visible_to(user).values("pk")
    return list(
        Theme.objects.annotate(
            n_texts=Count("annotations", filter=Q(annotations__in=visible), distinct=True)
        ).order_by("-active", "name_ko")
    )


@dataclass(frozen=True)
class ThemeEvidence:
    """A theme named on a customer need, and the comments text analytics put in it."""

    name: str
    theme: Theme | None
    comments: int


def theme_evidence(*, user: Any, names: list[str]) -> list[ThemeEvidence]:
    """Each name matched to a text-analytics theme (Korean or English name, any case), with the
    number of comments in it the user may see; an unmatched name has no theme and no count."""
    by_name: dict[str, Theme] = {}
    for theme in Theme.objects.all():
        for name in (theme.name_ko, theme.name_en):
            if name:
                by_name.setdefault(name.casefold(), theme)
    matched = {n: by_name.get(n.casefold()) for n in names}
    ids = [t.pk for t in matched.values() if t is not None]
    visible = annotations_visible_to(user).values("pk")
    counts = dict(
        Theme.objects.filter(pk__in=ids)
        .annotate(n=Count("annotations", filter=Q(annotations__in=visible), distinct=True))
        .values_list("pk", "n")
    )
    return [
        ThemeEvidence(name, theme, counts.get(theme.pk, 0) if theme else 0)
        for name, theme in matched.items()
    ]


def model_history(limit: int = 10) -> list[TextModel]:
    return list(TextModel.objects.order_by("-version")[:limit])


def _fig(fig: Any, ident: str) -> dict[str, Any]:
    return {"id": ident, "data_id": f"{ident}-data", "figure": json.loads(fig.to_json())}


SENTIMENT_COLOURS = {"positive": "#2e7d32", "neutral": "#9e9e9e", "negative": "#c62828"}


def text_figures(
    dashboard: TextDashboard, *, titles: dict[str, str], names: dict[str, str]
) -> list[dict[str, Any]]:
    """Plotly figures (JSON-ready dicts): theme share by month and sentiment split by month."""
    import plotly.graph_objects as go

    figures: list[dict[str, Any]] = []
    trend = dashboard.theme_trend
    if trend is not None and trend.periods:
        fig = go.Figure()
        for j, key in enumerate(trend.labels):
            fig.add_trace(
                go.Scatter(
                    x=list(trend.periods),
                    y=[round(100 * float(v), 1) for v in trend.share[:, j]],
                    customdata=[int(c) for c in trend.counts[:, j]],
                    name=names.get(key, key),
                    mode="lines+markers",
                    hovertemplate="%{x}: %{y} (n=%{customdata})<extra>%{fullData.name}</extra>",
                )
            )
        fig.update_layout(title=titles["themes"], height=340, margin={"t": 40, "b": 40})
        fig.update_xaxes(type="category")
        figures.append(_fig(fig, "chart-text-themes"))
    trend = dashboard.sentiment_trend
    if trend is not None and trend.periods:
        fig = go.Figure()
        for j, key in enumerate(trend.labels):
            fig.add_trace(
                go.Bar(
                    x=list(trend.periods),
                    y=[int(c) for c in trend.counts[:, j]],
                    name=names.get(key, key),
                    marker_color=SENTIMENT_COLOURS.get(key),
                )
            )
        fig.update_layout(
            title=titles["sentiment"], barmode="stack", height=320, margin={"t": 40, "b": 40}
        )
        fig.update_xaxes(type="category")
        figures.append(_fig(fig, "chart-text-sentiment"))
    return figures
