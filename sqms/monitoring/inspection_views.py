"""Inspection pages: list with filters, create, detail with history, edit."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from sqms.core.access import ensure
from sqms.core.models import User
from sqms.core.roles import Area
from sqms.core.selectors import audit_entries_for_object
from sqms.monitoring import inspections
from sqms.monitoring.inspection_forms import InspectionFilterForm, InspectionForm
from sqms.monitoring.models import Inspection

PAGE_SIZE = 25


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@require_GET
def inspection_list(request: HttpRequest) -> HttpResponse:
    ensure(request.user, Area.MONITORING)
    form = InspectionFilterForm(request.GET or None, user=request.user)
    qs = inspections.inspection_list(user=request.user, filters=form.to_filter())
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "can_write": inspections.can_write(request.user),
    }
    return render(request, "monitoring/inspection_list.html", context)


@require_GET
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    obj = inspections.inspection_get_for_user(user=request.user, pk=pk)
    passed, total = inspections.checklist_summary(obj)
    context = {
        "object": obj,
        "passed": passed,
        "total": total,
        "history": audit_entries_for_object(obj=obj),
        "can_write": inspections.can_write(request.user),
    }
    return render(request, "monitoring/inspection_detail.html", context)


def _save(request: HttpRequest, form: InspectionForm, obj: Inspection | None) -> Inspection | None:
    values = form.values()
    try:
        if obj is None:
            return inspections.inspection_create(actor=_actor(request), **values)
        return inspections.inspection_update(
            actor=_actor(request),
            inspection=obj,
            reason=form.cleaned_data.get("reason") or "",
            **values,
        )
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for name, errors in exc.error_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            form.add_error(None, exc)
    except PermissionDenied:
        form.add_error("site", _("You may record inspections of your sites only."))
    return None


def _form_page(request: HttpRequest, obj: Inspection | None) -> HttpResponse:
    form = InspectionForm(request.POST or None, user=request.user, instance=obj)
    if request.method == "POST" and form.is_valid():
        saved = _save(request, form, obj)
        if saved is not None:
            messages.success(request, _("The inspection was saved."))
            return redirect("monitoring:inspection_detail", pk=saved.pk)
    return render(request, "monitoring/inspection_form.html", {"form": form, "object": obj})


@require_http_methods(["GET", "POST"])
def inspection_create(request: HttpRequest) -> HttpResponse:
    ensure(request.user, Area.MONITORING, write=True)
    return _form_page(request, None)


@require_http_methods(["GET", "POST"])
def inspection_edit(request: HttpRequest, pk: int) -> HttpResponse:
    obj = inspections.inspection_get_for_user(user=request.user, pk=pk, write=True)
    return _form_page(request, obj)
