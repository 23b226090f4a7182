"""Dashboard pages: the service dashboard, its drill-down to records and the executive overview.

The dashboards read rollups only (see `sqms.monitoring.dashboards`); the drill-down is the one
page that reads the service records behind a point.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Callable
from functools import wraps
from html import escape
from typing import Any
from urllib.parse import quote_plus, urlencode

from django import forms
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from sqms.core.access import ensure
from sqms.core.roles import Area
from sqms.monitoring import dashboards, figures
from sqms.monitoring.access import records_visible_to
from sqms.monitoring.dashboards import DashboardFilter, Light
from sqms.monitoring.series import org_tz
from sqms.monitoring.signal_selectors import rule_label
from sqms.org.access import scoped_site_ids, services_visible_to, sites_visible_to, teams_visible_to
from sqms.org.models import Channel, Service, Site, Team
from sqms.standards.models import ServiceStandard, StandardVersion

MAX_DAYS = 400
DRILL_PAGE = 50
TABLE_ROWS = 400
"""The data table under a chart lists at most this many periods (the latest)."""

LIGHT_TEXT = {
    Light.GREEN: (gettext_lazy("On target"), "●"),
    Light.AMBER: (gettext_lazy("At risk"), "▲"),
    Light.RED: (gettext_lazy("Off target"), "■"),
    Light.NONE: (gettext_lazy("No data"), "○"),
}


def _today() -> dt.date:
    return timezone.now().astimezone(org_tz()).date()


class _WindowForm(forms.Form):
    date_from = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    channel = forms.ChoiceField(
        label=gettext_lazy("Channel"),
        choices=[("", gettext_lazy("All channels")), *Channel.choices],
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = dashboards.default_window(_today())
        first = data.get("date_from") or start
        last = data.get("date_to") or end
        if first > last:
            self.add_error("date_to", _("The end date must not be before the start date."))
        elif (last - first).days >= MAX_DAYS:
            self.add_error(
                "date_from", _("The window may span at most %(days)d days.") % {"days": MAX_DAYS}
            )
        data["date_from"], data["date_to"] = first, last
        return data


class DashboardFilterForm(_WindowForm):
    field_order = ["service", "date_from", "date_to", "site", "team", "channel"]

    service = forms.ModelChoiceField(
        label=gettext_lazy("Service"), queryset=Service.objects.none(), required=False
    )
    site = forms.ModelChoiceField(
        label=gettext_lazy("Site"),
        queryset=Site.objects.none(),
        required=False,
        empty_label=gettext_lazy("All sites"),
    )
    team = forms.ModelChoiceField(
        label=gettext_lazy("Team"),
        queryset=Team.objects.none(),
        required=False,
        empty_label=gettext_lazy("All teams"),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["service"].queryset = services_visible_to(user).order_by("code")  # type: ignore[attr-defined]
        self.fields["site"].queryset = sites_visible_to(user).order_by("code")  # type: ignore[attr-defined]
        self.fields["team"].queryset = teams_visible_to(user).order_by("code")  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        site, team = data.get("site"), data.get("team")
        if site and team and team.site_id != site.pk:
            self.add_error("team", _("The team belongs to another site."))
        if scoped_site_ids(self.user) is not None and not site and not team:
            self.add_error("site", _("Choose one of your sites."))
        return data

    def to_filter(self) -> DashboardFilter:
        data = self.cleaned_data
        return DashboardFilter(
            service_id=data["service"].pk if data.get("service") else None,
            start=data["date_from"],
            end=data["date_to"],
            site_id=data["site"].pk if data.get("site") else None,
            team_id=data["team"].pk if data.get("team") else None,
            channel=data.get("channel") or "",
        )


def _with_defaults(request: HttpRequest) -> QueryDict:
    """The query string with the defaults filled in, so the form shows what is applied."""
    data = request.GET.copy()
    if not data.get("service"):
        first = services_visible_to(request.user).order_by("code").values_list("pk", flat=True)[:1]
        if first:
            data["service"] = str(first[0])
    scoped = scoped_site_ids(request.user)
    if scoped is not None and not data.get("site") and not data.get("team"):
        first_site = (
            sites_visible_to(request.user).order_by("code").values_list("pk", flat=True)[:1]
        )
        if first_site:
            data["site"] = str(first_site[0])
    start, end = dashboards.default_window(_today())
    if not data.get("date_from"):
        data["date_from"] = start.isoformat()
    if not data.get("date_to"):
        data["date_to"] = end.isoformat()
    return data


def _reverse_or_none(name: str, **kwargs: Any) -> str | None:
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return None


def drill_prefix(standard_id: int, segment: str) -> str:
    """The drill-down URL of a point without its period: append the quoted period start."""
    base = reverse("monitoring:dashboard_drilldown")
    return f"{base}?standard={standard_id}&segment={quote_plus(segment)}&period="


def _card_context(card: dashboards.StandardCard, segment: str) -> dict[str, Any]:
    drill = drill_prefix(card.standard.pk, segment)
    period = card.version.period if card.version else "day"
    labels = figures.period_labels(card.points, period)
    m = len(card.points)
    hidden = max(0, m - TABLE_ROWS)
    flagged = card.limits.flagged if card.limits else [False] * m
    rules = card.limits.rules if card.limits else [[]] * m
    yes, no = _("Yes"), _("No")
    rows = [
        {
            "label": labels[i],
            "n": p.n,
            "value": "—" if v is None else f"{v:.2f}",
            "complies": "—" if p.complies is None else yes if p.complies else no,
            "url": drill + quote_plus(p.period_start.isoformat()),
            "flagged": bool(flagged[i]),
            "rules": ("✕ " + ", ".join(rules[i])) if flagged[i] else "",
        }
        for i, p, v in zip(
            range(hidden, m), card.points[hidden:], card.display_values[hidden:], strict=False
        )
    ]
    label, icon = LIGHT_TEXT[card.light]
    chart = figures.control_chart_figure(card, drill, labels) if card.points else None
    burn = figures.burndown_figure(card, labels) if card.burndown else None
    chart_id = f"chart-{card.standard.pk}-plotly"
    burn_id = f"burn-{card.standard.pk}-plotly"
    return {
        "card": card,
        "light_label": label,
        "light_icon": icon,
        "rows": rows,
        "rows_html": _rows_html(rows),
        "rows_hidden": hidden,
        "chart": chart,
        "chart_script": figures.figure_script(chart, chart_id) if chart else "",
        "burndown": burn,
        "burn_script": figures.figure_script(burn, burn_id) if burn else "",
        "chart_id": chart_id,
        "burn_id": burn_id,
        "budget_left": 100.0 * card.burndown.status.budget_remaining if card.burndown else None,
    }


def _rows_html(rows: list[dict[str, Any]]) -> SafeString:
    """The data table's body rows, built here: a template loop (or format_html) over hundreds of
    rows is the slowest part of the page. Every value is escaped."""
    link = escape(_("Records"))
    out = []
    for r in rows:
        flag = ' class="dash-flag"' if r["flagged"] else ""
        out.append(
            f'<tr{flag}><th scope="row">{escape(r["label"])}</th><td class="num">{r["n"]:d}</td>'
            f'<td class="num">{escape(r["value"])}</td><td>{escape(r["complies"])}</td>'
            f'<td>{escape(r["rules"])}</td><td><a href="{escape(r["url"])}">{link}</a></td></tr>'
        )
    return mark_safe("".join(out))  # noqa: S308


def without_gc_pauses(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Run the view with the cyclic garbage collector paused.

    Building a long window allocates tens of thousands of short-lived acyclic objects (rows,
    points, figure lists), which reference counting frees at once; left on, the collector runs
    full collections of the whole process in the middle of the request, the main cause of the
    slow tail (p95). It is switched back on afterwards (only by the request that paused it), so
    any cycle made meanwhile is collected as usual."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not gc.isenabled():
            return view(request, *args, **kwargs)
        gc.disable()
        try:
            return view(request, *args, **kwargs)
        finally:
            gc.enable()

    return wrapper


@require_GET
@without_gc_pauses
def dashboard(request: HttpRequest) -> HttpResponse:
    ensure(request.user, Area.MONITORING)
    form = DashboardFilterForm(_with_defaults(request), user=request.user)
    board = None
    cards: list[dict[str, Any]] = []
    if form.is_valid():
        filters = form.to_filter()
        board = dashboards.service_dashboard(filters=filters)
        cards = [_card_context(c, filters.segment) for c in board.cards]
    context = {
        "form": form,
        "board": board,
        "cards": cards,
        "signals_url": _reverse_or_none("monitoring:signal_list"),
        "amber_margin": dashboards.AMBER_MARGIN,
        "recent_periods": dashboards.RECENT_PERIODS,
    }
    template = (
        "monitoring/dashboard_body.html"
        if getattr(request, "htmx", False)
        else "monitoring/dashboard.html"
    )
    return render(request, template, context)


def _drill_params(request: HttpRequest) -> tuple[ServiceStandard, dt.datetime, str]:
    try:
        standard_id = int(request.GET.get("standard", ""))
        start = dt.datetime.fromisoformat(request.GET.get("period", ""))
        segment = request.GET.get("segment", "")
        dashboards.parse_segment(segment)
    except (ValueError, OverflowError):
        raise Http404 from None
    if timezone.is_naive(start):
        start = start.replace(tzinfo=org_tz())
    standard = (
        ServiceStandard.objects.filter(
            pk=standard_id, service__in=services_visible_to(request.user)
        )
        .select_related("service", "metric")
        .first()
    )
    if standard is None:
        raise Http404
    return standard, start, segment


@require_GET
def dashboard_drilldown(request: HttpRequest) -> HttpResponse:
    """The service records behind one point: (standard, period, segment)."""
    ensure(request.user, Area.MONITORING)
    standard, start, segment = _drill_params(request)
    version = (
        StandardVersion.objects.filter(standard=standard, effective_from__lte=start)
        .order_by("-version")
        .first()
        or StandardVersion.objects.filter(standard=standard).order_by("version").first()
    )
    if version is None:
        raise Http404
    end = dashboards.period_end(start, version.period)
    parts = dashboards.parse_segment(segment)
    records = records_visible_to(request.user).filter(
        service_id=standard.service_id, received_at__gte=start, received_at__lt=end
    )
    if "site" in parts:
        records = records.filter(site_id=parts["site"])
    if "team" in parts:
        records = records.filter(team_id=parts["team"])
    if "channel" in parts:
        records = records.filter(channel=parts["channel"])
    if "agent" in parts:
        records = records.filter(agent_id=parts["agent"])
    records = records.select_related("site", "team", "agent").order_by("received_at", "pk")
    page = Paginator(records, DRILL_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    back = {"service": standard.service_id}
    if "site" in parts:
        back["site"] = parts["site"]
    if "team" in parts:
        back["team"] = parts["team"]
    if "channel" in parts:
        back["channel"] = parts["channel"]
    context = {
        "standard": standard,
        "version": version,
        "start": start,
        "end": end,
        "segment": segment,
        "segment_label": _segment_label(parts),
        "page": page,
        "query": query.urlencode(),
        "back_url": reverse("monitoring:dashboard") + "?" + urlencode(back),
        "period_label": figures.period_label(start, version.period),
    }
    return render(request, "monitoring/dashboard_drilldown.html", context)


def _segment_label(parts: dict[str, Any]) -> str:
    from sqms.org.models import Employee

    labels = []
    if "site" in parts:
        site = Site.objects.filter(pk=parts["site"]).first()
        labels.append(f"{_('Site')}: {site or parts['site']}")
    if "team" in parts:
        team = Team.objects.filter(pk=parts["team"]).first()
        labels.append(f"{_('Team')}: {team or parts['team']}")
    if "channel" in parts:
        labels.append(
            f"{_('Channel')}: {dict(Channel.choices).get(parts['channel'], parts['channel'])}"
        )
    if "agent" in parts:
        agent = Employee.objects.filter(pk=parts["agent"]).first()
        labels.append(f"{_('Agent')}: {agent or parts['agent']}")
    return " · ".join(labels) or _("Whole service")


@require_GET
def executive(request: HttpRequest) -> HttpResponse:
    ensure(request.user, Area.MONITORING)
    data = request.GET.copy()
    start, end = dashboards.default_window(_today())
    if not data.get("date_from"):
        data["date_from"] = start.isoformat()
    if not data.get("date_to"):
        data["date_to"] = end.isoformat()
    form = _WindowForm(data)
    overview = None
    context: dict[str, Any] = {"form": form}
    if form.is_valid():
        first, last = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
        channel = form.cleaned_data.get("channel") or ""
        overview = dashboards.executive_overview(
            user=request.user, start=first, end=last, channel=channel
        )
        base = reverse("monitoring:dashboard")
        common = {"date_from": first.isoformat(), "date_to": last.isoformat()}
        if channel:
            common["channel"] = channel
        urls = {
            key: base + "?" + urlencode({"service": key[0], "site": key[1], **common})
            for key in overview.cells
        }
        has_detail = _reverse_or_none("monitoring:signal_detail", pk=1) is not None
        signals = [
            {
                "signal": s,
                "rule": rule_label(s.kind, s.rule) if s.rule else "",
                "url": reverse("monitoring:signal_detail", kwargs={"pk": s.pk})
                if has_detail
                else None,
            }
            for s in overview.signals
        ]
        rows = [
            {
                "service": sv,
                "cells": [
                    {"cell": overview.cells[(sv.pk, st.pk)], "url": urls[(sv.pk, st.pk)]}
                    for st in overview.sites
                ],
            }
            for sv in overview.services
        ]
        context |= {
            "overview": overview,
            "rows": rows,
            "signals": signals,
            "signals_url": _reverse_or_none("monitoring:signal_list"),
            "heatmap": figures.heatmap_figure(overview, urls)
            if overview.services and overview.sites
            else None,
            "trend": figures.trend_figure(overview) if overview.trend else None,
        }
    template = (
        "monitoring/dashboard_executive_body.html"
        if getattr(request, "htmx", False)
        else "monitoring/dashboard_executive.html"
    )
    return render(request, template, context)
