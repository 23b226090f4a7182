from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sqms.core.roles import Role
from sqms.improvement import services
from sqms.improvement.models import ActionStatus, NcStatus, Nonconformance, SourceType
from tests.documents.factories import pdf_upload
from tests.factories import make_service, make_site, make_user
from tests.improvement.factories import advance, make_nc

LIST = reverse("improvement:nonconformance_list")
NEW = reverse("improvement:nonconformance_create")


@pytest.fixture
def qm(users):
    return users[Role.QUALITY_MANAGER]


def _detail(nc, tab=""):
    url = reverse("improvement:nonconformance_detail", kwargs={"pk": nc.pk})
    return f"{url}?tab={tab}" if tab else url


def test_it_lets_staff_report_a_nonconformance_as_a_staff_report(client_for, users):
    client = client_for(Role.STAFF)
    page = client.get(NEW)
    assert page.status_code == 200
    assert 'name="source_type"' not in page.content.decode()
    r = client.post(NEW, {"title": "안내 오류", "severity": "minor", "source_type": "signal"})
    assert r.status_code == 302
    nc = Nonconformance.objects.get()
    assert nc.source_type == SourceType.STAFF_REPORT
    assert nc.reported_by == users[Role.STAFF]
    assert nc.status == NcStatus.OPEN
    # …but may not move it on.
    r = client.post(
        reverse("improvement:nonconformance_transition", kwargs={"pk": nc.pk}),
        {"to": "cancelled", "reason": "x"},
    )
    assert r.status_code == 403


def test_it_keeps_the_source_a_writer_chooses(client_for):
    client = client_for(Role.PROCESS_OWNER)
    r = client.post(
        NEW, {"title": "감사 지적", "severity": "major", "source_type": "audit_finding"}
    )
    assert r.status_code == 302
    assert Nonconformance.objects.get().source_type == SourceType.AUDIT_FINDING


def test_it_moves_through_the_buttons_and_shows_only_allowed_moves(qm, client_for):
    nc = make_nc(qm, containment="봉쇄")
    owner = client_for(Role.PROCESS_OWNER)
    html = owner.get(_detail(nc)).content.decode()
    assert 'value="contained"' in html
    assert 'value="cancelled"' not in html  # process owners may not cancel
    assert 'value="cancelled"' in client_for(Role.QUALITY_MANAGER).get(_detail(nc)).content.decode()
    assert "Next steps" not in client_for(Role.AUDITOR).get(_detail(nc)).content.decode()
    url = reverse("improvement:nonconformance_transition", kwargs={"pk": nc.pk})
    assert owner.post(url, {"to": "contained"}).status_code == 302
    nc.refresh_from_db()
    assert nc.status == NcStatus.CONTAINED
    r = owner.post(url, {"to": "closed"}, follow=True)
    assert "cannot become" in r.content.decode() or "signature" in r.content.decode()


@pytest.mark.parametrize(
    "tab", ["details", "containment", "rootcause", "actions", "effectiveness", "history"]
)
def test_it_renders_every_tab(qm, client_for, tab):
    nc = advance(make_nc(qm), NcStatus.VERIFIED, actor=qm)
    services.why_add(actor=qm, nc=nc, text="왜")
    page = client_for(Role.AUDITOR).get(_detail(nc, tab))
    assert page.status_code == 200


def test_it_hides_other_sites_records_from_a_scoped_user(db):
    qm = make_user(Role.QUALITY_MANAGER)
    mine, theirs = make_site(), make_site()
    scoped = make_user(Role.PROCESS_OWNER, sites=[mine])
    visible = make_nc(qm, site=mine, title="우리 센터")
    hidden = make_nc(qm, site=theirs, title="다른 센터")
    client = Client()
    client.force_login(scoped)
    html = client.get(LIST).content.decode()
    assert visible.number in html
    assert hidden.number not in html
    assert client.get(_detail(hidden)).status_code == 404
    assert client.get(_detail(visible)).status_code == 200
    api = client.get(reverse("api:nonconformance_detail", kwargs={"pk": hidden.pk}))
    assert api.status_code == 404


def test_it_filters_and_searches_the_list(qm, client_for):
    site = make_site()
    service = make_service([site])
    a = make_nc(qm, title="대기시간 초과", severity="major", service=service, site=site)
    b = make_nc(qm, title="안내 오류", source_type=SourceType.COMPLAINT)
    client = client_for(Role.EXECUTIVE)
    for query, shown, hidden in [
        ({"q": "대기"}, a, b),
        ({"severity": "major"}, a, b),
        ({"source_type": "complaint"}, b, a),
        ({"service": service.pk}, a, b),
        ({"site": site.pk}, a, b),
        ({"status": "open"}, a, None),
    ]:
        html = client.get(LIST, query).content.decode()
        assert shown.number in html
        if hidden:
            assert hidden.number not in html


def test_it_lists_with_a_constant_number_of_queries(qm, client_for):
    client = client_for(Role.QUALITY_MANAGER)
    site = make_site()
    service = make_service([site])
    first = make_nc(qm, service=service, site=site)
    client.get(LIST)
    with CaptureQueriesContext(connection) as few:
        assert client.get(LIST).status_code == 200
    for _ in range(15):
        make_nc(qm, service=service, site=site)
    services.nonconformance_update(actor=qm, nc=first, fields={"title": "변경"})
    with CaptureQueriesContext(connection) as many:
        assert client.get(LIST).status_code == 200
    assert len(many) == len(few)


def test_it_lets_an_action_owner_record_progress(qm, client_for, users):
    staff = users[Role.STAFF]
    nc = advance(make_nc(qm), NcStatus.ANALYSED, actor=qm)
    action = services.action_create(
        actor=qm,
        nc=nc,
        kind="corrective",
        title="스크립트 수정",
        owner=staff,
        due_on=timezone.localdate() + dt.timedelta(days=5),
        change_target="training",
        change_description="신규 스크립트 교육",
    )
    client = client_for(Role.STAFF)
    mine = client.get(reverse("improvement:action_list")).content.decode()
    assert "스크립트 수정" in mine
    url = reverse("improvement:action_update", kwargs={"pk": action.pk})
    assert client.post(url, {"op": "note", "text": "초안 완료"}).status_code == 302
    assert client.post(url, {"op": "evidence", "file": pdf_upload()}).status_code == 302
    assert client.post(url, {"op": "status", "status": "done"}).status_code == 302
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE
    assert action.completed_on == timezone.localdate()
    assert action.notes.count() == 1
    assert action.evidence.count() == 1
    other = client_for(Role.AUDITOR)
    assert other.post(url, {"op": "note", "text": "x"}).status_code == 403
    evidence = action.evidence.get()
    download = other.get(reverse("improvement:evidence_download", kwargs={"pk": evidence.pk}))
    assert download.status_code == 200


def test_it_adds_an_action_from_the_page(qm, client_for):
    nc = make_nc(qm)
    client = client_for(Role.PROCESS_OWNER)
    url = reverse("improvement:action_create", kwargs={"pk": nc.pk})
    data = {
        "kind": "preventive",
        "title": "예방 점검",
        "owner": qm.pk,
        "due_on": (timezone.localdate() + dt.timedelta(days=7)).isoformat(),
        "change_target": "standard",
        "change_description": "응답시간 표준",
    }
    assert client.post(url, data).status_code == 302
    assert nc.actions.get().change_target == "standard"


def test_it_links_an_action_to_the_record_it_changed(qm):
    nc = make_nc(qm)
    action = services.action_create(
        actor=qm, nc=nc, kind="corrective", title="t", owner=qm, due_on=timezone.localdate()
    )
    site = make_site()
    action = services.action_link_target(actor=qm, action=action, target=site)
    assert action.target == site


def test_it_creates_and_moves_nonconformances_through_the_api(users):
    client = Client()
    client.force_login(users[Role.STAFF])
    r = client.post(
        reverse("api:nonconformance_create"),
        {"title": "API 보고", "source_type": "incident"},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["source_type"] == "staff_report"
    assert body["number"].startswith("NC-")
    r = client.post(
        reverse("api:nonconformance_transition", kwargs={"pk": body["id"]}),
        {"to": "contained"},
        content_type="application/json",
    )
    assert r.status_code == 403
    qm = Client()
    qm.force_login(users[Role.QUALITY_MANAGER])
    url = reverse("api:nonconformance_transition", kwargs={"pk": body["id"]})
    r = qm.post(url, {"to": "contained"}, content_type="application/json")
    assert r.status_code in (400, 409, 422)
    assert r["Content-Type"].startswith("application/problem+json")
    r = qm.post(url, {"to": "cancelled", "reason": "중복"}, content_type="application/json")
    assert r.status_code == 200
    assert r.json()["status"] == "cancelled"
    listed = qm.get(reverse("api:nonconformance_list"), {"status": "cancelled"}).json()
    assert [row["id"] for row in listed["items"]] == [body["id"]]


def test_it_closes_through_the_api_with_the_password(qm, users):
    from tests.factories import PASSWORD

    nc = advance(make_nc(qm), NcStatus.VERIFIED, actor=qm)
    client = Client()
    client.force_login(qm)
    url = reverse("api:nonconformance_transition", kwargs={"pk": nc.pk})
    data = {"to": "closed", "printed_name": "김", "meaning": "종결", "password": "nope"}
    assert client.post(url, data, content_type="application/json").status_code >= 400
    data["password"] = PASSWORD
    r = client.post(url, data, content_type="application/json")
    assert r.status_code == 200
    assert r.json()["status"] == "closed"


def test_it_shows_the_nav_item_to_readers(client_for):
    html = client_for(Role.EXECUTIVE).get(LIST).content.decode()
    assert reverse("improvement:action_list") in html
