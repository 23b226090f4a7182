"""The role matrix on the API: every role reads the organisation, only admin and QM write it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from sqms.core.models import User
from tests.api.conftest import ENTITIES, ORG, assert_problem, create_payload, send, token_client
from tests.conftest import ROLES

WRITERS = {"admin", "quality_manager"}


def _clients(
    users: dict[str, User], client_for: Callable[[str], Client], role: str
) -> dict[str, Client]:
    return {"token": token_client(users[role], "read_write"), "session": client_for(role)}


@pytest.mark.parametrize("auth", ["token", "session"])
@pytest.mark.parametrize("role", ROLES)
def test_it_gives_each_role_the_expected_status_on_list_create_detail_and_update(
    users: dict[str, User],
    client_for: Callable[[str], Client],
    world: dict[str, Any],
    role: str,
    auth: str,
) -> None:
    client = _clients(users, client_for, role)[auth]
    writer = role in WRITERS
    for n, entity in enumerate(ENTITIES):
        resp = client.get(f"{ORG}/{entity}/")
        assert resp.status_code == 200, (role, entity, resp.content)
        assert resp.json()["count"] >= 1, (role, entity)

        record = world[entity]
        assert client.get(f"{ORG}/{entity}/{record.pk}/").status_code == 200, (role, entity)

        resp = send(client, "post", f"{ORG}/{entity}/", create_payload(entity, world, n))
        if writer:
            assert resp.status_code == 201, (role, entity, resp.content)
        else:
            assert_problem(resp, 403)

        resp = send(client, "patch", f"{ORG}/{entity}/{record.pk}/", {"name": f"바뀐 이름 {n}"})
        if writer:
            assert resp.status_code == 200, (role, entity, resp.content)
            assert resp.json()["name"] == f"바뀐 이름 {n}"
        else:
            assert_problem(resp, 403)
            record.refresh_from_db()
            assert record.name != f"바뀐 이름 {n}"


def test_it_leaves_nothing_behind_when_a_reader_tries_to_create(
    users: dict[str, User],
    world: dict[str, Any],
) -> None:
    """A refused write leaves nothing behind, for every entity."""
    client = token_client(users["auditor"], "read_write")
    before = {e: client.get(f"{ORG}/{e}/").json()["count"] for e in ENTITIES}
    for n, entity in enumerate(ENTITIES):
        assert_problem(
            send(client, "post", f"{ORG}/{entity}/", create_payload(entity, world, n)), 403
        )
    assert {e: client.get(f"{ORG}/{e}/").json()["count"] for e in ENTITIES} == before
