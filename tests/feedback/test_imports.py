"""CSV import of responses from other systems: checks, error policies, encodings, idempotency."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from sqms.core.models import AuditEntry
from sqms.core.roles import Role
from sqms.feedback import imports
from sqms.feedback.models import (
    Answer,
    ImportPolicy,
    ImportStatus,
    Response,
    ResponseImport,
)
from tests.factories import make_service, make_site, make_user
from tests.feedback.factories import make_survey, questions

pytestmark = pytest.mark.django_db

HEADER = "external_id,submitted_at,service,site,channel,language,q1,q2,q3\n"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def setup() -> dict[str, Any]:
    site = make_site(code="SEL")
    service = make_service(sites=[site])
    survey = make_survey()
    return {"site": site, "service": service, "survey": survey}


def _csv(setup: dict[str, Any], *rows: str) -> bytes:
    svc = setup["service"].code
    body = HEADER + "".join(r.replace("{svc}", svc) + "\n" for r in rows)
    return body.encode("utf-8")


GOOD = (
    "A-1,2026-01-05 10:00,{svc},SEL,phone,ko,5,10,",
    "A-2,2026/01/06 11:30,{svc},SEL,chat,en,1,3,대기 시간이 너무 길었어요",
)


def _create(setup: dict[str, Any], data: bytes, **kw: Any) -> ResponseImport:
    return imports.response_import_create(
        actor=None, survey=setup["survey"], file_name="ext.csv", data=data, **kw
    )


def _errors(imp: ResponseImport) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.reason) for e in imp.errors.all()]


def test_it_imports_a_good_file_with_its_answers_and_audit(setup: dict[str, Any]) -> None:
    imp = _create(setup, _csv(setup, *GOOD))
    assert imp.status == ImportStatus.PENDING
    assert (imp.rows_total, imp.rows_valid, imp.rows_failed) == (2, 2, 0)
    assert Response.objects.filter(survey=setup["survey"]).count() == 0  # nothing yet
    imp = imports.response_import_run(actor=None, response_import=imp)
    assert imp.status == ImportStatus.DONE
    assert imp.rows_created == 2
    r1 = Response.objects.get(external_id="A-1")
    assert (r1.site, r1.service, r1.channel, r1.language) == (
        setup["site"],
        setup["service"],
        "phone",
        "ko",
    )
    assert r1.submitted_at.isoformat() == "2026-01-05T01:00:00+00:00"  # Asia/Seoul → UTC
    q = questions(setup["survey"])
    r2 = Response.objects.get(external_id="A-2")
    assert {a.question_id: a.display() for a in r2.answers.all()} == {
        q[0].pk: 1,
        q[1].pk: 3,
        q[2].pk: "대기 시간이 너무 길었어요",
    }
    assert AuditEntry.objects.filter(object_id=str(r1.pk), action="create").exists()
    assert [m[0] for m in imp.columns] == [
        "external_id",
        "submitted_at",
        "service",
        "site",
        "channel",
        "language",
        "q1",
        "q2",
        "q3",
    ]


BROKEN = (
    "B-1,2026-01-05 10:00,{svc},SEL,phone,ko,5,10,",
    "B-2,yesterday,{svc},SEL,phone,ko,5,10,",  # date
    "B-3,2026-01-05 10:00,NOPE,SEL,phone,ko,5,10,",  # service
    "B-4,2026-01-05 10:00,{svc},XXX,phone,ko,5,10,",  # site
    "B-5,2026-01-05 10:00,{svc},SEL,phone,ko,6,11,",  # both scores out of range
    "B-1,2026-01-05 10:00,{svc},SEL,phone,ko,4,8,",  # duplicate id
    "B-7,2026-01-05 10:00,{svc},SEL,fax,ko,,8,",  # channel, missing required CSAT
)


def test_it_rejects_the_whole_file_and_reports_every_error(setup: dict[str, Any]) -> None:
    imp = _create(setup, _csv(setup, *BROKEN), policy=ImportPolicy.REJECT_ALL)
    assert (imp.rows_total, imp.rows_valid, imp.rows_failed) == (7, 1, 6)
    imp = imports.response_import_run(actor=None, response_import=imp)
    assert imp.status == ImportStatus.REJECTED
    assert not Response.objects.filter(external_id__startswith="B-").exists()
    got = {(row, column) for row, column, _reason in _errors(imp)}
    assert got == {
        (3, "submitted_at"),
        (4, "service"),
        (5, "site"),
        (6, "q1"),
        (6, "q2"),
        (7, "external_id"),
        (8, "channel"),
        (8, "q1"),
    }
    reasons = {(r, c): m for r, c, m in _errors(imp)}
    assert "11" in reasons[(6, "q2")]
    assert "0" in reasons[(6, "q2")]
    assert "10" in reasons[(6, "q2")]
    assert "2행" in reasons[(7, "external_id")]
    assert "NOPE" in reasons[(4, "service")]


def test_it_keeps_the_good_rows_under_the_keep_good_policy(setup: dict[str, Any]) -> None:
    imp = _create(setup, _csv(setup, *BROKEN), policy=ImportPolicy.KEEP_GOOD)
    imp = imports.response_import_run(actor=None, response_import=imp)
    assert imp.status == ImportStatus.DONE
    assert imp.rows_created == 1
    assert imp.rows_failed == 6
    assert list(Response.objects.values_list("external_id", flat=True)) == ["B-1"]
    assert imp.errors.count() == 8


def test_it_reads_a_cp949_file(setup: dict[str, Any]) -> None:
    svc = setup["service"].code
    text = (
        "외부_ID,제출일시,서비스,사업장,q1,q2,q3\n"
        f"K-1,2026-02-01 09:00,{svc},SEL,2,4,직원이 불친절했습니다\n"
    )
    imp = _create(setup, text.encode("cp949"))
    assert imp.status == ImportStatus.PENDING, _errors(imp)
    imports.response_import_run(actor=None, response_import=imp)
    answer = Answer.objects.get(response__external_id="K-1", question__kind="text")
    assert answer.text == "직원이 불친절했습니다"


def test_it_rejects_a_file_in_the_wrong_encoding_with_the_line(setup: dict[str, Any]) -> None:
    text = "external_id,submitted_at,q1,q2\nK-1,2026-02-01 09:00,5,9\nK-2,2026-02-01,5,9,가나\n"
    imp = _create(setup, text.encode("cp949"), encoding="utf-8")
    assert imp.status == ImportStatus.REJECTED
    assert "3번째 줄" in _errors(imp)[0][2]


def test_it_rejects_unknown_and_missing_columns(setup: dict[str, Any]) -> None:
    imp = _create(setup, b"external_id,q1,q9,colour\nX,5,5,red\n")
    assert imp.status == ImportStatus.REJECTED
    assert {c for _r, c, _m in _errors(imp)} == {"q9", "colour", "submitted_at"}
    assert Response.objects.count() == 0


def test_it_refuses_files_over_the_size_limit(setup: dict[str, Any]) -> None:
    with pytest.raises(imports.SqmsError):
        _create(setup, b"x" * (imports.MAX_BYTES + 1))


def test_it_skips_rows_already_imported(setup: dict[str, Any]) -> None:
    data = _csv(setup, *GOOD)
    imports.response_import_run(actor=None, response_import=_create(setup, data))
    again = _create(setup, data)
    assert (again.rows_valid, again.rows_skipped) == (0, 2)
    again = imports.response_import_run(actor=None, response_import=again)
    assert again.status == ImportStatus.DONE
    assert again.rows_created == 0
    assert Response.objects.count() == 2
    with pytest.raises(imports.SqmsError):  # an import runs once
        imports.response_import_run(actor=None, response_import=again)


def test_it_neutralises_formulas_in_the_report_download(setup: dict[str, Any]) -> None:
    imp = _create(setup, b"external_id,submitted_at,=cmd|' /C calc'!A0\nX,2026-01-05,1\n")
    client = Client()
    client.force_login(make_user(Role.QUALITY_MANAGER))
    res = client.get(reverse("feedback:import_report", kwargs={"pk": imp.pk}))
    assert res.status_code == 200
    body = b"".join(res.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == ["Row", "Column", "Reason"] or len(rows[0]) == 3
    assert rows[1][:2] == ["1", "'=cmd|' /C calc'!A0"]


def test_it_lets_writers_upload_and_run_through_the_pages(setup: dict[str, Any]) -> None:
    client = Client()
    client.force_login(make_user(Role.QUALITY_MANAGER))
    upload = io.BytesIO(_csv(setup, *GOOD))
    upload.name = "ext.csv"
    res = client.post(
        reverse("feedback:import_upload"),
        {
            "survey": setup["survey"].pk,
            "file": upload,
            "policy": "reject_all",
            "encoding": "auto",
        },
    )
    assert res.status_code == 302, res.content.decode()[:2000]
    imp = ResponseImport.objects.get()
    page = client.get(res["Location"])
    assert page.status_code == 200
    assert "A-2" in page.content.decode()
    client.post(reverse("feedback:import_run", kwargs={"pk": imp.pk}))
    imp.refresh_from_db()
    assert imp.status == ImportStatus.DONE
    assert Response.objects.count() == 2


def test_it_refuses_readers_and_hides_other_users_imports_from_site_limited_writers(
    setup: dict[str, Any],
) -> None:
    imp = _create(setup, _csv(setup, *GOOD))
    staff = Client()
    staff.force_login(make_user(Role.STAFF))
    assert staff.get(reverse("feedback:import_upload")).status_code == 403
    assert staff.post(reverse("feedback:import_run", kwargs={"pk": imp.pk})).status_code == 403
    limited = Client()
    user = make_user(Role.QUALITY_MANAGER, sites=[make_site()])
    limited.force_login(user)
    assert limited.get(reverse("feedback:import_detail", kwargs={"pk": imp.pk})).status_code == 404
    assert ResponseImport.objects.get().status == ImportStatus.PENDING


def test_it_refuses_rows_of_other_sites_for_site_limited_writers(setup: dict[str, Any]) -> None:
    own = make_site(code="OWN")
    user = make_user(Role.QUALITY_MANAGER, sites=[own])
    data = _csv(setup, "L-1,2026-01-05,{svc},OWN,,,5,9,", "L-2,2026-01-05,{svc},SEL,,,5,9,")
    imp = imports.response_import_create(
        actor=user, survey=setup["survey"], file_name="l.csv", data=data, policy="keep_good"
    )
    assert (imp.rows_valid, imp.rows_failed) == (1, 1)
    assert _errors(imp)[0][:2] == (3, "site")


def test_it_refuses_a_survey_that_is_not_active(setup: dict[str, Any]) -> None:
    draft = make_survey(active=False)
    with pytest.raises(imports.SqmsError):
        imports.response_import_create(
            actor=None, survey=draft, file_name="x.csv", data=_csv(setup, *GOOD)
        )


def test_it_shows_why_a_file_was_rejected_on_its_page(
    qm_client: Client, setup: dict[str, Any]
) -> None:
    upload = io.BytesIO("external_id,제출일,q1\nX,2026-01-05,<script>x</script>\n".encode("cp949"))
    upload.name = "bad.csv"
    res = qm_client.post(
        reverse("feedback:import_upload"),
        {"survey": setup["survey"].pk, "file": upload, "policy": "keep_good", "encoding": "auto"},
    )
    imp = ResponseImport.objects.get()
    assert imp.status == ImportStatus.REJECTED
    page = qm_client.get(res["Location"]).content.decode()
    assert "제출일" in page
    assert "submitted_at" in page
    assert "<script>x" not in page
    assert Response.objects.count() == 0


def test_it_escapes_scripts_in_the_preview(qm_client: Client, setup: dict[str, Any]) -> None:
    data = _csv(setup, "S-1,2026-01-05,{svc},SEL,,,1,2,<script>alert(1)</script>")
    imp = _create(setup, data)
    page = qm_client.get(reverse("feedback:import_detail", kwargs={"pk": imp.pk}))
    html = page.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html
