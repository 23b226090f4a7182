from __future__ import annotations

import os

import pytest
from django.test import Client

from sqms.core.models import User
from sqms.core.roles import Role
from tests.factories import make_user

ROLES = [r.value for r in Role]

# One Chromium per test session, shared by every app's browser tests.
pytest_plugins = ["tests.browser_fixtures"]


def pytest_configure(config: pytest.Config) -> None:
    # Browser tests drive a synchronous Playwright loop next to the ORM.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _no_axes_lockouts_between_tests(settings: object) -> None:
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def users(db: None) -> dict[str, User]:
    """One user per role: alice-style personas, keyed by role value."""
    return {role: make_user(role, username=f"u-{role}") for role in ROLES}


@pytest.fixture
def client_for(users: dict[str, User]):  # type: ignore[no-untyped-def]
    def make(role: str) -> Client:
        client = Client()
        client.force_login(users[role])
        return client

    return make


@pytest.fixture
def qm_client(client_for) -> Client:  # type: ignore[no-untyped-def]
    return client_for(Role.QUALITY_MANAGER)
