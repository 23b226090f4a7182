"""The OpenAPI document and the interactive docs, served from our own static files."""

from __future__ import annotations

import re

from django.contrib.staticfiles import finders
from django.test import Client

from tests.api.conftest import API, ENTITIES


def test_it_serves_the_openapi_document_with_every_entity(client_for) -> None:  # type: ignore[no-untyped-def]
    resp = client_for("staff").get(f"{API}/openapi.json")
    assert resp.status_code == 200
    assert resp["Content-Type"].startswith("application/json")
    doc = resp.json()
    assert doc["openapi"].startswith("3.")
    assert doc["info"]["title"] == "SQMS API"
    paths = doc["paths"]
    for entity in ENTITIES:
        assert set(paths[f"{API}/org/{entity}/"]) == {"get", "post"}, entity
        assert set(paths[f"{API}/org/{entity}/{{pk}}/"]) == {"get", "patch"}, entity
        params = {p["name"] for p in paths[f"{API}/org/{entity}/"]["get"]["parameters"]}
        assert {"q", "site", "archived", "page"} <= params, (entity, params)
    schemes = doc["components"]["securitySchemes"]
    assert any(s.get("scheme", "").lower() == "bearer" for s in schemes.values()), schemes


def test_it_serves_the_docs_page_without_any_cdn(client_for) -> None:  # type: ignore[no-untyped-def]
    resp = client_for("staff").get(f"{API}/docs")
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "swagger" in html.lower()
    scripts = re.findall(r"<script[^>]*\bsrc=[\"']([^\"']+)", html)
    styles = re.findall(r"<link[^>]*\bhref=[\"']([^\"']+)", html)
    assert scripts, html
    for url in scripts + styles:
        assert "cdn" not in url.lower(), url
        assert "http" not in url.lower(), url
        assert not url.startswith("//"), url
        assert url.startswith("/"), url
    assert "cdn." not in html
    assert "unpkg" not in html
    assert "jsdelivr" not in html
    # What it points at exists among the static files.
    for url in scripts + styles:
        path = url.split("?")[0].removeprefix("/static/")
        assert finders.find(path), url


def test_it_does_not_serve_the_docs_to_an_anonymous_visitor(db: None) -> None:
    for path in (f"{API}/docs", f"{API}/openapi.json"):
        resp = Client().get(path)
        assert resp.status_code in (302, 401, 403), (path, resp.status_code)
