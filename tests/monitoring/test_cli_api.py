"""The `sqms import-records` command and the JSON batch and NDJSON API."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from sqms.core.roles import Role
from sqms.monitoring.models import ImportRun, RecordSource, RunStatus, ServiceRecord
from tests.monitoring.helpers import csv_text, make_org, make_source, write

pytestmark = pytest.mark.django_db
API = "/api/v1/monitoring"


@pytest.fixture
def org(db):  # type: ignore[no-untyped-def]
    return make_org()


def test_it_imports_from_the_command_line_with_a_progress_bar(org, tmp_path):
    path = write(tmp_path, csv_text(org, n=4))
    out, err = StringIO(), StringIO()
    call_command(
        "import_records", str(path), "--source", "ACD", "--create-source", stdout=out, stderr=err
    )
    assert "4 created" in out.getvalue()
    # not a terminal (a log): whole lines, no carriage returns, the full bar last
    assert "\r" not in err.getvalue()
    assert err.getvalue().splitlines()[-1] == "[" + "#" * 30 + "] 100%  4 rows"
    assert RecordSource.objects.get().name == "ACD"
    call_command("import_records", str(path), "--source", "ACD", stdout=out, stderr=err)
    assert "4 unchanged" in out.getvalue()


def test_it_redraws_the_bar_in_place_on_a_terminal_in_korean(org, tmp_path, settings):
    class Terminal(StringIO):
        def isatty(self) -> bool:
            return True

    settings.LANGUAGE_CODE = "ko"
    path = write(tmp_path, csv_text(org, n=1200))
    err = Terminal()
    with translation.override("ko"):
        call_command(
            "import_records", str(path), "--source", "ACD", "--create-source",
            stdout=StringIO(), stderr=err,
        )  # fmt: skip
    text = err.getvalue()
    assert text.startswith("\r[")
    assert text.endswith("\r[" + "#" * 30 + "] 100%  1,200행\n")
    assert text.count("\n") == 1


def test_it_shows_no_bar_when_asked_not_to(org, tmp_path):
    err = StringIO()
    call_command(
        "import_records", str(write(tmp_path, csv_text(org))), "--source", "ACD",
        "--create-source", "--no-progress", stdout=StringIO(), stderr=err,
    )  # fmt: skip
    assert "%" not in err.getvalue()


def test_it_exits_with_code_2_on_rejection(org, tmp_path):
    make_source()
    path = write(tmp_path, csv_text(org).replace("site", "place"))
    with pytest.raises(CommandError) as caught:
        call_command(
            "import_records",
            str(path),
            "--source",
            "ACD",
            "--policy",
            "reject",
            stdout=StringIO(),
            stderr=StringIO(),
        )
    assert caught.value.returncode == 2
    assert "site" in str(caught.value)
    assert ServiceRecord.objects.count() == 0


def test_it_refuses_an_unknown_source(org, tmp_path):
    with pytest.raises(CommandError, match="--create-source"):
        call_command("import_records", str(write(tmp_path, "a")), "--source", "nope")


def _item(org, n: int, **extra):  # type: ignore[no-untyped-def]
    return {
        "external_id": f"A{n}",
        "service": org["service"].code,
        "site": org["site"].code,
        "channel": "chat",
        "received_at": "2026-03-01T09:00:00+09:00",
        "first_response_at": "2026-03-01T09:00:30+09:00",
        "resolved_first_contact": True,
        "extra": {"csat": 5},
        **extra,
    }


def test_it_imports_a_json_batch_idempotently(org, qm_client):
    make_source()
    body = [_item(org, 1), _item(org, 2)]
    resp = qm_client.post(
        f"{API}/sources/ACD/records/", json.dumps(body), content_type="application/json"
    )
    assert resp.status_code == 200, resp.content
    assert (resp.json()["rows_created"], resp.json()["status"]) == (2, "done")
    assert ServiceRecord.objects.get(external_id="A1").extra == {"csat": 5}
    again = qm_client.post(
        f"{API}/sources/ACD/records/", json.dumps(body), content_type="application/json"
    )
    assert again.json()["rows_unchanged"] == 2


def test_it_reports_batch_errors_with_index_and_field(org, qm_client):
    make_source()
    body = [_item(org, 1), _item(org, 2, received_at="yesterday"), "junk"]
    resp = qm_client.post(
        f"{API}/sources/ACD/records/?policy=keep", json.dumps(body), content_type="application/json"
    )
    data = resp.json()
    assert resp.status_code == 200
    assert data["rows_created"] == 1
    assert [(e["index"], e["field"]) for e in data["errors"]] == [(1, "received_at"), (2, "")]
    rejected = qm_client.post(
        f"{API}/sources/ACD/records/?policy=reject",
        json.dumps(body),
        content_type="application/json",
    )
    assert rejected.status_code == 422
    assert rejected.json()["status"] == "rejected"


@pytest.mark.parametrize("body", [b"{", b'{"a": 1}', b"\xff\xfe", b'["\\u0000"]'])
def test_it_answers_bad_batches_without_a_server_error(org, qm_client, body):
    make_source()
    resp = qm_client.post(f"{API}/sources/ACD/records/", body, content_type="application/json")
    assert resp.status_code in (400, 422)


def test_it_rejects_nul_characters(org, qm_client):
    make_source()
    body = [_item(org, 1, category="a\u0000b", extra={"x": "\u0000"})]
    resp = qm_client.post(
        f"{API}/sources/ACD/records/", json.dumps(body), content_type="application/json"
    )
    assert resp.status_code == 422
    assert ServiceRecord.objects.count() == 0


def test_it_imports_an_ndjson_stream(org, qm_client):
    make_source()
    lines = [json.dumps(_item(org, n)) for n in range(1, 4)] + ["not json"]
    body = ("\n".join(lines) + "\n").encode()
    resp = qm_client.post(
        f"{API}/sources/ACD/records.ndjson?policy=keep", body, content_type="application/x-ndjson"
    )
    data = resp.json()
    assert resp.status_code == 200, data
    assert data["rows_created"] == 3
    assert data["errors"][0]["line"] == 4
    detail = qm_client.get(f"{API}/runs/{data['id']}/").json()
    assert detail["rows_failed"] == 1
    listed = qm_client.get(f"{API}/records/?channel=chat").json()
    assert listed["count"] == 3


def test_it_forbids_read_only_roles_to_post_records(org, client_for):
    make_source()
    resp = client_for(Role.STAFF).post(
        f"{API}/sources/ACD/records/", "[]", content_type="application/json"
    )
    assert resp.status_code == 403
    assert ImportRun.objects.count() == 0
    missing = client_for(Role.ADMIN).post(
        f"{API}/sources/none/records/", "[]", content_type="application/json"
    )
    assert missing.status_code == 404


def test_it_rejects_an_oversized_stream(org, qm_client, settings):
    make_source()
    settings.SQMS_IMPORT_MAX_BYTES = 50
    resp = qm_client.post(
        f"{API}/sources/ACD/records.ndjson", b"x" * 500, content_type="application/x-ndjson"
    )
    assert resp.status_code == 413
    assert RunStatus.DONE not in ImportRun.objects.values_list("status", flat=True)
