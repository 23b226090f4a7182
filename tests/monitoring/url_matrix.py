"""Expected status codes of every monitoring URL, per persona (see tests/test_url_matrix.py)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.urls import reverse

from sqms.monitoring.models import ImportRun, RunStatus
from tests.monitoring.helpers import csv_text, make_org, make_source, run_file
from tests.url_matrix_codes import ALL, API, WRITERS

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
    return {
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
    }.get(name)
    if pk is not None:
        return reverse(name, kwargs={"pk": pk})
    if name in ("api:monitoring_record_batch", "api:monitoring_record_stream"):
        return reverse(name, kwargs={"source": "matrix"})
    if name in MATRIX:
        return reverse(name)
    return None
