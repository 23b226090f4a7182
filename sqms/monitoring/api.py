"""REST endpoints of the monitoring app: service records in, service records and runs out."""

# No `from __future__ import annotations` here: ninja resolves the annotations at import time.
import datetime as dt
import json
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate
from ninja.responses import Status

from sqms.core.access import ensure
from sqms.core.api import api_user
from sqms.core.roles import Area
from sqms.monitoring import access, selectors, services
from sqms.monitoring.ingest import FileProblem
from sqms.monitoring.models import ErrorPolicy, ImportRun, RunStatus, ServiceRecord
from sqms.org.api import MAX_ID, Pages
from sqms.org.models import Channel

router = Router(tags=["monitoring"])

MAX_BATCH = 10_000
POLICIES = {"reject": ErrorPolicy.REJECT_ALL, "keep": ErrorPolicy.KEEP_GOOD}
ERRORS_SHOWN = 1_000


class RecordOut(Schema):
    id: int
    source: str
    external_id: str
    service_id: int
    site_id: int
    team_id: int | None
    channel: str
    agent_id: int | None
    received_at: dt.datetime
    first_response_at: dt.datetime | None
    resolved_at: dt.datetime | None
    handle_seconds: float | None
    resolved_first_contact: bool | None
    category: str
    extra: dict[str, Any]
    updated_at: dt.datetime

    @staticmethod
    def resolve_source(obj: ServiceRecord) -> str:
        return obj.source.name


class RowErrorOut(Schema):
    index: int
    line: int
    field: str
    message: str


class RunOut(Schema):
    id: int
    source: str
    file_name: str
    status: str
    message: str
    policy: str
    progress: int
    rows_total: int
    rows_created: int
    rows_updated: int
    rows_unchanged: int
    rows_failed: int
    errors_total: int
    errors: list[RowErrorOut]
    created_at: dt.datetime
    finished_at: dt.datetime | None

    @staticmethod
    def resolve_source(obj: ImportRun) -> str:
        return obj.source.name

    @staticmethod
    def resolve_errors(obj: ImportRun) -> list[dict[str, Any]]:
        return [
            {"index": e.row - 1, "line": e.row, "field": e.column, "message": e.reason}
            for e in selectors.run_errors(run=obj)[:ERRORS_SHOWN]
        ]


class RecordFilters(Schema):
    service: int | None = Field(None, le=MAX_ID)
    site: int | None = Field(None, le=MAX_ID)
    source: int | None = Field(None, le=MAX_ID)
    channel: Channel | None = None
    received_from: dt.datetime | None = None
    received_to: dt.datetime | None = None


class ImportParams(Schema):
    policy: Literal["reject", "keep"] | None = None


def _answer(run: ImportRun) -> Any:
    ok = run.status == RunStatus.DONE
    return Status(200 if ok else 422, run)


def _read_body(request: HttpRequest) -> bytes:
    limit = services.max_import_bytes()
    data = request.read(limit + 1)
    if len(data) > limit:
        raise HttpError(413, _("The request is too large."))
    return data


@router.post(
    "/sources/{source}/records/",
    response={200: RunOut, 422: RunOut},
    url_name="monitoring_record_batch",
    summary="Import a JSON batch of service records",
)
def record_batch(request: HttpRequest, source: str, params: Query[ImportParams]) -> Any:
    found = access.source_get_by_name_for_user(user=request.user, name=source, write=True)
    try:
        items = json.loads(_read_body(request) or b"null")
    except (ValueError, UnicodeDecodeError):
        raise HttpError(400, _("The request body is not valid JSON.")) from None
    if not isinstance(items, list):
        raise HttpError(400, _("The request body must be a JSON list of records."))
    if len(items) > MAX_BATCH:
        raise HttpError(
            400, _("At most %(n)d records per request; use the NDJSON stream.") % {"n": MAX_BATCH}
        )
    run = services.records_import_items(
        actor=api_user(request),
        source=found,
        items=items,
        policy=POLICIES.get(params.policy or "", ""),
        user=request.user,
    )
    return _answer(run)


@router.post(
    "/sources/{source}/records.ndjson",
    response={200: RunOut, 422: RunOut},
    url_name="monitoring_record_stream",
    summary="Import service records from an NDJSON stream (one JSON object a line)",
)
def record_stream(request: HttpRequest, source: str, params: Query[ImportParams]) -> Any:
    found = access.source_get_by_name_for_user(user=request.user, name=source, write=True)
    try:
        run = services.records_import_stream(
            actor=api_user(request),
            source=found,
            stream=request,  # type: ignore[arg-type]
            policy=POLICIES.get(params.policy or "", ""),
            user=request.user,
        )
    except FileProblem as exc:
        raise HttpError(413, exc.reason) from None
    return _answer(run)


@router.get(
    "/records/",
    response=list[RecordOut],
    url_name="monitoring_record_list",
    summary="Service record list",
)
@paginate(Pages, page_size=50)
def record_list(request: HttpRequest, filters: Query[RecordFilters]) -> Any:
    ensure(request.user, Area.MONITORING)
    f = selectors.RecordFilter(
        service=filters.service,
        site=filters.site,
        source=filters.source,
        channel=filters.channel or "",
        received_from=filters.received_from,
        received_to=filters.received_to,
    )
    return selectors.record_list(user=request.user, filters=f)


@router.get(
    "/runs/{pk}/", response=RunOut, url_name="monitoring_run_detail", summary="Import run detail"
)
def run_detail(request: HttpRequest, pk: int) -> ImportRun:
    return access.run_get_for_user(user=request.user, pk=pk)


# --- signals ---------------------------------------------------------------------------------


class SignalOut(Schema):
    id: int
    standard_id: int
    standard: str
    version_id: int
    version: int
    segment: str
    site_id: int | None
    kind: str
    rule: str
    first_period: dt.datetime
    last_period: dt.datetime
    occurrences: int
    status: str
    reason: str
    handled_by: str | None
    handled_at: dt.datetime | None
    evidence: dict[str, Any]

    @staticmethod
    def resolve_standard(obj: Any) -> str:
        return str(obj.standard.code)

    @staticmethod
    def resolve_version(obj: Any) -> int:
        return int(obj.version.version)

    @staticmethod
    def resolve_handled_by(obj: Any) -> str | None:
        return obj.handled_by.get_username() if obj.handled_by_id else None


class SignalFilters(Schema):
    status: Literal["open", "acknowledged", "dismissed", "resolved"] | None = None
    kind: Literal["breach", "spc", "slo_fast", "slo_slow"] | None = None
    standard: int | None = Field(None, le=MAX_ID)
    service: int | None = Field(None, le=MAX_ID)
    site: int | None = Field(None, le=MAX_ID)


class SignalReasonIn(Schema):
    reason: str = Field(..., max_length=2000)


@router.get(
    "/signals/",
    response=list[SignalOut],
    url_name="monitoring_signal_list",
    summary="Signal list",
)
@paginate(Pages, page_size=50)
def signal_list(request: HttpRequest, filters: Query[SignalFilters]) -> Any:
    from sqms.monitoring import signal_selectors

    ensure(request.user, Area.MONITORING)
    f = signal_selectors.SignalFilter(
        status=filters.status or "",
        kind=filters.kind or "",
        standard=filters.standard,
        service=filters.service,
        site=filters.site,
    )
    return signal_selectors.signal_list(user=request.user, filters=f).select_related("handled_by")


@router.get(
    "/signals/{pk}/",
    response=SignalOut,
    url_name="monitoring_signal_detail",
    summary="Signal detail",
)
def signal_detail(request: HttpRequest, pk: int) -> Any:
    from sqms.monitoring import signal_selectors

    return signal_selectors.signal_get_for_user(user=request.user, pk=pk)


def _signal_move(request: HttpRequest, pk: int, to: str, reason: str) -> Any:
    from sqms.monitoring import signal_selectors, signal_services

    signal = signal_selectors.signal_get_for_user(user=request.user, pk=pk, write=True)
    signal_services.signal_transition(actor=api_user(request), signal=signal, to=to, reason=reason)
    return signal_selectors.signal_get_for_user(user=request.user, pk=pk)


@router.post(
    "/signals/{pk}/acknowledge/",
    response=SignalOut,
    url_name="monitoring_signal_acknowledge",
    summary="Acknowledge a signal (a reason is required)",
)
def signal_acknowledge(request: HttpRequest, pk: int, payload: SignalReasonIn) -> Any:
    return _signal_move(request, pk, "acknowledged", payload.reason)


@router.post(
    "/signals/{pk}/dismiss/",
    response=SignalOut,
    url_name="monitoring_signal_dismiss",
    summary="Dismiss a signal (a reason is required)",
)
def signal_dismiss(request: HttpRequest, pk: int, payload: SignalReasonIn) -> Any:
    return _signal_move(request, pk, "dismissed", payload.reason)


# --- dashboards and inspections (sqms.monitoring.dashboard_api) -------------------------------

from sqms.monitoring.dashboard_api import router as dashboard_router  # noqa: E402

router.add_router("", dashboard_router)
