"""Every URL in the URL conf, for every role and an anonymous visitor, answers as expected.

A view added to the URL conf without a row here, or in the `url_matrix.py` of its app's test
package (`tests/<app>/url_matrix.py`: MATRIX, make_objects() and optionally url()), fails
`test_it_covers_every_url`.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from sqms.core.roles import Role
from tests.factories import make_employee, make_job_role, make_service, make_site, make_team
from tests.url_matrix_codes import (
    ALL,
    API,
    API_DOCS,
    AUDIT,
    PERSONAS,
    POST_ONLY,
    PUBLIC,
    WRITERS,
)

MATRIX: dict[str, tuple[int, ...]] = {
    "home": ALL,
    "login": (200, 302, 302, 302, 302, 302, 302),
    "logout": (302, 405, 405, 405, 405, 405, 405),
    "password_change": ALL,
    "password_change_done": ALL,
    "password_reset": PUBLIC,
    "password_reset_done": PUBLIC,
    "password_reset_confirm": PUBLIC,
    "password_reset_complete": PUBLIC,
    "core:audit_log": AUDIT,
    "core:audit_export": AUDIT,
    "core:profile": ALL,
    "core:api_token_revoke": POST_ONLY,
    "core:set_language": (405,) * 7,
    "api:openapi-json": API_DOCS,
    "api:openapi-view": API_DOCS,
    "api:api-root": (404,) * 7,
}
for entity in ("site", "team", "employee", "job_role", "service"):
    MATRIX |= {
        f"org:{entity}_list": ALL,
        f"org:{entity}_detail": ALL,
        f"org:{entity}_create": WRITERS,
        f"org:{entity}_edit": WRITERS,
        f"org:{entity}_archive": POST_ONLY,
        f"api:{entity}_list": API,
        f"api:{entity}_detail": API,
        f"api:{entity}_create": API,  # same path as the list; GET lists
        f"api:{entity}_update": API,  # same path as the detail; GET reads
    }


APP_MATRICES: list[ModuleType] = [
    importlib.import_module(f"tests.{path.parent.name}.url_matrix")
    for path in sorted(Path(__file__).parent.glob("*/url_matrix.py"))
]
for _module in APP_MATRICES:
    assert not MATRIX.keys() & _module.MATRIX.keys(), _module.__name__
    MATRIX |= _module.MATRIX


def _names(patterns: list[URLPattern | URLResolver], ns: str = "") -> Iterator[str]:
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _names(p.url_patterns, ns + (f"{p.namespace}:" if p.namespace else ""))
        elif p.name:
            yield ns + p.name


def test_it_covers_every_url():
    names = {n for n in _names(get_resolver().url_patterns) if not n.startswith("admin:")}
    assert names - MATRIX.keys() == set(), "add these views to MATRIX"
    assert MATRIX.keys() - names == set(), "these MATRIX rows name no view"


@pytest.fixture
def objects(db: None) -> dict[str, int]:
    site = make_site()
    team = make_team(site)
    made = {
        "site": site.pk,
        "team": team.pk,
        "employee": make_employee(team=team).pk,
        "job_role": make_job_role().pk,
        "service": make_service([site]).pk,
    }
    for module in APP_MATRICES:
        made |= module.make_objects()
    return made


def _url(name: str, objects: dict[str, int]) -> str:
    for module in APP_MATRICES:
        if name in module.MATRIX and hasattr(module, "url") and (url := module.url(name, objects)):
            return str(url)
    if name == "password_reset_confirm":
        return reverse(name, kwargs={"uidb64": "MQ", "token": "set-password"})
    if name == "core:api_token_revoke":
        return reverse(name, kwargs={"pk": 1})
    entity = name.split(":")[-1].rsplit("_", 1)[0]
    if name.endswith(("_detail", "_edit", "_archive", "_update")):
        return reverse(name, kwargs={"pk": objects[entity]})
    return reverse(name)


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_it_answers_each_persona_as_expected(name, objects, users):
    got = []
    for persona in PERSONAS:
        client = Client()
        if persona != "anonymous":
            client.force_login(users[persona])
        got.append(client.get(_url(name, objects)).status_code)
    assert dict(zip(PERSONAS, got, strict=True)) == dict(zip(PERSONAS, MATRIX[name], strict=True))


def test_it_sends_admin_pages_to_staff_only(users):
    anonymous = Client().get("/admin/")
    assert anonymous.status_code == 302
    for role in Role:
        client = Client()
        client.force_login(users[role])
        # Only accounts flagged as staff use the admin; roles alone do not open it.
        assert client.get("/admin/").status_code == 302
    users[Role.ADMIN].is_staff = users[Role.ADMIN].is_superuser = True
    users[Role.ADMIN].save()
    client = Client()
    client.force_login(users[Role.ADMIN])
    assert client.get("/admin/").status_code == 200


JUNK = [
    {},
    {"code": "x" * 5000, "name": "", "site": "not-a-number", "team": "-1", "sites": ["abc"]},
    {
        "employee_no": "\x00",
        "hired_on": "2026-13-45",
        "time_zone": "Mars/Olympus",
        "channels": ["fax"],
    },
    {"reason": "y" * 5000, "scope": "root", "language": "xx", "next": "//evil.example"},
]


@pytest.mark.parametrize("name", sorted(n for n in MATRIX if not n.startswith("api:")))
def test_it_never_fails_with_a_server_error_on_junk_posts(name, objects, users):
    client = Client(enforce_csrf_checks=False)
    client.force_login(users[Role.QUALITY_MANAGER])
    for data in JUNK:
        assert client.post(_url(name, objects), data).status_code < 500


def test_it_shows_styled_translated_error_pages(client_for):
    client = client_for(Role.STAFF)
    forbidden = client.get("/org/sites/new/", HTTP_ACCEPT_LANGUAGE="ko")
    assert forbidden.status_code == 403
    assert 'class="sidebar"' in forbidden.content.decode()
    missing = client.get("/org/sites/999999/")
    assert missing.status_code == 404
    assert 'class="sidebar"' in missing.content.decode()
