"""Site scoping on the API: a user listed on a site sees only that site.

Org-wide records (sites, job roles, services) are read-only to such a user.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from sqms.org.models import Employee
from tests.api.conftest import ORG, assert_names, assert_problem, send, token_client
from tests.factories import (
    make_employee,
    make_job_role,
    make_service,
    make_site,
    make_team,
    make_user,
)


@pytest.fixture
def two_sites(db: None) -> dict[str, Any]:
    a, b = make_site(), make_site()
    team_a, team_b = make_team(a), make_team(b)
    return {
        "a": a,
        "b": b,
        "team_a": team_a,
        "team_b": team_b,
        "emp_a": [make_employee(a, team_a), make_employee(a)],
        "emp_b": make_employee(b, team_b),
        "svc_a": make_service([a]),
        "svc_b": make_service([b]),
        "svc_ab": make_service([a, b]),
        "job_role": make_job_role(),
    }


def _scoped(role: str, site: Any) -> Client:
    return token_client(make_user(role, sites=[site]), "read_write")


@pytest.mark.parametrize("role", ["quality_manager", "staff"])
def test_it_lists_only_the_scoped_sites_records(two_sites: dict[str, Any], role: str) -> None:
    client = _scoped(role, two_sites["a"])

    def ids(entity: str) -> set[int]:
        return {r["id"] for r in client.get(f"{ORG}/{entity}/").json()["items"]}

    assert ids("employees") == {e.pk for e in two_sites["emp_a"]}
    assert ids("sites") == {two_sites["a"].pk}
    assert ids("teams") == {two_sites["team_a"].pk}
    assert ids("services") == {two_sites["svc_a"].pk, two_sites["svc_ab"].pk}
    assert ids("job-roles") == {two_sites["job_role"].pk}  # org-wide: visible to all
    assert client.get(f"{ORG}/employees/").json()["count"] == 2
    # Filtering on the other site finds nothing rather than leaking it.
    resp = client.get(f"{ORG}/employees/", {"site": two_sites["b"].pk})
    assert resp.json() == {"items": [], "count": 0}


def test_it_answers_404_for_another_sites_records(two_sites: dict[str, Any]) -> None:
    client = _scoped("quality_manager", two_sites["a"])
    emp_b = two_sites["emp_b"]
    for path in [
        f"employees/{emp_b.pk}/",
        f"sites/{two_sites['b'].pk}/",
        f"teams/{two_sites['team_b'].pk}/",
        f"services/{two_sites['svc_b'].pk}/",
    ]:
        assert_problem(client.get(f"{ORG}/{path}"), 404)
        assert_problem(send(client, "patch", f"{ORG}/{path}", {"name": "hijacked"}), 404)
    emp_b.refresh_from_db()
    assert emp_b.name != "hijacked"
    # Its own records stay reachable.
    emp_a = two_sites["emp_a"][0]
    assert client.get(f"{ORG}/employees/{emp_a.pk}/").status_code == 200
    assert send(client, "patch", f"{ORG}/employees/{emp_a.pk}/", {"name": "ok"}).status_code == 200


def test_it_keeps_org_wide_records_read_only_for_a_scoped_writer(two_sites: dict[str, Any]) -> None:
    client = _scoped("quality_manager", two_sites["a"])
    assert_problem(send(client, "post", f"{ORG}/sites/", {"code": "NEW", "name": "n"}), 403)
    assert_problem(send(client, "post", f"{ORG}/job-roles/", {"code": "NEW", "name": "n"}), 403)
    assert_problem(send(client, "post", f"{ORG}/services/", {"code": "NEW", "name": "n"}), 403)
    assert_problem(
        send(client, "patch", f"{ORG}/job-roles/{two_sites['job_role'].pk}/", {"name": "x"}), 403
    )
    assert_problem(
        send(client, "patch", f"{ORG}/services/{two_sites['svc_a'].pk}/", {"name": "x"}), 403
    )
    # Site-bound records of its own site it may still create.
    resp = send(
        client,
        "post",
        f"{ORG}/employees/",
        {"employee_no": "NA", "name": "n", "site_id": two_sites["a"].pk},
    )
    assert resp.status_code == 201, resp.content
    resp = send(
        client, "post", f"{ORG}/teams/", {"code": "NTA", "name": "n", "site_id": two_sites["a"].pk}
    )
    assert resp.status_code == 201, resp.content


def test_it_does_not_let_a_scoped_writer_reference_another_site(two_sites: dict[str, Any]) -> None:
    client = _scoped("quality_manager", two_sites["a"])
    b = two_sites["b"]
    body = assert_problem(
        send(
            client, "post", f"{ORG}/employees/", {"employee_no": "NB", "name": "n", "site_id": b.pk}
        ),
        400,
    )
    assert_names(body, "site_id")
    assert not Employee.objects.filter(employee_no="NB").exists()
    body = assert_problem(
        send(
            client,
            "post",
            f"{ORG}/employees/",
            {
                "employee_no": "NB",
                "name": "n",
                "site_id": two_sites["a"].pk,
                "team_id": two_sites["team_b"].pk,
            },
        ),
        400,
    )
    assert_names(body, "team_id")
    emp_a = two_sites["emp_a"][1]
    body = assert_problem(
        send(client, "patch", f"{ORG}/employees/{emp_a.pk}/", {"site_id": b.pk}), 400
    )
    assert_names(body, "site_id")
    emp_a.refresh_from_db()
    assert emp_a.site_id == two_sites["a"].pk
