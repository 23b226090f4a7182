"""Authentication of the REST API: personal tokens (hashed, scoped, revocable) and the session."""

from __future__ import annotations

import hashlib

import pytest
from django.conf import settings
from django.test import Client

from sqms.core.models import ApiToken, AuditAction, User
from sqms.core.selectors import audit_entries_for_object
from sqms.core.services import api_token_create, api_token_revoke
from sqms.org.models import Employee, JobRole
from tests.api.conftest import ORG, assert_problem, send, token_client
from tests.factories import make_employee, make_site


def _bearer(secret: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {secret}"})


@pytest.mark.parametrize("method", ["get", "post", "patch"])
def test_it_answers_401_problem_json_without_credentials(db: None, method: str) -> None:
    employee = make_employee()
    path = f"{ORG}/employees/" if method != "patch" else f"{ORG}/employees/{employee.pk}/"
    resp = send(Client(), method, path, {"name": "x"})
    assert_problem(resp, 401)


@pytest.mark.parametrize(
    "header", ["Bearer sqms_nope_nope", "Bearer ", "Token abc", "Basic dXNlcjpwYXNz", "bearer"]
)
def test_it_answers_401_to_an_unknown_or_malformed_token(db: None, header: str) -> None:
    resp = Client(headers={"Authorization": header}).get(f"{ORG}/employees/")
    assert_problem(resp, 401)


def test_it_answers_401_to_a_revoked_token(users: dict[str, User]) -> None:
    user = users["quality_manager"]
    issued = api_token_create(user=user, name="ci", scope="read_write")
    client = _bearer(issued.secret)
    assert client.get(f"{ORG}/employees/").status_code == 200
    api_token_revoke(actor=user, token=issued.token)
    assert_problem(client.get(f"{ORG}/employees/"), 401)
    assert_problem(send(client, "post", f"{ORG}/job-roles/", {"code": "R1", "name": "r"}), 401)
    assert not JobRole.objects.filter(code="R1").exists()


def test_it_answers_401_to_the_token_of_a_deactivated_user(users: dict[str, User]) -> None:
    user = users["quality_manager"]
    client = token_client(user)
    user.is_active = False
    user.save()
    assert_problem(client.get(f"{ORG}/employees/"), 401)


def test_it_lets_a_read_token_read_but_answers_403_to_its_writes(users: dict[str, User]) -> None:
    # The quality manager's role may write: only the token's scope forbids it.
    client = token_client(users["quality_manager"], scope="read")
    site = make_site()
    employee = make_employee(site)
    resp = client.get(f"{ORG}/employees/")
    assert resp.status_code == 200
    assert [e["id"] for e in resp.json()["items"]] == [employee.pk]
    assert client.get(f"{ORG}/employees/{employee.pk}/").status_code == 200

    resp = send(
        client, "post", f"{ORG}/employees/", {"employee_no": "N1", "name": "n", "site_id": site.pk}
    )
    assert_problem(resp, 403)
    resp = send(client, "patch", f"{ORG}/employees/{employee.pk}/", {"name": "changed"})
    assert_problem(resp, 403)
    assert not Employee.objects.filter(employee_no="N1").exists()
    employee.refresh_from_db()
    assert employee.name != "changed"


def test_it_creates_an_employee_with_a_read_write_token_and_audits_it_as_the_token_user(
    users: dict[str, User],
) -> None:
    user = users["quality_manager"]
    client = token_client(user, scope="read_write")
    site = make_site()
    resp = send(
        client,
        "post",
        f"{ORG}/employees/",
        {"employee_no": "N1", "name": "새 직원", "site_id": site.pk},
    )
    assert resp.status_code == 201, resp.content
    assert resp["Content-Type"].startswith("application/json")
    body = resp.json()
    employee = Employee.objects.get(pk=body["id"])
    assert (employee.employee_no, employee.name, employee.site_id) == ("N1", "새 직원", site.pk)

    entries = list(audit_entries_for_object(obj=employee))
    assert [(e.action, e.actor_id) for e in entries] == [(AuditAction.CREATE, user.pk)]

    resp = send(client, "patch", f"{ORG}/employees/{employee.pk}/", {"name": "고친 이름"})
    assert resp.status_code == 200, resp.content
    assert resp.json()["name"] == "고친 이름"
    entries = list(audit_entries_for_object(obj=employee).order_by("seq"))
    assert [(e.action, e.actor_id) for e in entries] == [
        (AuditAction.CREATE, user.pk),
        (AuditAction.UPDATE, user.pk),
    ]


def test_it_never_stores_the_token_secret_in_clear(users: dict[str, User]) -> None:
    issued = api_token_create(user=users["staff"], name="ci", scope="read")
    row = ApiToken.objects.get(pk=issued.token.pk)
    assert row.token_hash != issued.secret
    assert row.token_hash == hashlib.sha256(issued.secret.encode()).hexdigest()
    stored = [str(getattr(row, f.attname)) for f in ApiToken._meta.concrete_fields]
    assert not any(issued.secret in value for value in stored)
    # Nor does the audit trail keep it.
    for entry in audit_entries_for_object(obj=row):
        assert issued.secret not in str(entry.changes)


def test_it_records_when_a_token_was_last_used(users: dict[str, User]) -> None:
    issued = api_token_create(user=users["staff"], name="ci", scope="read")
    assert issued.token.last_used_at is None
    assert _bearer(issued.secret).get(f"{ORG}/sites/").status_code == 200
    issued.token.refresh_from_db()
    assert issued.token.last_used_at is not None


def test_it_lets_a_logged_in_user_read_with_the_session(client_for) -> None:  # type: ignore[no-untyped-def]
    assert client_for("staff").get(f"{ORG}/employees/").status_code == 200


def test_it_requires_the_csrf_token_for_session_writes(users: dict[str, User]) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["quality_manager"])
    resp = send(client, "post", f"{ORG}/job-roles/", {"code": "R1", "name": "r"})
    assert_problem(resp, 403)
    assert not JobRole.objects.filter(code="R1").exists()

    csrf = "a" * 32  # any well-formed secret, sent both as the cookie and the header
    client.cookies[settings.CSRF_COOKIE_NAME] = csrf
    resp = client.post(
        f"{ORG}/job-roles/",
        {"code": "R1", "name": "r"},
        content_type="application/json",
        headers={"X-CSRFToken": csrf},
    )
    assert resp.status_code == 201, resp.content


def test_it_does_not_require_csrf_with_a_token(users: dict[str, User]) -> None:
    issued = api_token_create(user=users["quality_manager"], name="ci", scope="read_write")
    client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {issued.secret}"})
    resp = send(client, "post", f"{ORG}/job-roles/", {"code": "R1", "name": "r"})
    assert resp.status_code == 201, resp.content
