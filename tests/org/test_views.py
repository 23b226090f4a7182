from __future__ import annotations

import pytest
from django.test import Client

from sqms.core.models import AuditEntry
from sqms.core.roles import Role
from sqms.org.models import Employee, Site
from tests.factories import make_employee, make_service, make_site, make_team, make_user

pytestmark = pytest.mark.django_db


def test_it_creates_an_employee_through_the_form_and_logs_it(qm_client):
    team = make_team()
    response = qm_client.post(
        "/org/employees/new/",
        {
            "employee_no": "E-77",
            "name": "김민준",
            "site": team.site_id,
            "team": team.pk,
        },
    )
    employee = Employee.objects.get(employee_no="E-77")
    assert response.status_code == 302
    assert response["Location"] == f"/org/employees/{employee.pk}/"
    entry = AuditEntry.objects.filter(
        content_type__model="employee", object_id=str(employee.pk)
    ).get()
    assert entry.action == "create"
    history = qm_client.get(f"/org/employees/{employee.pk}/", {"tab": "history"}).content.decode()
    assert "김민준" in history


def test_it_keeps_what_was_typed_and_names_the_field_on_errors(qm_client):
    existing = make_employee()
    other_site_team = make_team()
    response = qm_client.post(
        "/org/employees/new/",
        {
            "employee_no": existing.employee_no,
            "name": "이서연",
            "site": existing.site_id,
            "team": other_site_team.pk,
            "email": "not-an-email",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'value="이서연"' in body
    assert 'id="id_employee_no_error"' in body
    assert 'id="id_email_error"' in body
    assert "This team belongs to another site." in body
    assert Employee.objects.count() == 1


def test_it_edits_and_archives_with_a_reason(qm_client):
    site = make_site()
    response = qm_client.post(
        f"/org/sites/{site.pk}/edit/",
        {
            "code": site.code,
            "name": "새 이름",
            "time_zone": "Asia/Seoul",
        },
    )
    assert response.status_code == 302
    no_reason = qm_client.post(f"/org/sites/{site.pk}/archive/", {"reason": " "})
    assert no_reason.status_code == 400
    archived = qm_client.post(f"/org/sites/{site.pk}/archive/", {"reason": "통합"})
    assert archived.status_code == 302
    site.refresh_from_db()
    assert site.name == "새 이름"
    assert site.is_archived
    last = AuditEntry.objects.order_by("-seq").first()
    assert last is not None
    assert last.reason == "통합"
    link = f'href="/org/sites/{site.pk}/"'
    assert link not in qm_client.get("/org/sites/").content.decode()
    assert link in qm_client.get("/org/sites/", {"archived": "on"}).content.decode()
    qm_client.post(f"/org/sites/{site.pk}/archive/", {"reason": "재개"})
    site.refresh_from_db()
    assert not site.is_archived


@pytest.mark.parametrize("role", [Role.PROCESS_OWNER, Role.STAFF, Role.AUDITOR, Role.EXECUTIVE])
def test_it_forbids_writes_to_read_only_roles(client_for, role):
    site = make_site()
    client = client_for(role)
    assert (
        client.post(
            "/org/sites/new/", {"code": "N", "name": "N", "time_zone": "Asia/Seoul"}
        ).status_code
        == 403
    )
    assert client.post(f"/org/sites/{site.pk}/edit/", {"code": "X", "name": "X"}).status_code == 403
    assert client.post(f"/org/sites/{site.pk}/archive/", {"reason": "x"}).status_code == 403
    assert not Site.objects.filter(code__in=["N", "X"]).exists()


def test_it_hides_other_sites_from_a_site_limited_user():
    mine, other = make_site(name="부산"), make_site(name="대구")
    mine_emp, other_emp = make_employee(site=mine), make_employee(site=other)
    manager = make_user(Role.QUALITY_MANAGER, sites=[mine])
    client = Client()
    client.force_login(manager)
    listed = client.get("/org/employees/").content.decode()
    assert mine_emp.name in listed
    assert other_emp.name not in listed
    assert client.get(f"/org/employees/{other_emp.pk}/").status_code == 404
    assert client.post(f"/org/employees/{other_emp.pk}/edit/", {"name": "x"}).status_code == 404
    assert client.get(f"/org/sites/{other.pk}/").status_code == 404
    # Their own site's records they may change, organisation-wide ones they may not.
    assert client.get(f"/org/employees/{mine_emp.pk}/edit/").status_code == 200
    service = make_service([mine])
    assert client.get(f"/org/services/{service.pk}/").status_code == 200
    assert client.get(f"/org/services/{service.pk}/edit/").status_code == 403
    assert client.get("/org/sites/new/").status_code == 403
    # The form offers only their own site.
    form = client.get("/org/employees/new/").content.decode()
    assert str(mine) in form
    assert str(other) not in form


def test_it_searches_and_filters(qm_client):
    a, b = make_site(), make_site()
    team = make_team(a)
    emp = make_employee(team=team)
    make_employee(site=b)
    assert emp.name in qm_client.get("/org/employees/", {"q": emp.employee_no}).content.decode()
    body = qm_client.get("/org/employees/", {"site": b.pk}).content.decode()
    assert emp.name not in body
    service = make_service([a])
    assert service.name in qm_client.get("/org/services/", {"channel": "phone"}).content.decode()
    assert (
        service.name not in qm_client.get("/org/services/", {"channel": "visit"}).content.decode()
    )


def test_it_marks_the_results_for_htmx_filtering(qm_client):
    employee = make_employee()
    body = qm_client.get(
        "/org/employees/", {"q": employee.name}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'hx-select="#results"' in body
    assert '<div id="results">' in body
    assert employee.name in body


@pytest.mark.parametrize(
    "path", ["/org/employees/", "/org/services/", "/org/sites/", "/org/teams/", "/org/job-roles/"]
)
def test_it_lists_without_n_plus_one_queries(qm_client, django_assert_max_num_queries, path):
    sites = [make_site() for _ in range(3)]
    for i in range(30):
        make_employee(team=make_team(sites[i % 3]))
        make_service(sites)
    with django_assert_max_num_queries(12):
        response = qm_client.get(path)
    assert response.status_code == 200


def test_it_links_an_employee_to_a_free_login_only(qm_client):
    free, taken = make_user(Role.STAFF), make_user(Role.STAFF)
    Employee.objects.filter(pk=make_employee().pk).update(user=taken)
    site = make_site()
    form = qm_client.get("/org/employees/new/").content.decode()
    assert free.username in form
    assert f">{taken.username}<" not in form
    response = qm_client.post(
        "/org/employees/new/",
        {"employee_no": "L-1", "name": "로그인 연결", "site": site.pk, "user": free.pk},
    )
    assert response.status_code == 302
    assert Employee.objects.get(employee_no="L-1").user == free
