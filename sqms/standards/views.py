"""Pages of the standards app: metrics, service standards (versioned) and calendars.

Thin views: access helpers decide who sees what, selectors read, services write.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sqms.core.access import ensure
from sqms.core.exceptions import SqmsError
from sqms.core.models import User
from sqms.core.roles import Area
from sqms.core.selectors import audit_entries_for_object
from sqms.standards import access, selectors, services
from sqms.standards.forms import (
    CalendarForm,
    ClosureForm,
    MetricForm,
    ReasonForm,
    StandardCreateForm,
    StandardEditForm,
    StandardReviseForm,
    StandardsFilterForm,
)

PAGE_SIZE = 25


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _run(form: Any, action: Callable[[], Any]) -> Any:
    """Run a service; put what it refuses on the form (by field when the form has it)."""
    try:
        return action()
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.message_dict.items():
                target = field if field in form.fields else None
                for message in errors:
                    form.add_error(target, message if target else f"{field}: {message}")
        else:
            for message in exc.messages:
                form.add_error(None, message)
    except SqmsError as exc:
        form.add_error(None, str(exc))
    return None


def _list_context(request: HttpRequest, qs: Any, form: Any, **extra: Any) -> dict[str, Any]:
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return {"form": form, "page": page, "query": query.urlencode(), **extra}


def _history_tab(request: HttpRequest) -> str:
    return "history" if request.GET.get("tab") == "history" else "details"


# --- metrics --------------------------------------------------------------------------------


@require_GET
def metric_list(request: HttpRequest) -> HttpResponse:
    ensure(request.user, Area.STANDARDS)
    form = StandardsFilterForm(
        request.GET or None, user=request.user, fields=("q", "source", "archived")
    )
    qs = selectors.metric_list(user=request.user, filters=form.to_filter())
    context = _list_context(request, qs, form, can_create=access.can_write(request.user))
    return render(request, "standards/metric_list.html", context)


@require_GET
def metric_detail(request: HttpRequest, pk: int) -> HttpResponse:
    metric = access.metric_get_for_user(user=request.user, pk=pk)
    tab = _history_tab(request)
    context = {
        "object": metric,
        "tab": tab,
        "can_write": access.can_write(request.user),
        "standards": metric.standards.filter(archived_at__isnull=True).select_related("service"),
        "history": audit_entries_for_object(obj=metric) if tab == "history" else None,
        "reason_form": ReasonForm(),
    }
    return render(request, "standards/metric_detail.html", context)


@require_http_methods(["GET", "POST"])
def metric_create(request: HttpRequest) -> HttpResponse:
    ensure(request.user, Area.STANDARDS, write=True)
    if not access.can_write(request.user):
        raise PermissionDenied
    form = MetricForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        metric = _run(
            form, lambda: services.metric_create(actor=_actor(request), **form.cleaned_data)
        )
        if metric is not None:
            messages.success(request, _("%(record)s was created.") % {"record": metric})
            return redirect("standards:metric_detail", pk=metric.pk)
    return render(request, "standards/metric_form.html", {"form": form, "object": None})


@require_http_methods(["GET", "POST"])
def metric_edit(request: HttpRequest, pk: int) -> HttpResponse:
    metric = access.metric_get_for_user(user=request.user, pk=pk, write=True)
    form = MetricForm(request.POST or None, instance=metric, user=request.user)
    if request.method == "POST" and form.is_valid():
        fresh = access.metric_get_for_user(user=request.user, pk=pk, write=True)
        saved = _run(
            form,
            lambda: services.metric_update(
                actor=_actor(request), metric=fresh, fields=form.cleaned_data
            ),
        )
        if saved is not None:
            messages.success(request, _("%(record)s was saved.") % {"record": saved})
            return redirect("standards:metric_detail", pk=pk)
    return render(request, "standards/metric_form.html", {"form": form, "object": metric})


@require_POST
def metric_archive(request: HttpRequest, pk: int) -> HttpResponse:
    metric = access.metric_get_for_user(user=request.user, pk=pk, write=True)
    form = ReasonForm(request.POST)
    if form.is_valid():
        restore = metric.is_archived
        change = services.metric_unarchive if restore else services.metric_archive
        change(actor=_actor(request), metric=metric, reason=form.cleaned_data["reason"])
        messages.success(
            request,
            (_("%(record)s was restored.") if restore else _("%(record)s was archived."))
            % {"record": metric},
        )
        return redirect("standards:metric_detail", pk=pk)
    context = {
        "object": metric,
        "tab": "details",
        "can_write": True,
        "standards": [],
        "history": None,
        "reason_form": form,
    }
    return render(request, "standards/metric_detail.html", context, status=400)


# --- service standards ----------------------------------------------------------------------


@require_GET
def standard_list(request: HttpRequest) -> HttpResponse:
    ensure(request.user, Area.STANDARDS)
    form = StandardsFilterForm(
        request.GET or None,
        user=request.user,
        fields=("q", "service", "metric", "period", "basis", "archived"),
    )
    qs = selectors.standard_list(user=request.user, filters=form.to_filter())
    context = _list_context(request, qs, form, can_create=access.can_write(request.user))
    now = timezone.now()
    for standard in context["page"]:
        standard.current = selectors.version_in_effect(standard.version_list, now)
    return render(request, "standards/standard_list.html", context)


@require_GET
def standard_detail(request: HttpRequest, pk: int) -> HttpResponse:
    standard = access.standard_get_for_user(user=request.user, pk=pk)
    tab = _history_tab(request)
    versions = list(selectors.standard_versions(standard=standard))
    now = timezone.now()
    current = selectors.version_in_effect(versions, now)
    context = {
        "object": standard,
        "tab": tab,
        "can_write": access.can_write(request.user),
        "current": current,
        "scheduled": [v for v in versions if v.effective_from > now],
        "versions": versions,
        "history": audit_entries_for_object(obj=standard) if tab == "history" else None,
        "reason_form": ReasonForm(),
    }
    return render(request, "standards/standard_detail.html", context)


@require_http_methods(["GET", "POST"])
def standard_create(request: HttpRequest) -> HttpResponse:
    ensure(request.user, Area.STANDARDS, write=True)
    if not access.can_write(request.user):
        raise PermissionDenied
    form = StandardCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        standard = _run(
            form, lambda: services.standard_create(actor=_actor(request), **form.cleaned_data)
        )
        if standard is not None:
            messages.success(request, _("%(record)s was created.") % {"record": standard})
            return redirect("standards:standard_detail", pk=standard.pk)
    return render(request, "standards/standard_form.html", {"form": form, "object": None})


@require_http_methods(["GET", "POST"])
def standard_edit(request: HttpRequest, pk: int) -> HttpResponse:
    standard = access.standard_get_for_user(user=request.user, pk=pk, write=True)
    form = StandardEditForm(request.POST or None, instance=standard, user=request.user)
    if request.method == "POST" and form.is_valid():
        fresh = access.standard_get_for_user(user=request.user, pk=pk, write=True)
        saved = _run(
            form,
            lambda: services.standard_update(
                actor=_actor(request), standard=fresh, fields=form.cleaned_data
            ),
        )
        if saved is not None:
            messages.success(request, _("%(record)s was saved.") % {"record": saved})
            return redirect("standards:standard_detail", pk=pk)
    return render(request, "standards/standard_form.html", {"form": form, "object": standard})


@require_http_methods(["GET", "POST"])
def standard_revise(request: HttpRequest, pk: int) -> HttpResponse:
    standard = access.standard_get_for_user(user=request.user, pk=pk, write=True)
    latest = selectors.standard_versions(standard=standard).first()
    initial = {}
    if latest is not None:
        initial = {
            # as a person types them: 60, not 60.0000 nor 6E+1
            "threshold": f"{latest.threshold.normalize():f}",
            "comparison": latest.comparison,
            "compliance_objective": f"{latest.compliance_objective.normalize():f}",
            "period": latest.period,
            "segments": latest.segments,
            "basis": latest.basis,
            "basis_reference": latest.basis_reference,
        }
    form = StandardReviseForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = _run(
            form,
            lambda: services.standard_revise(actor=_actor(request), standard=standard, **data),
        )
        if version is not None:
            messages.success(
                request,
                _("Version %(version)s of %(record)s was created.")
                % {"version": version.version, "record": standard},
            )
            return redirect("standards:standard_detail", pk=pk)
    context = {"form": form, "object": standard, "latest": latest}
    return render(request, "standards/standard_revise.html", context)


@require_POST
def standard_archive(request: HttpRequest, pk: int) -> HttpResponse:
    standard = access.standard_get_for_user(user=request.user, pk=pk, write=True)
    form = ReasonForm(request.POST)
    if form.is_valid():
        restore = standard.is_archived
        change = services.standard_unarchive if restore else services.standard_archive
        change(actor=_actor(request), standard=standard, reason=form.cleaned_data["reason"])
        messages.success(
            request,
            (_("%(record)s was restored.") if restore else _("%(record)s was archived."))
            % {"record": standard},
        )
        return redirect("standards:standard_detail", pk=pk)
    versions = list(selectors.standard_versions(standard=standard))
    context = {
        "object": standard,
        "tab": "details",
        "can_write": True,
        "current": selectors.version_in_effect(versions, timezone.now()),
        "scheduled": [],
        "versions": versions,
        "history": None,
        "reason_form": form,
    }
    return render(request, "standards/standard_detail.html", context, status=400)


# --- business-hours calendars ---------------------------------------------------------------


@require_GET
def calendar_list(request: HttpRequest) -> HttpResponse:
    ensure(request.user, Area.STANDARDS)
    calendars = list(selectors.calendar_list(user=request.user))
    context = {
        "calendars": calendars,
        "can_create": access.can_write(request.user, org_wide=False),
    }
    return render(request, "standards/calendar_list.html", context)


def _calendar_write_allowed(request: HttpRequest, calendar: Any) -> bool:
    return access.can_write(request.user, org_wide=calendar.site_id is None)


@require_GET
def calendar_detail(request: HttpRequest, pk: int) -> HttpResponse:
    calendar = access.calendar_get_for_user(user=request.user, pk=pk)
    tab = _history_tab(request)
    context = {
        "object": calendar,
        "tab": tab,
        "can_write": _calendar_write_allowed(request, calendar),
        "time_zone": selectors.calendar_time_zone(calendar),
        "hours": calendar.opening_hours.all(),
        "closures": calendar.closures.all(),
        "preview": selectors.calendar_preview(calendar=calendar),
        "closure_form": ClosureForm(),
        "history": audit_entries_for_object(obj=calendar) if tab == "history" else None,
    }
    return render(request, "standards/calendar_detail.html", context)


def _save_calendar(request: HttpRequest, form: CalendarForm, pk: int | None) -> Any:
    data = form.cleaned_data
    actor = _actor(request)
    if pk is None:
        if data.get("site") is None and not access.can_write(request.user):
            raise PermissionDenied
        return services.calendar_create(
            actor=actor,
            name=data["name"],
            site=data.get("site"),
            time_zone=data["time_zone"],
            use_public_holidays=data["use_public_holidays"],
            holiday_country=data["holiday_country"],
            hours=form.hours(),
        )
    calendar = access.calendar_get_for_user(user=request.user, pk=pk, write=True)
    fields = {k: data[k] for k in ("name", "time_zone", "use_public_holidays", "holiday_country")}
    services.calendar_update(actor=actor, calendar=calendar, fields=fields)
    services.calendar_set_hours(actor=actor, calendar=calendar, hours=form.hours())
    return calendar


def _calendar_form(request: HttpRequest, instance: Any) -> HttpResponse:
    form = CalendarForm(request.POST or None, instance=instance, user=request.user)
    if request.method == "POST" and form.is_valid():
        pk = instance.pk if instance else None
        calendar = _run(form, lambda: _save_calendar(request, form, pk))
        if calendar is not None:
            messages.success(request, _("%(record)s was saved.") % {"record": calendar})
            return redirect("standards:calendar_detail", pk=calendar.pk)
    return render(request, "standards/calendar_form.html", {"form": form, "object": instance})


@require_http_methods(["GET", "POST"])
def calendar_create(request: HttpRequest) -> HttpResponse:
    ensure(request.user, Area.STANDARDS, write=True)
    return _calendar_form(request, None)


@require_http_methods(["GET", "POST"])
def calendar_edit(request: HttpRequest, pk: int) -> HttpResponse:
    calendar = access.calendar_get_for_user(user=request.user, pk=pk, write=True)
    return _calendar_form(request, calendar)


@require_POST
def calendar_closure_add(request: HttpRequest, pk: int) -> HttpResponse:
    calendar = access.calendar_get_for_user(user=request.user, pk=pk, write=True)
    form = ClosureForm(request.POST)
    if form.is_valid():
        closure = _run(
            form,
            lambda: services.closure_add(
                actor=_actor(request), calendar=calendar, **form.cleaned_data
            ),
        )
        if closure is not None:
            messages.success(request, _("%(record)s was added.") % {"record": closure})
            return redirect("standards:calendar_detail", pk=pk)
    context = {
        "object": calendar,
        "tab": "details",
        "can_write": True,
        "time_zone": selectors.calendar_time_zone(calendar),
        "hours": calendar.opening_hours.all(),
        "closures": calendar.closures.all(),
        "preview": selectors.calendar_preview(calendar=calendar),
        "closure_form": form,
        "history": None,
    }
    return render(request, "standards/calendar_detail.html", context, status=400)


@require_POST
def calendar_closure_remove(request: HttpRequest, pk: int, closure_pk: int) -> HttpResponse:
    calendar = access.calendar_get_for_user(user=request.user, pk=pk, write=True)
    closure = access.closure_get_for_user(user=request.user, calendar=calendar, pk=closure_pk)
    services.closure_remove(actor=_actor(request), closure=closure)
    messages.success(request, _("%(record)s was removed.") % {"record": closure})
    return redirect("standards:calendar_detail", pk=pk)
