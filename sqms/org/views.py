"""Organisation pages: list, detail (with history), create, edit, archive, restore.

The five records share one set of thin views, parameterised by a `Spec`; the work itself is
done by the access helpers, selectors and services.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sqms.core.access import can, ensure
from sqms.core.exceptions import SqmsError
from sqms.core.models import User
from sqms.core.roles import Area
from sqms.core.selectors import audit_entries_for_object
from sqms.org import access, selectors, services
from sqms.org.forms import (
    EmployeeForm,
    JobRoleForm,
    OrgFilterForm,
    ReasonForm,
    ServiceForm,
    SiteForm,
    TeamForm,
)
from sqms.org.models import Employee, JobRole, Service, Site, Team

PAGE_SIZE = 25


@dataclass(frozen=True)
class Spec:
    name: str
    model: type[models.Model]
    form: type[Any]
    get_for_user: Callable[..., Any]
    list_selector: Callable[..., Any]
    create: Callable[..., Any]
    filter_fields: tuple[str, ...]
    org_wide: bool


SPECS = {
    "site": Spec(
        "site",
        Site,
        SiteForm,
        access.site_get_for_user,
        selectors.site_list,
        services.site_create,
        ("q", "archived"),
        org_wide=True,
    ),
    "team": Spec(
        "team",
        Team,
        TeamForm,
        access.team_get_for_user,
        selectors.team_list,
        services.team_create,
        ("q", "site", "archived"),
        org_wide=False,
    ),
    "employee": Spec(
        "employee",
        Employee,
        EmployeeForm,
        access.employee_get_for_user,
        selectors.employee_list,
        services.employee_create,
        ("q", "site", "team", "job_role", "archived"),
        org_wide=False,
    ),
    "job_role": Spec(
        "job_role",
        JobRole,
        JobRoleForm,
        access.job_role_get_for_user,
        selectors.job_role_list,
        services.job_role_create,
        ("q", "archived"),
        org_wide=True,
    ),
    "service": Spec(
        "service",
        Service,
        ServiceForm,
        access.service_get_for_user,
        selectors.service_list,
        services.service_create,
        ("q", "site", "channel", "archived"),
        org_wide=True,
    ),
}


def _split(
    model: type[models.Model], data: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    m2m_names = {f.name for f in model._meta.many_to_many}
    fields = {k: v for k, v in data.items() if k not in m2m_names}
    return fields, {k: v for k, v in data.items() if k in m2m_names}


@require_GET
def record_list(request: HttpRequest, spec: Spec) -> HttpResponse:
    ensure(request.user, Area.ORG)
    form = OrgFilterForm(request.GET or None, user=request.user, fields=spec.filter_fields)
    page = Paginator(
        spec.list_selector(user=request.user, filters=form.to_filter()), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "spec": spec,
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "can_create": access.can_create(request.user, org_wide=spec.org_wide),
    }
    return render(request, f"org/{spec.name}_list.html", context)


@require_GET
def record_detail(request: HttpRequest, spec: Spec, pk: int) -> HttpResponse:
    obj = spec.get_for_user(user=request.user, pk=pk)
    tab = "history" if request.GET.get("tab") == "history" else "details"
    can_write = can(request.user, Area.ORG, write=True) and (
        not spec.org_wide or access.is_unrestricted(request.user)
    )
    context = {
        "spec": spec,
        "object": obj,
        "tab": tab,
        "can_write": can_write,
        "history": audit_entries_for_object(obj=obj) if tab == "history" else None,
        "reason_form": ReasonForm(),
    }
    return render(request, f"org/{spec.name}_detail.html", context)


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _save(request: HttpRequest, spec: Spec, form: Any, obj: Any | None) -> HttpResponse | None:
    if not form.is_valid():
        return None
    fields, m2m = _split(spec.model, form.cleaned_data)
    try:
        if obj is None:
            obj = spec.create(actor=_actor(request), **fields, **m2m)
            messages.success(request, _("%(record)s was created.") % {"record": obj})
        else:
            fresh = spec.get_for_user(user=request.user, pk=obj.pk, write=True)
            obj = services.org_record_update(
                actor=_actor(request), obj=fresh, fields=fields, m2m=m2m
            )
            messages.success(request, _("%(record)s was saved.") % {"record": obj})
    except SqmsError as exc:
        form.add_error(None, str(exc))
        return None
    return redirect(f"org:{spec.name}_detail", pk=obj.pk)


@require_http_methods(["GET", "POST"])
def record_create(request: HttpRequest, spec: Spec) -> HttpResponse:
    ensure(request.user, Area.ORG, write=True)
    if not access.can_create(request.user, org_wide=spec.org_wide):
        raise PermissionDenied
    form = spec.form(request.POST or None, user=request.user)
    if request.method == "POST" and (response := _save(request, spec, form, None)):
        return response
    return render(
        request, f"org/{spec.name}_form.html", {"spec": spec, "form": form, "object": None}
    )


@require_http_methods(["GET", "POST"])
def record_edit(request: HttpRequest, spec: Spec, pk: int) -> HttpResponse:
    obj = spec.get_for_user(user=request.user, pk=pk, write=True)
    form = spec.form(request.POST or None, instance=obj, user=request.user)
    if request.method == "POST" and (response := _save(request, spec, form, obj)):
        return response
    return render(
        request, f"org/{spec.name}_form.html", {"spec": spec, "form": form, "object": obj}
    )


@require_POST
def record_archive(request: HttpRequest, spec: Spec, pk: int) -> HttpResponse:
    obj = spec.get_for_user(user=request.user, pk=pk, write=True)
    form = ReasonForm(request.POST)
    if form.is_valid():
        restore = obj.is_archived
        change = services.org_record_unarchive if restore else services.org_record_archive
        change(actor=_actor(request), obj=obj, reason=form.cleaned_data["reason"])
        messages.success(
            request,
            (_("%(record)s was restored.") if restore else _("%(record)s was archived."))
            % {"record": obj},
        )
        return redirect(f"org:{spec.name}_detail", pk=obj.pk)
    context = {
        "spec": spec,
        "object": obj,
        "tab": "details",
        "can_write": True,
        "reason_form": form,
        "history": None,
    }
    return render(request, f"org/{spec.name}_detail.html", context, status=400)
