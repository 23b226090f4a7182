"""The sidebar offers each role only pages that role can open."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sqms.core.navigation import nav_items_for
from sqms.core.roles import Role

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", list(Role))
def test_every_link_in_the_sidebar_opens_for_its_role(role, users, client_for):
    client = client_for(role)
    links = [
        url_name
        for item in nav_items_for(users[role])
        for url_name in (item.url_name, *(c[1] for c in item.children))
    ]
    assert links
    refused = {u: client.get(reverse(u)).status_code for u in links}
    assert {u: code for u, code in refused.items() if code != 200} == {}


def test_readers_do_not_see_the_response_imports_writers_do(users):
    def children(role: Role) -> set[str]:
        return {c[1] for item in nav_items_for(users[role]) for c in item.children}

    assert "feedback:import_list" in children(Role.QUALITY_MANAGER)
    assert "feedback:import_list" not in children(Role.AUDITOR)
    assert "feedback:survey_list" in children(Role.AUDITOR)
