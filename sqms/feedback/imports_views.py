"""Pages of the response import: upload and check, preview, confirm, report. Writers only."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sqms.core.access import ensure
from sqms.core.csvexport import csv_response
from sqms.core.exceptions import SqmsError
from sqms.core.models import User
from sqms.core.roles import Area
from sqms.feedback import imports
from sqms.feedback.imports_forms import ImportUploadForm
from sqms.feedback.models import ResponseImport
from sqms.org.access import scoped_site_ids

PAGE_SIZE = 50


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def imports_visible_to(user: Any) -> Any:
    """Unrestricted writers see every import; a writer limited to some sites sees their own."""
    qs = ResponseImport.objects.select_related("survey", "created_by")
    return qs if scoped_site_ids(user) is None else qs.filter(created_by=user)


def response_import_get_for_user(*, user: Any, pk: int) -> ResponseImport:
    ensure(user, Area.FEEDBACK, write=True)
    found: ResponseImport | None = imports_visible_to(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


@require_GET
def import_list(request: HttpRequest) -> HttpResponse:
    ensure(request.user, Area.FEEDBACK, write=True)
    qs = imports_visible_to(request.user)
    survey = request.GET.get("survey", "")
    if survey.isdigit():
        qs = qs.filter(survey_id=int(survey))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "feedback/import_list.html", {"page": page, "query": query.urlencode()})


@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    ensure(request.user, Area.FEEDBACK, write=True)
    initial = {}
    if (asked := request.GET.get("survey", "")).isdigit():
        initial["survey"] = int(asked)
    form = ImportUploadForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            imp = imports.response_import_create(
                actor=_actor(request),
                survey=form.cleaned_data["survey"],
                file_name=upload.name or "upload.csv",
                data=upload.read(),
                policy=form.cleaned_data["policy"],
                encoding=form.cleaned_data["encoding"],
            )
        except SqmsError as exc:
            form.add_error("file", str(exc))
        else:
            return redirect("feedback:import_detail", pk=imp.pk)
    status = 400 if form.errors else 200
    return render(request, "feedback/import_upload.html", {"form": form}, status=status)


@require_GET
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    imp = response_import_get_for_user(user=request.user, pk=pk)
    context: dict[str, Any] = {"imp": imp, "survey": imp.survey}
    if imp.is_pending:
        context["preview"] = imports.preview(response_import=imp, user=request.user)
    context["page"] = Paginator(imp.errors.order_by("row", "pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context["errors_not_kept"] = max(0, imp.errors_total - imports.ERRORS_KEPT)
    return render(request, "feedback/import_detail.html", context)


@require_POST
def import_run(request: HttpRequest, pk: int) -> HttpResponse:
    imp = response_import_get_for_user(user=request.user, pk=pk)
    try:
        imp = imports.response_import_run(actor=_actor(request), response_import=imp)
    except SqmsError as exc:
        messages.error(request, str(exc))
    else:
        level = messages.SUCCESS if imp.status == "done" else messages.ERROR
        messages.add_message(request, level, imp.message)
    return redirect("feedback:import_detail", pk=imp.pk)


@require_GET
def import_report(request: HttpRequest, pk: int) -> HttpResponseBase:
    imp = response_import_get_for_user(user=request.user, pk=pk)
    return csv_response(
        filename=f"import-{imp.pk}-errors.csv",
        header=[_("Row"), _("Column"), _("Reason")],
        rows=imports.report_rows(imp),
    )
