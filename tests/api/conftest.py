"""Helpers for the REST API tests: token clients and problem+json checks."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from sqms.core.models import User
from sqms.core.services import api_token_create
from tests.factories import make_employee, make_job_role, make_service, make_site, make_team

API = "/api/v1"
ORG = f"{API}/org"
PROBLEM = "application/problem+json"
ENTITIES = ["sites", "teams", "job-roles", "employees", "services"]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # `users` makes six users per test; the production hasher costs ~0.6 s each.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def token_client(user: User, scope: str = "read_write") -> Client:
    """A Client that sends a fresh personal API token of `user` with every request (no session)."""
    issued = api_token_create(user=user, name=f"test {scope}", scope=scope)
    return Client(headers={"Authorization": f"Bearer {issued.secret}"})


@pytest.fixture
def api_for(users: dict[str, User]) -> Callable[..., Client]:
    def make(role: str, scope: str = "read_write") -> Client:
        return token_client(users[role], scope)

    return make


@pytest.fixture
def qm_api(api_for: Callable[..., Client]) -> Client:
    return api_for("quality_manager")


def send(
    client: Client, method: str, path: str, body: Any = None, *, raw: str | bytes | None = None
) -> Any:
    """Send JSON (or `raw` bytes as application/json) with any method."""
    if method.lower() == "get":
        return client.get(path)
    data = raw if raw is not None else ("" if body is None else json.dumps(body))
    return getattr(client, method.lower())(path, data=data, content_type="application/json")


def assert_problem(resp: Any, *statuses: int) -> dict[str, Any]:
    """The response is an RFC 9457 problem with one of `statuses`; returns its body."""
    assert resp.status_code in statuses, (resp.status_code, resp.content[:500])
    assert resp["Content-Type"].startswith(PROBLEM), resp["Content-Type"]
    body: dict[str, Any] = resp.json()
    assert {"type", "title", "status", "detail"} <= body.keys(), body
    assert body["status"] == resp.status_code
    if resp.status_code in (400, 422):
        assert isinstance(body.get("errors"), list), body
        assert body["errors"], body
        for err in body["errors"]:
            assert {"field", "message"} <= err.keys(), err
    return body


def error_fields(body: dict[str, Any]) -> set[str]:
    """The payload fields an error names (ninja's location prefix `query.`/`path.` dropped)."""
    return {
        e["field"].split(".", 1)[-1] if e["field"].startswith(("query.", "path.")) else e["field"]
        for e in body.get("errors", [])
    }


def assert_not_5xx(resp: Any) -> None:
    assert resp.status_code < 500, (resp.status_code, resp.content[:500])
    if resp.status_code >= 400:
        assert resp["Content-Type"].startswith(PROBLEM), (resp.status_code, resp["Content-Type"])


def assert_names(body: dict[str, Any], field: str) -> None:
    """Some error of the problem names `field` (or an item of it, like `channels.0`)."""
    fields = [e["field"] for e in body.get("errors", [])]
    assert any(
        f == field or f.startswith(f"{field}.") or f.endswith(f".{field}") for f in fields
    ), (field, body)


@pytest.fixture
def world(db: None) -> dict[str, Any]:
    """One record of each kind, linked: what the write payloads refer to."""
    site = make_site()
    team = make_team(site)
    job_role = make_job_role()
    employee = make_employee(site, team)
    service = make_service([site])
    return {
        "site": site,
        "team": team,
        "job_role": job_role,
        "employee": employee,
        "service": service,
        "sites": site,
        "teams": team,
        "job-roles": job_role,
        "employees": employee,
        "services": service,
    }


def create_payload(entity: str, world: dict[str, Any], n: int | str = 1) -> dict[str, Any]:
    """A valid create body for `entity` (codes made unique by `n`)."""
    site = world["site"]
    return {
        "sites": {
            "code": f"NS{n}",
            "name": f"새 센터 {n}",
            "address": "서울",
            "time_zone": "Asia/Seoul",
            "phone": "02-123-4567",
        },
        "teams": {"site_id": site.pk, "code": f"NT{n}", "name": f"새 팀 {n}", "description": "d"},
        "job-roles": {"code": f"NR{n}", "name": f"새 직무 {n}", "description": "d"},
        "employees": {
            "employee_no": f"NE{n}",
            "name": f"김철수 {n}",
            "site_id": site.pk,
            "team_id": world["team"].pk,
            "job_role_id": world["job_role"].pk,
            "email": f"e{n}@example.com",
            "phone": "010-1234-5678",
            "hired_on": "2024-03-01",
        },
        "services": {
            "code": f"NV{n}",
            "name": f"새 서비스 {n}",
            "description": "d",
            "owner_id": world["employee"].pk,
            "channels": ["phone", "chat"],
            "site_ids": [site.pk],
        },
    }[entity]


def code_field(entity: str) -> str:
    return "employee_no" if entity == "employees" else "code"
