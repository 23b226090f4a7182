"""Expected status codes of every monitoring URL, per persona (see tests/test_url_matrix.py)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.urls import reverse

from sqms.monitoring.models import ImportRun, RunStatus
from tests.monitoring.dashboard_factories import drilldown_url, make_dashboard_objects
from tests.monitoring.helpers import csv_text, make_org, make_source, run_file
from tests.monitoring.signal_factories import make_signal_objects
from tests.url_matrix_codes import ALL, API, POST_ONLY, WRITERS

API_POST_ONLY = (405,) * 7

MATRIX: dict[str, tuple[int, ...]] = {
    "monitoring:record_list": ALL,
    "monitoring:record_detail": ALL,
    "monitoring:source_list": ALL,
    "monitoring:source_create": WRITERS,
    "monitoring:source_edit": WRITERS,
    "monitoring:import_list": ALL,
    "monitoring:import_upload": WRITERS,
    "monitoring:import_detail": ALL,
    "monitoring:import_preview": WRITERS,
    "monitoring:import_progress": ALL,
    "monitoring:import_errors_csv": ALL,
    "api:monitoring_record_list": API,
    "api:monitoring_run_detail": API,
    "api:monitoring_record_batch": API_POST_ONLY,
    "api:monitoring_record_stream": API_POST_ONLY,
    "monitoring:dashboard": ALL,
    "monitoring:dashboard_drilldown": ALL,
    "monitoring:executive": ALL,
    "monitoring:inspection_list": ALL,
    "monitoring:inspection_create": WRITERS,
    "monitoring:inspection_detail": ALL,
    "monitoring:inspection_edit": WRITERS,
    "api:monitoring_dashboard": API,
    "api:monitoring_inspection_list": API,
    "api:monitoring_inspection_create": API,  # same path as the list; GET lists
    "api:monitoring_inspection_detail": API,
    "monitoring:signal_list": ALL,
    "monitoring:signal_detail": ALL,
    "monitoring:signal_acknowledge": POST_ONLY,
    "monitoring:signal_dismiss": POST_ONLY,
    "monitoring:signal_reopen": POST_ONLY,
    "monitoring:baseline_edit": ALL,
    "monitoring:standard_monitoring_edit": ALL,
    "monitoring:standard_subscribe": POST_ONLY,
    "api:monitoring_signal_list": API,
    "api:monitoring_signal_detail": API,
    "api:monitoring_signal_acknowledge": API_POST_ONLY,
    "api:monitoring_signal_dismiss": API_POST_ONLY,
}


def make_objects() -> dict[str, int]:
    org = make_org()
    source = make_source("matrix")
    folder = Path(tempfile.mkdtemp(prefix="sqms-matrix-"))
    path = folder / "records.csv"
    path.write_text(csv_text(org, [("C1", "x", "y", "", "bad", "", "", "")]), encoding="utf-8")
    done = run_file(path, source, policy="keep_good")
    pending = ImportRun.objects.create(
        source=source,
        file_name="pending.csv",
        stored_path=str(path),
        policy="keep_good",
        status=RunStatus.PENDING,
    )
    record = source.records.first()
    assert record is not None
    objects = make_dashboard_objects(org)
    objects |= make_signal_objects(objects["monitoring_standard"])
    return objects | {
        "monitoring_source": source.pk,
        "monitoring_record": record.pk,
        "monitoring_run": done.pk,
        "monitoring_pending": pending.pk,
    }


def url(name: str, objects: dict[str, int]) -> str | None:
    pk = {
        "monitoring:record_detail": objects["monitoring_record"],
        "monitoring:source_edit": objects["monitoring_source"],
        "monitoring:import_detail": objects["monitoring_run"],
        "monitoring:import_progress": objects["monitoring_run"],
        "monitoring:import_errors_csv": objects["monitoring_run"],
        "monitoring:import_preview": objects["monitoring_pending"],
        "api:monitoring_run_detail": objects["monitoring_run"],
        "monitoring:inspection_detail": objects["monitoring_inspection"],
        "monitoring:inspection_edit": objects["monitoring_inspection"],
        "api:monitoring_inspection_detail": objects["monitoring_inspection"],
        "monitoring:signal_detail": objects["monitoring_signal"],
        "monitoring:signal_acknowledge": objects["monitoring_signal"],
        "monitoring:signal_dismiss": objects["monitoring_signal"],
        "monitoring:signal_reopen": objects["monitoring_signal"],
        "api:monitoring_signal_detail": objects["monitoring_signal"],
        "api:monitoring_signal_acknowledge": objects["monitoring_signal"],
        "api:monitoring_signal_dismiss": objects["monitoring_signal"],
        "monitoring:baseline_edit": objects["monitoring_standard"],
        "monitoring:standard_monitoring_edit": objects["monitoring_standard"],
        "monitoring:standard_subscribe": objects["monitoring_standard"],
    }.get(name)
    if pk is not None:
        return reverse(name, kwargs={"pk": pk})
    if name in ("api:monitoring_record_batch", "api:monitoring_record_stream"):
        return reverse(name, kwargs={"source": "matrix"})
    if name == "monitoring:dashboard_drilldown":
        return drilldown_url(objects)
    if name in MATRIX:
        return reverse(name)
    return None
