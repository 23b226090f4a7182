"""List endpoints: pagination, filters, and a fixed number of queries whatever the page holds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sqms.core.models import User
from sqms.org import services
from sqms.org.models import Employee, Service
from tests.api.conftest import ENTITIES, ORG, assert_problem, token_client
from tests.factories import make_employee, make_job_role, make_service, make_site, make_team

# Token lookup, last-use stamp, the user's scoped sites, count, page (+ one prefetch for services).
MAX_LIST_QUERIES = 7


def _ids(resp: Any) -> set[int]:
    assert resp.status_code == 200, resp.content
    return {item["id"] for item in resp.json()["items"]}


@pytest.fixture
def staff_api(users: dict[str, User]) -> Client:
    return token_client(users["staff"], "read")


def test_it_paginates_by_50_with_the_total_count(staff_api: Client) -> None:
    site = make_site()
    everyone = {make_employee(site).pk for _ in range(55)}
    first = staff_api.get(f"{ORG}/employees/")
    second = staff_api.get(f"{ORG}/employees/", {"page": 2})
    assert first.json()["count"] == second.json()["count"] == 55
    assert len(first.json()["items"]) == 50
    assert len(second.json()["items"]) == 5
    assert _ids(first) | _ids(second) == everyone
    assert not _ids(first) & _ids(second)
    assert len(staff_api.get(f"{ORG}/employees/", {"page_size": 20}).json()["items"]) == 20
    assert staff_api.get(f"{ORG}/employees/", {"page": 9}).json() == {"items": [], "count": 55}


@pytest.mark.parametrize(
    "query",
    [
        {"page": 0},
        {"page": -1},
        {"page": "x"},
        {"page": 10**20},
        {"page_size": 0},
        {"site": "x"},
        {"site": 10**20},
        {"team": 10**20},
        {"job_role": 10**20},
        {"archived": "maybe"},
        {"channel": "fax"},
        {"q": "a\x00b"},
    ],
)
@pytest.mark.parametrize("entity", ENTITIES)
def test_it_answers_422_to_a_bad_list_parameter(
    staff_api: Client, entity: str, query: dict[str, str | int]
) -> None:
    body = assert_problem(staff_api.get(f"{ORG}/{entity}/", query), 422)
    (name,) = query
    assert any(e["field"].endswith(name) for e in body["errors"]), body


def test_it_filters_employees_by_q_site_team_and_job_role(staff_api: Client) -> None:
    seoul, busan = make_site(), make_site()
    team = make_team(seoul)
    role = make_job_role()
    alice = services.employee_create(
        actor=None,
        employee_no="ZX-1",
        name="Alice Kim",
        site=seoul,
        team=team,
        job_role=role,
        email="alice@corp.example",
    )
    bob = services.employee_create(
        actor=None, employee_no="B-2", name="Bob Lee", site=busan, email="bob@other.example"
    )
    carol = make_employee(seoul)
    url = f"{ORG}/employees/"
    assert _ids(staff_api.get(url, {"q": "alice"})) == {alice.pk}  # name, case-insensitive
    assert _ids(staff_api.get(url, {"q": "zx-"})) == {alice.pk}  # employee number
    assert _ids(staff_api.get(url, {"q": "other.example"})) == {bob.pk}  # e-mail
    assert _ids(staff_api.get(url, {"q": "nobody-matches"})) == set()
    assert _ids(staff_api.get(url, {"site": seoul.pk})) == {alice.pk, carol.pk}
    assert _ids(staff_api.get(url, {"site": busan.pk})) == {bob.pk}
    assert _ids(staff_api.get(url, {"team": team.pk})) == {alice.pk}
    assert _ids(staff_api.get(url, {"job_role": role.pk})) == {alice.pk}
    assert _ids(staff_api.get(url, {"site": str(seoul.pk), "q": "alice"})) == {alice.pk}
    assert _ids(staff_api.get(url, {"site": str(busan.pk), "q": "alice"})) == set()
    assert staff_api.get(url, {"site": seoul.pk}).json()["count"] == 2


def test_it_filters_services_by_channel_site_and_q(staff_api: Client) -> None:
    seoul, busan = make_site(), make_site()
    phone = services.service_create(
        actor=None, code="PH", name="전화 상담", channels=["phone"], sites=[seoul]
    )
    chat = services.service_create(
        actor=None, code="CH", name="채팅 상담", channels=["chat", "email"], sites=[seoul, busan]
    )
    app = services.service_create(actor=None, code="AP", name="Mobile", channels=["app"], sites=[])
    url = f"{ORG}/services/"
    assert _ids(staff_api.get(url, {"channel": "phone"})) == {phone.pk}
    assert _ids(staff_api.get(url, {"channel": "email"})) == {chat.pk}
    assert _ids(staff_api.get(url, {"channel": "app"})) == {app.pk}
    assert _ids(staff_api.get(url, {"channel": "web"})) == set()
    assert _ids(staff_api.get(url, {"site": busan.pk})) == {chat.pk}
    assert _ids(staff_api.get(url, {"site": seoul.pk})) == {phone.pk, chat.pk}
    assert (
        staff_api.get(url, {"site": seoul.pk}).json()["count"] == 2
    )  # no duplicate rows from the join
    assert _ids(staff_api.get(url, {"q": "채팅"})) == {chat.pk}
    assert _ids(staff_api.get(url, {"q": "mobile"})) == {app.pk}
    body = staff_api.get(f"{url}{chat.pk}/").json()
    assert sorted(body["site_ids"]) == sorted([seoul.pk, busan.pk])
    assert body["channels"] == [
        "chat",
        "email",
    ]


def test_it_filters_sites_teams_and_job_roles(staff_api: Client) -> None:
    seoul = services.site_create(actor=None, code="SEL", name="서울 센터", address="종로구")
    busan = services.site_create(actor=None, code="PUS", name="부산 센터", address="해운대구")
    t1, t2 = make_team(seoul), make_team(busan)
    r1 = services.job_role_create(actor=None, code="AGT", name="상담원")
    r2 = services.job_role_create(actor=None, code="LEAD", name="팀장")
    assert _ids(staff_api.get(f"{ORG}/sites/", {"q": "해운대"})) == {busan.pk}
    assert _ids(staff_api.get(f"{ORG}/sites/", {"q": "sel"})) == {seoul.pk}
    assert _ids(staff_api.get(f"{ORG}/teams/", {"site": busan.pk})) == {t2.pk}
    assert _ids(staff_api.get(f"{ORG}/teams/", {"site": seoul.pk})) == {t1.pk}
    assert _ids(staff_api.get(f"{ORG}/job-roles/", {"q": "lead"})) == {r2.pk}
    assert _ids(staff_api.get(f"{ORG}/job-roles/", {"q": "상담"})) == {r1.pk}


@pytest.mark.parametrize("entity", ENTITIES)
def test_it_hides_archived_records_unless_asked(staff_api: Client, entity: str) -> None:
    site = make_site()
    makers: dict[str, Callable[[], Any]] = {
        "sites": make_site,
        "teams": lambda: make_team(site),
        "job-roles": make_job_role,
        "employees": lambda: make_employee(site),
        "services": lambda: make_service([site]),
    }
    make = makers[entity]
    kept, gone = make(), make()
    services.org_record_archive(actor=None, obj=gone, reason="closed")
    listed = _ids(staff_api.get(f"{ORG}/{entity}/"))
    assert kept.pk in listed
    assert gone.pk not in listed
    archived = _ids(staff_api.get(f"{ORG}/{entity}/", {"archived": "true"}))
    assert archived == {gone.pk}
    assert staff_api.get(f"{ORG}/{entity}/{gone.pk}/").json()["archived_at"] is not None


@pytest.fixture
def many_records(db: None) -> None:
    """35 employees and 35 services spread over sites, teams and job roles."""
    sites = [make_site() for _ in range(3)]
    teams = [make_team(s) for s in sites]
    roles = [make_job_role() for _ in range(3)]
    for i in range(35):
        services.employee_create(
            actor=None,
            employee_no=f"Q{i}",
            name=f"직원 {i}",
            site=sites[i % 3],
            team=teams[i % 3],
            job_role=roles[i % 3],
        )
    owners = list(Employee.objects.all()[:5])
    for i in range(35):
        services.service_create(
            actor=None,
            code=f"QS{i}",
            name=f"서비스 {i}",
            owner=owners[i % 5],
            channels=["phone", "web"],
            sites=sites[: 1 + i % 3],
        )


@pytest.mark.parametrize("entity", ENTITIES)
@pytest.mark.parametrize("scoped", [False, True])
def test_it_lists_with_a_fixed_number_of_queries(
    users: dict[str, User],
    many_records: None,
    entity: str,
    scoped: bool,
    django_assert_max_num_queries: Callable[..., Any],
) -> None:
    user = users["staff"]
    if scoped:
        for site in Service.objects.first().sites.all():  # type: ignore[union-attr]
            site.scoped_users.add(user)
    client = token_client(user, "read")
    with django_assert_max_num_queries(MAX_LIST_QUERIES):
        resp = client.get(f"{ORG}/{entity}/")
    assert resp.status_code == 200
    if entity in ("employees", "services") and not scoped:
        assert resp.json()["count"] >= 35
        assert len(resp.json()["items"]) >= 35


def test_it_makes_the_same_queries_for_one_record_as_for_thirty_five(
    users: dict[str, User],
) -> None:
    """An N+1 shows up as a difference between a one-item and a 35-item page."""
    client = token_client(users["staff"], "read")
    site = make_site()
    make_employee(site)
    make_service([site])

    def count(path: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(path).status_code == 200
        return len(ctx.captured_queries)

    one = {p: count(f"{ORG}/{p}/") for p in ("employees", "services")}
    for _ in range(34):
        make_employee(site)
        make_service([site, make_site()])
    assert {p: count(f"{ORG}/{p}/") for p in ("employees", "services")} == one
