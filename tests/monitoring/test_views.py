"""The import pages: upload → preview → confirm → report; records list and scoping."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sqms.core.roles import Role
from sqms.monitoring.models import ImportRun, RecordSource, RunStatus, ServiceRecord
from tests.factories import make_user
from tests.monitoring.helpers import csv_text, make_org, make_source, run_file, write

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(db):  # type: ignore[no-untyped-def]
    return make_org()


def test_it_uploads_previews_imports_and_reports(
    org, qm_client, django_capture_on_commit_callbacks
):
    source = make_source()
    bad = ("C9", org["service"].code, org["site"].code, "fax", "2026-03-01 10:00", "", "", "")
    data = csv_text(org, [bad]).encode("cp949")
    resp = qm_client.post(
        "/monitoring/imports/new/",
        {
            "source": source.pk,
            "file": SimpleUploadedFile("acd.csv", data, "text/csv"),
            "policy": "keep_good",
            "encoding": "auto",
        },
    )
    assert resp.status_code == 302, resp.content.decode()[:2000]
    run = ImportRun.objects.get()
    assert resp["Location"] == f"/monitoring/imports/{run.pk}/preview/"
    preview = qm_client.get(resp["Location"])
    page = preview.content.decode()
    assert "문의" in page
    assert "field-error" in page
    assert "Unknown channel" in page
    assert ServiceRecord.objects.count() == 0
    source.refresh_from_db()
    assert source.last_columns[0] == "external_id"
    with django_capture_on_commit_callbacks(execute=True):
        done = qm_client.post(resp["Location"])
    assert done["Location"] == f"/monitoring/imports/{run.pk}/"
    run.refresh_from_db()
    assert (run.status, run.rows_created, run.rows_failed) == (RunStatus.DONE, 3, 1)
    report = qm_client.get(done["Location"]).content.decode()
    assert "Unknown channel" in report
    assert "errors.csv" in report
    csv = b"".join(qm_client.get(f"/monitoring/imports/{run.pk}/errors.csv").streaming_content)
    assert b"channel" in csv
    assert b"5," in csv


def test_it_polls_progress_and_refreshes_when_done(org, qm_client, tmp_path):
    run = run_file(write(tmp_path, csv_text(org)), make_source())
    fragment = qm_client.get(f"/monitoring/imports/{run.pk}/progress/")
    assert fragment.status_code == 200
    assert b"<progress" in fragment.content
    assert b"<html" not in fragment.content
    htmx = qm_client.get(f"/monitoring/imports/{run.pk}/progress/", HTTP_HX_REQUEST="true")
    assert htmx["HX-Refresh"] == "true"
    ImportRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, progress=40)
    polling = qm_client.get(f"/monitoring/imports/{run.pk}/progress/", HTTP_HX_REQUEST="true")
    assert b'hx-trigger="every 1s"' in polling.content
    assert b'value="40"' in polling.content


def test_it_marks_a_repeated_external_id_in_the_preview_as_the_import_will(org, qm_client):
    sv, site = org["service"].code, org["site"].code
    again = ("C2", sv, site, "chat", "2026-03-05 10:00", "", "", "")
    bad = ("C8", "NOPE", site, "chat", "2026-03-05 10:00", "", "", "")
    after_bad = ("C8", sv, site, "chat", "2026-03-05 11:00", "", "", "")
    data = csv_text(org, [again, bad, after_bad]).encode()
    resp = qm_client.post(
        "/monitoring/imports/new/",
        {"source": make_source().pk, "file": SimpleUploadedFile("r.csv", data), "encoding": "auto"},
    )
    rows = qm_client.get(resp["Location"]).context["rows"]
    assert [r["number"] for r in rows if r["errors"]] == [5, 6]
    assert rows[3]["errors"] == [
        ("external_id", "External id “C2” is repeated; it was first seen on row 3.")
    ]
    assert rows[3]["cells"][0]["bad"]


def test_it_refuses_a_file_over_the_limit(org, qm_client, settings):
    settings.SQMS_IMPORT_MAX_BYTES = 100
    resp = qm_client.post(
        "/monitoring/imports/new/",
        {
            "source": make_source().pk,
            "file": SimpleUploadedFile("big.csv", b"x" * 500),
            "encoding": "auto",
        },
    )
    assert resp.status_code == 200
    assert ImportRun.objects.count() == 0


def test_it_shows_a_clear_problem_for_garbage_in_the_preview(org, qm_client):
    resp = qm_client.post(
        "/monitoring/imports/new/",
        {
            "source": make_source().pk,
            "file": SimpleUploadedFile("junk.csv", bytes(range(256)) * 100),
            "encoding": "auto",
        },
    )
    preview = qm_client.get(resp["Location"])
    assert preview.status_code == 200
    assert "binary data" in preview.content.decode()


def test_it_saves_the_column_mapping_per_source(org, qm_client):
    source = make_source(mapping={})
    RecordSource.objects.filter(pk=source.pk).update(last_columns=["접수번호", "접수일시"])
    form = qm_client.get(f"/monitoring/sources/{source.pk}/edit/").content.decode()
    assert "접수번호" in form
    resp = qm_client.post(
        f"/monitoring/sources/{source.pk}/edit/",
        {
            "name": "ACD",
            "policy": "keep_good",
            "time_zone": "Asia/Seoul",
            "map_external_id": "접수번호",
            "map_received_at": "접수일시",
        },
    )
    assert resp.status_code == 302
    source.refresh_from_db()
    assert source.mapping == {"external_id": "접수번호", "received_at": "접수일시"}
    assert source.policy == "keep_good"


def test_it_maps_the_columns_from_the_preview_and_comes_back_to_it(org, qm_client):
    source = make_source(mapping={})
    text = csv_text(org).replace("external_id", "접수번호").replace("received_at", "접수일시")
    resp = qm_client.post(
        "/monitoring/imports/new/",
        {
            "source": source.pk,
            "file": SimpleUploadedFile("acd.csv", text.encode("cp949"), "text/csv"),
            "encoding": "auto",
        },
    )
    preview_url = resp["Location"]
    qm_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ko"
    page = qm_client.get(preview_url).content.decode()
    # the missing fields by their names, and the file's own columns to choose from
    assert "외부 ID “external_id”" in page
    assert "접수 일시 “received_at”" in page
    assert "접수번호" in page
    edit = f"/monitoring/sources/{source.pk}/edit/?next={quote(preview_url)}"
    assert f'href="{edit}"' in page
    form = qm_client.get(edit).content.decode()
    assert f'href="{preview_url}"' in form  # Cancel goes back to the preview
    fields = {
        "name": source.name,
        "policy": "keep_good",
        "time_zone": "Asia/Seoul",
        "map_external_id": "접수번호",
        "map_received_at": "접수일시",
    }
    saved = qm_client.post(edit, fields)
    assert saved["Location"] == preview_url
    page = qm_client.get(preview_url).content.decode()
    assert "errorlist" not in page
    assert 'type="submit">가져오기<' in page
    # a next outside the site is ignored
    away = qm_client.post(
        f"/monitoring/sources/{source.pk}/edit/?next=https://example.org/", fields
    )
    assert away["Location"] == "/monitoring/sources/"


def test_it_limits_site_scoped_users_to_their_sites(org, tmp_path):
    sv, other = org["service"].code, org["other"].code
    text = csv_text(org, [("O1", sv, other, "", "2026-03-01 10:00", "", "", "")])
    run_file(write(tmp_path, text), make_source())
    user = make_user(Role.QUALITY_MANAGER, sites=[org["site"]])
    client = Client()
    client.force_login(user)
    page = client.get("/monitoring/records/").content.decode()
    assert ">C1<" in page
    assert ">O1<" not in page
    hidden = ServiceRecord.objects.get(external_id="O1")
    assert client.get(f"/monitoring/records/{hidden.pk}/").status_code == 404
    run = ImportRun.objects.get()
    assert client.get(f"/monitoring/imports/{run.pk}/").status_code == 404


def test_it_lists_records_in_a_constant_number_of_queries(org, qm_client, tmp_path):
    source = make_source()
    run_file(write(tmp_path, csv_text(org, n=3)), source)
    with CaptureQueriesContext(connection) as few:
        assert qm_client.get("/monitoring/records/").status_code == 200
    run_file(write(tmp_path, csv_text(org, n=8), "more.csv"), source)
    with CaptureQueriesContext(connection) as many:
        assert qm_client.get("/monitoring/records/?channel=phone").status_code == 200
    assert len(many) == len(few)


def test_it_filters_records(org, qm_client, tmp_path):
    run_file(write(tmp_path, csv_text(org, n=3)), make_source())
    page = qm_client.get("/monitoring/records/?received_from=2026-03-03&received_to=2026-03-03")
    text = page.content.decode()
    assert ">C2<" in text
    assert ">C1<" not in text
    assert ">C3<" not in text


def test_it_forbids_read_only_roles_to_import(org, client_for):
    resp = client_for(Role.STAFF).post("/monitoring/imports/new/", {})
    assert resp.status_code == 403
