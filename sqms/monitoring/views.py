"""Monitoring pages: service records, record sources and imports (upload → preview → run)."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRefresh

from sqms.core.access import ensure
from sqms.core.csvexport import csv_response
from sqms.core.exceptions import SqmsError
from sqms.core.models import User
from sqms.core.redirects import same_site
from sqms.core.roles import Area
from sqms.monitoring import access, selectors, services
from sqms.monitoring.forms import RecordFilterForm as FilterForm
from sqms.monitoring.forms import SourceForm, UploadForm
from sqms.monitoring.ingest import FileProblem, RowValidator, open_rows, repeated_id
from sqms.monitoring.models import RunStatus

PAGE_SIZE = 25
PREVIEW_ROWS = 20


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _query(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# --- records --------------------------------------------------------------------------------


@require_GET
def record_list(request: HttpRequest) -> HttpResponse:
    ensure(request.user, Area.MONITORING)
    form = FilterForm(request.GET or None, user=request.user)
    records = selectors.record_list(user=request.user, filters=form.to_filter())
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "query": _query(request)}
    return render(request, "monitoring/record_list.html", context)


@require_GET
def record_detail(request: HttpRequest, pk: int) -> HttpResponse:
    record = access.record_get_for_user(user=request.user, pk=pk)
    return render(request, "monitoring/record_detail.html", {"object": record})


# --- sources --------------------------------------------------------------------------------


@require_GET
def source_list(request: HttpRequest) -> HttpResponse:
    ensure(request.user, Area.MONITORING)
    context = {"sources": selectors.source_list(), "can_write": access.can_write(request.user)}
    return render(request, "monitoring/source_list.html", context)


def _source_form(request: HttpRequest, source: Any | None) -> HttpResponse:
    form = SourceForm(request.POST or None, instance=source)
    back = same_site(request, request.GET.get("next"))  # e.g. the preview being mapped
    if request.method == "POST" and form.is_valid():
        try:
            if source is None:
                data = form.model_fields()
                source = services.source_create(actor=_actor(request), **data)
            else:
                source = services.source_update(
                    actor=_actor(request), source=source, fields=form.model_fields()
                )
        except SqmsError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("%(record)s was saved.") % {"record": source})
            return redirect(back or "monitoring:source_list")
    context = {"form": form, "object": source, "back": back}
    return render(request, "monitoring/source_form.html", context)


@require_http_methods(["GET", "POST"])
def source_create(request: HttpRequest) -> HttpResponse:
    ensure(request.user, Area.MONITORING, write=True)
    return _source_form(request, None)


@require_http_methods(["GET", "POST"])
def source_edit(request: HttpRequest, pk: int) -> HttpResponse:
    source = access.source_get_for_user(user=request.user, pk=pk, write=True)
    return _source_form(request, source)


# --- imports --------------------------------------------------------------------------------


@require_GET
def import_list(request: HttpRequest) -> HttpResponse:
    ensure(request.user, Area.MONITORING)
    page = Paginator(selectors.run_list(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"page": page, "query": "", "can_write": access.can_write(request.user)}
    return render(request, "monitoring/import_list.html", context)


@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    ensure(request.user, Area.MONITORING, write=True)
    form = UploadForm(
        request.POST or None, request.FILES or None, max_bytes=services.max_import_bytes()
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            run = services.import_run_create(
                actor=_actor(request),
                source=form.cleaned_data["source"],
                file_name=upload.name or "upload.csv",
                chunks=upload.chunks(),
                policy=form.cleaned_data["policy"],
                encoding=form.cleaned_data["encoding"],
            )
        except SqmsError as exc:
            form.add_error("file", str(exc))
        else:
            return redirect("monitoring:import_preview", pk=run.pk)
    return render(request, "monitoring/import_upload.html", {"form": form})


def _preview(run: Any) -> dict[str, Any]:
    source = run.source
    try:
        with open_rows(Path(run.stored_path), fmt=run.file_format, encoding=run.encoding) as stream:
            services._columns_seen(source, stream.columns)
            raws = list(itertools.islice(stream.rows, PREVIEW_ROWS))
            columns = stream.columns
            validator = RowValidator(
                columns=columns,
                mapping=source.mapping,
                lookups=services.lookups_for(run.created_by),
                time_zone=source.time_zone,
            )
            encoding = stream.encoding
    except FileProblem as exc:
        return {"problem": exc.reason}
    except (OSError, UnicodeDecodeError) as exc:
        return {"problem": str(exc)}
    rows = []
    firsts: dict[str, int] = {}  # external id → the good row that holds it, as the import keeps
    for raw in raws:
        cells = [*(raw.cells or []), *[""] * len(columns)][: len(columns)]
        clean, errors = (
            validator.clean(raw.cells) if raw.cells is not None else (None, [("", raw.problem)])
        )
        if clean is not None:
            first = firsts.setdefault(clean.external_id, raw.number)
            if first != raw.number:
                errors = [
                    (validator.column_of("external_id"), repeated_id(clean.external_id, first))
                ]
        bad_columns = {column for column, _reason in errors}
        rows.append(
            {
                "number": raw.number,
                "cells": [
                    {"value": "" if v is None else v, "bad": c in bad_columns}
                    for c, v in zip(columns, cells, strict=True)
                ],
                "errors": errors,
            }
        )
    mapped = {t: validator.column_of(t) for t in validator.index}
    return {"columns": columns, "rows": rows, "mapped": mapped, "encoding": encoding}


@require_http_methods(["GET", "POST"])
def import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    run = access.run_get_for_user(user=request.user, pk=pk, write=True)
    if run.status != RunStatus.PENDING:
        return redirect("monitoring:import_detail", pk=run.pk)
    if request.method == "POST":
        services.import_run_queue(run=run)
        return redirect("monitoring:import_detail", pk=run.pk)
    context = {"run": run, **_preview(run)}
    return render(request, "monitoring/import_preview.html", context)


@require_GET
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = access.run_get_for_user(user=request.user, pk=pk)
    page = Paginator(selectors.run_errors(run=run), 50).get_page(request.GET.get("page"))
    context = {"run": run, "page": page, "query": ""}
    return render(request, "monitoring/import_detail.html", context)


@require_GET
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    run = access.run_get_for_user(user=request.user, pk=pk)
    if run.is_finished and getattr(request, "htmx", False):
        return HttpResponseClientRefresh()
    return render(request, "monitoring/import_detail.html#progress", {"run": run})


@require_GET
def import_errors_csv(request: HttpRequest, pk: int) -> HttpResponseBase:
    run = access.run_get_for_user(user=request.user, pk=pk)
    rows = (
        (e.row, e.column, e.reason)
        for e in selectors.run_errors(run=run).only("row", "column", "reason").iterator()
    )
    return csv_response(
        filename=f"import-{run.pk}-errors.csv",
        header=[_("Row"), _("Column"), _("Reason")],
        rows=rows,
    )
