"""The page of the complaint clock targets. Thin: the access check, the form and one service."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from sqms.core.access import ensure
from sqms.core.models import User
from sqms.core.roles import Area
from sqms.feedback.complaint_targets import (
    TargetsInvalid,
    can_manage_targets,
    complaint_targets_set,
    complaint_targets_table,
)
from sqms.feedback.complaint_targets_forms import TargetsForm


@require_http_methods(["GET", "POST"])
def complaint_targets(request: HttpRequest) -> HttpResponse:
    """Everyone who sees complaints sees the targets; quality managers change them."""
    ensure(request.user, Area.FEEDBACK)
    can_manage = can_manage_targets(request.user)
    rows = complaint_targets_table()
    form = TargetsForm(request.POST or None, rows=rows)
    status = 200
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        status = 400
        if form.is_valid():
            assert isinstance(request.user, User)
            try:
                complaint_targets_set(actor=request.user, values=form.values())
            except TargetsInvalid as exc:
                for name, message in exc.errors.items():
                    form.add_error(name if name in form.fields else None, message)
            else:
                messages.success(request, _("The targets were saved."))
                return redirect("feedback:complaint_targets")
    labels = {r.severity: r for r in rows}
    context = {
        "rows": rows,
        "groups": [(labels[s], fields) for s, fields in form.groups()],
        "form": form,
        "can_manage": can_manage,
    }
    return render(request, "feedback/complaint_targets.html", context, status=status)
