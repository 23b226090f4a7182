"""Every write endpoint of every app, read from the OpenAPI document, survives bad bodies.

The detailed per-field cases for the organisation live in test_bad_input.py; this file makes
sure an endpoint added by any app is fuzzed the moment it appears.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sqms.core.models import User
from tests.api.conftest import API, PROBLEM, send, token_client

WRITE_METHODS = ("post", "put", "patch")
JUNK_BODIES: list[Any] = [[], "text", 42, None, {"name": 7}, {"x" * 200: ["y"] * 50}]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)


def _write_paths(user: User) -> list[tuple[str, str]]:
    reader = Client()
    reader.force_login(user)  # the OpenAPI document is for logged-in users
    doc = reader.get(f"{API}/openapi.json").json()
    return [
        (method, re.sub(r"\{[^}]+\}", "1", template))
        for template, operations in doc["paths"].items()
        for method in operations
        if method in WRITE_METHODS
    ]


@pytest.fixture
def rw(users: dict[str, User]) -> Client:
    return token_client(users["quality_manager"], "read_write")


def _check(response: Any) -> None:
    assert response.status_code < 500, (response.status_code, response.content[:300])
    if response.status_code >= 400:
        assert response["Content-Type"].startswith(PROBLEM), response["Content-Type"]


def test_it_finds_write_endpoints_beyond_the_organisation(users):
    paths = {path for _method, path in _write_paths(users["quality_manager"])}
    assert any("/org/" in p for p in paths)
    assert len(paths) >= 6


def test_it_answers_malformed_bodies_with_problems(rw, users):
    for method, path in _write_paths(users["quality_manager"]):
        _check(send(rw, method, path, raw="{not json"))
        _check(send(rw, method, path, raw=b"\xff\xfe"))
        _check(send(rw, method, path, raw=""))
        _check(send(rw, method, path, raw="{" + '"a":' + '"x"' * 1 + "}" + " " * 2_700_000))
        for body in JUNK_BODIES:
            _check(send(rw, method, path, body))


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=json_values)
def test_it_never_fails_on_random_json(users, body):
    client = token_client(users["quality_manager"], "read_write")
    for method, path in _write_paths(users["quality_manager"]):
        _check(send(client, method, path, body))
