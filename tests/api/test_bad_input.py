"""Bad input on every write endpoint the OpenAPI document lists: always a 4xx problem, never a 5xx.

The endpoints are not hard-coded: each test reads /api/v1/openapi.json and tries every
POST/PUT/PATCH operation, so a new write endpoint is covered the day it appears.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sqms.core.models import User
from sqms.org.models import Channel
from tests.api.conftest import (
    API,
    ENTITIES,
    assert_names,
    assert_not_5xx,
    assert_problem,
    code_field,
    create_payload,
    send,
    token_client,
)

WRITE_METHODS = ("post", "put", "patch")
OVERSIZE = 2_600_000  # > DATA_UPLOAD_MAX_MEMORY_SIZE (2 MiB)


@dataclass(frozen=True)
class Endpoint:
    method: str
    template: str  # as in the document: /api/v1/org/employees/{pk}/
    entity: str
    schema: dict[str, Any]  # the request body's JSON schema, $refs resolved at the top

    @property
    def is_create(self) -> bool:
        return "{" not in self.template

    def url(self, world: dict[str, Any]) -> str:
        return self.template.replace("{pk}", str(world[self.entity].pk))

    @property
    def properties(self) -> dict[str, dict[str, Any]]:
        props: dict[str, dict[str, Any]] = self.schema.get("properties", {})
        return props

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.template}"


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = doc["components"]["schemas"][name]
    return schema


def write_endpoints(client: Client) -> list[Endpoint]:
    resp = client.get(f"{API}/openapi.json")
    assert resp.status_code == 200, resp.status_code
    doc = resp.json()
    found = []
    for template, operations in doc["paths"].items():
        if not template.startswith(f"{API}/org/"):
            continue  # other apps' endpoints: tests/api/test_every_write_endpoint.py
        for method, op in operations.items():
            if method not in WRITE_METHODS:
                continue
            body = op["requestBody"]["content"]["application/json"]["schema"]
            entity = template.removeprefix(f"{API}/org/").split("/")[0]
            found.append(Endpoint(method, template, entity, _resolve(doc, body)))
    return found


@pytest.fixture
def endpoints(client_for) -> list[Endpoint]:  # type: ignore[no-untyped-def]
    return write_endpoints(client_for("quality_manager"))


@pytest.fixture
def rw(users: dict[str, User]) -> Client:
    return token_client(users["quality_manager"], "read_write")


def _base(ep: Endpoint, world: dict[str, Any], n: int | str = "B") -> dict[str, Any]:
    """A valid body: a whole record to create, or a one-field change."""
    return create_payload(ep.entity, world, n) if ep.is_create else {"name": f"이름 {n}"}


def _types(prop: dict[str, Any]) -> set[str]:
    options = prop.get("anyOf", [prop])
    return (
        {o.get("type", "") for o in options}
        | {o.get("format", "") for o in options}
        | ({"enum"} if any("enum" in o or "$ref" in o for o in options) else set())
    )


def _wrong_values(prop: dict[str, Any]) -> list[Any]:
    """Values of the wrong JSON type for a property of this schema."""
    kinds = _types(prop)
    wrong: list[Any] = [{"nested": "object"}]
    if "string" not in kinds and "enum" not in kinds:
        wrong.append("not-a-number")
    if "string" in kinds or "enum" in kinds:
        wrong += [12345, ["list"], True]
    if "integer" in kinds:
        wrong += ["abc", 1.5, [1]]
    if "array" in kinds:
        wrong += ["phone", 7]
    if "date" in kinds:
        wrong += ["31/12/2024", "2024-13-45"]
    return wrong


def test_it_finds_every_write_endpoint_in_the_openapi_document(endpoints: list[Endpoint]) -> None:
    assert {str(e) for e in endpoints} == (
        {f"POST {API}/org/{e}/" for e in ENTITIES}
        | {f"PATCH {API}/org/{e}/{{pk}}/" for e in ENTITIES}
    )
    for ep in endpoints:
        assert ep.properties, ep


class Failures(list[str]):
    def check(self, label: str, fn: Any, *args: Any) -> None:
        try:
            fn(*args)
        except AssertionError as exc:
            self.append(f"{label}: {exc}")

    def assert_none(self) -> None:
        assert not self, "\n".join(self)


def test_it_answers_400_to_malformed_json(
    rw: Client, endpoints: list[Endpoint], world: dict[str, Any]
) -> None:
    failures = Failures()
    for ep in endpoints:
        for raw in ['{"name": ', "{bad json}", "{'single': 'quotes'}", "\xff\xfe", "{}{}", "NaN{"]:
            resp = send(rw, ep.method, ep.url(world), raw=raw)
            failures.check(f"{ep} {raw!r}", assert_problem, resp, 400)
    failures.assert_none()


@pytest.mark.parametrize("raw", ["[]", "[{}]", '"text"', "42", "true", "null"])
def test_it_answers_422_to_a_body_that_is_not_an_object(
    rw: Client,
    endpoints: list[Endpoint],
    world: dict[str, Any],
    raw: str,
) -> None:
    failures = Failures()
    for ep in endpoints:
        # "[{}]" stands for a valid object wrapped in an array.
        raw_body = json.dumps([_base(ep, world)]) if raw == "[{}]" else raw
        resp = send(rw, ep.method, ep.url(world), raw=raw_body)
        failures.check(f"{ep} {raw_body!r}", assert_problem, resp, 422)
    failures.assert_none()


def test_it_answers_422_to_an_empty_body(
    rw: Client, endpoints: list[Endpoint], world: dict[str, Any]
) -> None:
    failures = Failures()
    for ep in endpoints:
        failures.check(str(ep), assert_problem, send(rw, ep.method, ep.url(world), raw=""), 422)
    failures.assert_none()


def test_it_names_the_missing_required_fields(
    rw: Client, endpoints: list[Endpoint], world: dict[str, Any]
) -> None:
    failures = Failures()
    for ep in (e for e in endpoints if e.is_create):
        body = assert_problem(send(rw, "post", ep.url(world), {}), 422)
        for field in ep.schema.get("required", []):
            failures.check(f"{ep} missing {field}", assert_names, body, field)
    failures.assert_none()


def test_it_answers_422_naming_the_field_to_each_wrong_type(
    rw: Client,
    endpoints: list[Endpoint],
    world: dict[str, Any],
) -> None:
    failures = Failures()
    tried = 0
    for ep in endpoints:
        for field, prop in ep.properties.items():
            for value in _wrong_values(prop):
                payload = {**_base(ep, world), field: value}
                resp = send(rw, ep.method, ep.url(world), payload)
                label = f"{ep} {field}={value!r}"
                try:
                    body = assert_problem(resp, 422)
                    assert_names(body, field)
                except AssertionError as exc:
                    failures.append(f"{label}: {exc}")
                tried += 1
    failures.assert_none()
    assert tried > 100


def test_it_rejects_too_long_strings_naming_the_field(
    rw: Client,
    endpoints: list[Endpoint],
    world: dict[str, Any],
) -> None:
    failures = Failures()
    for ep in endpoints:
        for field, prop in ep.properties.items():
            limits = [o["maxLength"] for o in prop.get("anyOf", [prop]) if "maxLength" in o]
            if not limits:
                continue
            resp = send(
                rw, ep.method, ep.url(world), {**_base(ep, world), field: "가" * (limits[0] + 1)}
            )
            try:
                assert_names(assert_problem(resp, 422), field)
            except AssertionError as exc:
                failures.append(f"{ep} {field}: {exc}")
    failures.assert_none()


def test_it_never_fails_on_long_strings_without_a_declared_limit(
    rw: Client,
    endpoints: list[Endpoint],
    world: dict[str, Any],
) -> None:
    """Fields the schema leaves open (e-mail, time zone, descriptions) are either stored or refused
    with a 4xx naming them; the database limit must never surface as a 500."""
    failures = Failures()
    for n, ep in enumerate(endpoints):
        for field, prop in ep.properties.items():
            kinds = _types(prop)
            if (
                "string" not in kinds
                or "date" in kinds
                or any("maxLength" in o for o in prop.get("anyOf", [prop]))
            ):
                continue
            resp = send(
                rw,
                ep.method,
                ep.url(world),
                {**_base(ep, world, f"L{n}{field[:3]}"), field: "x" * 5000},
            )
            try:
                assert_not_5xx(resp)
                if resp.status_code in (400, 422):
                    assert_names(assert_problem(resp, 400, 422), field)
            except AssertionError as exc:
                failures.append(f"{ep} {field}: {exc}")
    failures.assert_none()


def test_it_answers_400_naming_an_unknown_foreign_key(
    rw: Client,
    endpoints: list[Endpoint],
    world: dict[str, Any],
) -> None:
    failures = Failures()
    tried = 0
    for ep in endpoints:
        for field in ep.properties:
            if not field.endswith(("_id", "_ids")):
                continue
            for missing in (999999, 2**63 - 1, 2**70, 0, -1):
                value = [missing] if field.endswith("_ids") else missing
                resp = send(rw, ep.method, ep.url(world), {**_base(ep, world), field: value})
                try:
                    assert_names(assert_problem(resp, 400), field)
                except AssertionError as exc:
                    failures.append(f"{ep} {field}={value}: {exc}")
                tried += 1
    failures.assert_none()
    assert tried >= 30


def test_it_answers_400_naming_a_null_the_record_cannot_hold(
    rw: Client,
    endpoints: list[Endpoint],
    world: dict[str, Any],
) -> None:
    """A PATCH may leave a field out; sending null for a field that cannot be empty is refused,
    not a database error."""
    failures = Failures()
    for ep in (e for e in endpoints if not e.is_create):
        for field in ep.properties:
            resp = send(rw, ep.method, ep.url(world), {field: None})
            try:
                assert_not_5xx(resp)
                if resp.status_code >= 400:
                    assert_names(assert_problem(resp, 400, 422), field)
            except AssertionError as exc:
                failures.append(f"{ep} {field}=null: {exc}")
    failures.assert_none()


def test_it_answers_422_to_nul_characters(
    rw: Client, endpoints: list[Endpoint], world: dict[str, Any]
) -> None:
    """PostgreSQL cannot store NUL: refuse it up front on every text field."""
    failures = Failures()
    for ep in endpoints:
        for field, prop in ep.properties.items():
            if "string" not in _types(prop) or "date" in _types(prop):
                continue
            resp = send(rw, ep.method, ep.url(world), {**_base(ep, world), field: "a\x00b"})
            try:
                assert_names(assert_problem(resp, 422), field)
            except AssertionError as exc:
                failures.append(f"{ep} {field}: {exc}")
    failures.assert_none()


def test_it_answers_413_to_an_oversize_body(
    rw: Client, endpoints: list[Endpoint], world: dict[str, Any]
) -> None:
    failures = Failures()
    for ep in endpoints:
        body = {**_base(ep, world), "padding": "x" * OVERSIZE}
        resp = send(rw, ep.method, ep.url(world), body)
        failures.check(str(ep), assert_problem, resp, 413)
    failures.assert_none()


def test_it_answers_400_naming_a_duplicate_code(
    rw: Client, endpoints: list[Endpoint], world: dict[str, Any]
) -> None:
    failures = Failures()
    for ep in endpoints:
        field = code_field(ep.entity)
        if ep.is_create:
            taken = getattr(world[ep.entity], field)
        else:
            # Another record of the same kind already holds the code.
            other = send(
                rw, "post", f"{API}/org/{ep.entity}/", create_payload(ep.entity, world, "DUP")
            )
            assert other.status_code == 201, other.content
            taken = other.json()[field]
        resp = send(rw, ep.method, ep.url(world), {**_base(ep, world), field: taken})
        try:
            assert_names(assert_problem(resp, 400, 422), field)
        except AssertionError as exc:
            failures.append(f"{ep}: {exc}")
    failures.assert_none()


def test_it_answers_404_to_a_write_on_an_unknown_record(
    rw: Client, endpoints: list[Endpoint]
) -> None:
    failures = Failures()
    for ep in (e for e in endpoints if not e.is_create):
        for pk in ("999999", "9" * 30):
            resp = send(rw, ep.method, ep.template.replace("{pk}", pk), {"name": "x"})
            failures.check(f"{ep} {pk}", assert_problem, resp, 404)
        failures.check(
            f"{ep} abc",
            assert_problem,
            send(rw, ep.method, ep.template.replace("{pk}", "abc"), {"name": "x"}),
            404,
            422,
        )
    failures.assert_none()


def test_it_answers_405_to_an_unsupported_method(rw: Client, world: dict[str, Any]) -> None:
    for entity in ENTITIES:
        for method in ("delete", "put"):
            resp = send(rw, method, f"{API}/org/{entity}/{world[entity].pk}/", {"name": "x"})
            assert resp.status_code == 405, (method, entity, resp.status_code)
        assert send(rw, "patch", f"{API}/org/{entity}/", {"name": "x"}).status_code == 405


def test_it_answers_405_as_problem_json(rw: Client, world: dict[str, Any]) -> None:
    assert_problem(send(rw, "delete", f"{API}/org/sites/{world['site'].pk}/"), 405)


# --- random payloads -------------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=8,
)


def _field_values(world: dict[str, Any]) -> st.SearchStrategy[Any]:
    ids = [world[k].pk for k in ("site", "team", "job_role", "employee", "service")]
    return st.one_of(
        JSON,
        st.sampled_from([*ids, 999999, -1, 0, 2**64]),
        st.lists(st.sampled_from([*ids, 999999]), max_size=3),
        st.lists(st.sampled_from([*Channel.values, "fax", ""]), max_size=4),
        st.text(min_size=0, max_size=300),
        st.dates().map(str),
        st.sampled_from(["Asia/Seoul", "Europe/Paris", "Mars/Base", "", "a@b.co", "not-an-email"]),
    )


def _payloads(ep: Endpoint, world: dict[str, Any]) -> st.SearchStrategy[Any]:
    keys = st.sampled_from(sorted(ep.properties)) | st.text(max_size=12)
    objects = st.dictionaries(keys, _field_values(world), max_size=len(ep.properties) + 2)
    # Mostly objects shaped like the schema, sometimes any JSON at all.
    return st.one_of(objects, objects, objects, JSON)


@pytest.mark.parametrize("method", ["post", "patch"])
@pytest.mark.parametrize("entity", ENTITIES)
def test_it_never_answers_5xx_to_random_json(
    users: dict[str, User],
    world: dict[str, Any],
    client_for: Any,
    entity: str,
    method: str,
) -> None:
    rw = token_client(users["quality_manager"], "read_write")
    (ep,) = [
        e
        for e in write_endpoints(client_for("quality_manager"))
        if e.entity == entity and e.method == method
    ]

    @settings(
        max_examples=30,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(payload=_payloads(ep, world))
    def check(payload: Any) -> None:
        resp = send(rw, ep.method, ep.url(world), raw=json.dumps(payload))
        assert_not_5xx(resp)
        if resp.status_code in (400, 422):
            assert_problem(resp, resp.status_code)

    check()
