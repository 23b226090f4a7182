"""Pages of signals, baselines and per-standard monitoring settings. Thin: selectors read,
services write."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sqms.core.access import can, ensure
from sqms.core.exceptions import SqmsError
from sqms.core.models import User
from sqms.core.roles import Area
from sqms.core.selectors import audit_entries_for_object
from sqms.monitoring import signal_selectors as sel
from sqms.monitoring import signal_services as svc
from sqms.monitoring.detection import chart_for, limits_for, monitoring_for
from sqms.monitoring.forms_signals import (
    BaselineForm,
    ReasonForm,
    SignalFilterForm,
    StandardMonitoringForm,
)
from sqms.monitoring.models import ChartChoice, SignalStatus, StandardMonitoring

PAGE_SIZE = 25


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _add_errors(form: Any, exc: Exception) -> None:
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, str(exc.messages[0] if isinstance(exc, ValidationError) else exc))


# --- signals -------------------------------------------------------------------------------


@require_GET
def signal_list(request: HttpRequest) -> HttpResponse:
    ensure(request.user, Area.MONITORING)
    form = SignalFilterForm(request.GET or None, user=request.user)
    qs = sel.signal_list(user=request.user, filters=form.to_filter())
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    labels = sel.segment_labels(s.segment for s in page)
    rows = [
        {"signal": s, "segment": labels[s.segment], "rule": sel.rule_label(s.kind, s.rule)}
        for s in page
    ]
    context = {"form": form, "page": page, "rows": rows, "query": query.urlencode()}
    return render(request, "monitoring/signal_list.html", context)


def _raise_url(user: Any, pk: int) -> str:
    """The improvement app's "raise a nonconformance" address, when it exists and is allowed."""
    if not can(user, Area.IMPROVEMENT, write=True):
        return ""
    try:
        return reverse("improvement:signal_raise", kwargs={"pk": pk})
    except NoReverseMatch:
        return ""


def _labelled(point: dict[str, Any]) -> dict[str, Any]:
    try:
        at = dt.datetime.fromisoformat(str(point.get("period")))
    except ValueError:
        return {**point, "label": point.get("period", "")}
    return {**point, "label": timezone.localtime(at).strftime("%Y-%m-%d %H:%M")}


MOVES: dict[str, str] = {
    SignalStatus.ACKNOWLEDGED: "monitoring:signal_acknowledge",
    SignalStatus.DISMISSED: "monitoring:signal_dismiss",
    SignalStatus.OPEN: "monitoring:signal_reopen",
}


@require_GET
def signal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    signal = sel.signal_get_for_user(user=request.user, pk=pk)
    view = sel.signal_chart(signal=signal)
    figure = sel.evidence_figure(signal=signal, view=view)
    evidence = signal.evidence if isinstance(signal.evidence, dict) else {}
    writer = sel.can_write(request.user)
    moves = [
        {"to": to, "label": SignalStatus(to).label, "url": reverse(MOVES[to], args=[signal.pk])}
        for to in sorted(svc.TRANSITIONS.get(signal.status, frozenset()))
        if writer and to in MOVES
    ]
    context = {
        "signal": signal,
        "segment": sel.segment_label(signal.segment),
        "rule": sel.rule_label(signal.kind, signal.rule),
        "evidence": evidence,
        "points": [_labelled(p) for p in evidence.get("points", []) if isinstance(p, dict)],
        "limits": evidence.get("limits"),
        "figure": figure,
        "moves": moves,
        "form": ReasonForm(),
        "deliveries": list(sel.signal_deliveries(signal=signal)),
        "history": audit_entries_for_object(obj=signal)[:50],
        "raise_url": _raise_url(request.user, signal.pk),
    }
    return render(request, "monitoring/signal_detail.html", context)


def _move(request: HttpRequest, pk: int, to: str) -> HttpResponse:
    signal = sel.signal_get_for_user(user=request.user, pk=pk, write=True)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please give a reason."))
    else:
        try:
            svc.signal_transition(
                actor=_actor(request), signal=signal, to=to, reason=form.cleaned_data["reason"]
            )
        except SqmsError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request, _("The signal is now “%(status)s”.") % {"status": SignalStatus(to).label}
            )
    return redirect("monitoring:signal_detail", pk=signal.pk)


@require_POST
def signal_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    return _move(request, pk, SignalStatus.ACKNOWLEDGED)


@require_POST
def signal_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    return _move(request, pk, SignalStatus.DISMISSED)


@require_POST
def signal_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    return _move(request, pk, SignalStatus.OPEN)


# --- baselines ----------------------------------------------------------------------------


def _limits_rows(standard: Any, segment: str) -> dict[str, Any] | None:
    monitoring = monitoring_for(standard)
    limits = limits_for(standard=standard, segment=segment, monitoring=monitoring)
    if limits is None:
        return None
    center, ucl, lcl = limits.typical()
    return {
        "center": center,
        "sigma": limits.sigma * limits.scale,
        "ucl": ucl,
        "lcl": lcl,
        "n_points": limits.n_points,
        "start": limits.start,
        "end": limits.end,
        "baseline_id": limits.baseline_id,
        "per_point": limits.chart in (ChartChoice.P, ChartChoice.U, ChartChoice.XBAR_S),
        "mean_n": limits.mean_n,
    }


@require_http_methods(["GET", "POST"])
def baseline_edit(request: HttpRequest, pk: int) -> HttpResponse:
    writing = request.method == "POST"
    standard = sel.standard_get_for_monitoring(user=request.user, pk=pk, write=writing)
    segments = sel.segments_of(standard=standard)
    segment = request.GET.get("segment", "")
    segment = segment if segment in segments else ""
    labels = sel.segment_labels(segments)
    form = BaselineForm(request.POST or None, segments=segments, initial={"segment": segment})
    status = 200
    if writing:
        status = 400
        if form.is_valid():
            start, end = form.window()
            segment = form.cleaned_data.get("segment") or ""
            try:
                svc.baseline_set(
                    actor=_actor(request),
                    standard=standard,
                    segment=segment,
                    start=start,
                    end=end,
                    reason=form.cleaned_data["reason"],
                )
            except (SqmsError, ValidationError) as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("The baseline was set; limits were re-estimated."))
                url = reverse("monitoring:baseline_edit", args=[standard.pk])
                return redirect(f"{url}?segment={segment}" if segment else url)
    context = {
        "standard": standard,
        "form": form,
        "segment": segment,
        "segment_name": labels[segment],
        "segments": [(s, labels[s]) for s in segments],
        "limits": _limits_rows(standard, segment),
        "baselines": list(sel.baselines_of(standard=standard)[:50]),
        "can_write": sel.can_write(request.user),
        "chart_name": ChartChoice(chart_for(standard, monitoring_for(standard))).label,
    }
    return render(request, "monitoring/baseline_edit.html", context, status=status)


# --- monitoring settings --------------------------------------------------------------------


def _initial(monitoring: StandardMonitoring) -> dict[str, Any]:
    return {
        "chart": monitoring.chart,
        "rule_set": monitoring.rule_set,
        "slo_window_days": monitoring.slo_window_days,
        "min_records": monitoring.min_records,
        "quiet_minutes": monitoring.quiet_minutes,
        "webhook_url": monitoring.webhook_url,
        "subscribers": list(monitoring.subscribers.all()) if monitoring.pk else [],
    }


@require_http_methods(["GET", "POST"])
def standard_monitoring_edit(request: HttpRequest, pk: int) -> HttpResponse:
    writing = request.method == "POST"
    standard = sel.standard_get_for_monitoring(user=request.user, pk=pk, write=writing)
    monitoring = monitoring_for(standard)
    writer = sel.can_write(request.user)
    form = StandardMonitoringForm(request.POST or None, initial=_initial(monitoring))
    status = 200
    if writing:
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            try:
                svc.standard_monitoring_update(
                    actor=_actor(request),
                    standard=standard,
                    chart=d["chart"],
                    rule_set=d["rule_set"],
                    slo_window_days=d["slo_window_days"],
                    min_records=d["min_records"],
                    quiet_minutes=d["quiet_minutes"],
                    webhook_url=d["webhook_url"],
                    subscribers=d["subscribers"],
                )
            except (SqmsError, ValidationError) as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("The monitoring settings were saved."))
                return redirect("monitoring:standard_monitoring_edit", pk=standard.pk)
    subscribed = (
        bool(monitoring.pk) and monitoring.subscribers.filter(pk=_actor(request).pk).exists()
    )
    context = {
        "standard": standard,
        "monitoring": monitoring,
        "form": form,
        "can_write": writer,
        "subscribed": subscribed,
        "subscribers": list(monitoring.subscribers.all()) if monitoring.pk else [],
        "webhook_shown": svc.mask_url(monitoring.webhook_url),
        "signals": list(
            sel.signals_visible_to(request.user)
            .filter(standard=standard)
            .select_related("site")
            .order_by("-last_period")[:10]
        ),
    }
    return render(request, "monitoring/standard_monitoring_edit.html", context, status=status)


@require_POST
def standard_subscribe(request: HttpRequest, pk: int) -> HttpResponse:
    standard = sel.standard_get_for_monitoring(user=request.user, pk=pk)
    subscribe = request.POST.get("subscribe", "1") != "0"
    svc.standard_subscribe(actor=_actor(request), standard=standard, subscribe=subscribe)
    messages.success(
        request,
        _("You will be alerted about this standard.")
        if subscribe
        else _("You will no longer be alerted about this standard."),
    )
    return redirect("monitoring:standard_monitoring_edit", pk=standard.pk)
