"""The policy API: objectives with their computed progress, reviews with their pack."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from sqms.core.roles import Role
from sqms.policy.models import Objective
from tests.api.conftest import token_client
from tests.factories import make_site, make_user
from tests.policy.factories import add_rollup, held_with_minutes, make_objective, make_review
from tests.standards.factories import make_standard

pytestmark = pytest.mark.django_db
API = "/api/v1/policy"


def test_it_lists_and_reads_objectives_with_computed_progress(client_for):
    standard = make_standard()
    objective = make_objective(standard=standard, baseline=70, target=90)
    add_rollup(standard, timezone.localdate() - dt.timedelta(days=1), n=10, n_meeting=8)
    client = client_for(Role.STAFF)
    listing = client.get(f"{API}/objectives/").json()
    assert listing["count"] == 1
    item = listing["items"][0]
    assert item["level"] == "organisation"
    assert item["segment"] == ""
    assert item["progress"]["current"] == pytest.approx(80.0)
    assert item["progress"]["progress"] == pytest.approx(50.0)
    detail = client.get(f"{API}/objectives/{objective.pk}/").json()
    assert detail["progress"]["health"] in {"on_track", "at_risk", "off_track"}
    nodata = make_objective()
    assert client.get(f"{API}/objectives/{nodata.pk}/").json()["progress"] == {
        "current": None,
        "progress": None,
        "elapsed": pytest.approx(50.0),
        "health": "no_data",
        "as_of": timezone.localdate().isoformat(),
    }


def test_it_creates_an_objective_and_refuses_readers_and_bad_input(users):
    standard = make_standard()
    site = make_site()
    payload = {
        "statement_ko": "지점 응답률 90%",
        "standard_id": standard.pk,
        "site_id": site.pk,
        "baseline": 70,
        "target": 90,
        "deadline": (timezone.localdate() + dt.timedelta(days=90)).isoformat(),
    }
    qm = token_client(users[Role.QUALITY_MANAGER])
    created = qm.post(f"{API}/objectives/", payload, content_type="application/json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["level"] == "site"
    assert body["segment"] == f"site:{site.pk}"
    assert body["owner_id"] == users[Role.QUALITY_MANAGER].pk
    staff = token_client(users[Role.STAFF])
    refused = staff.post(f"{API}/objectives/", payload, content_type="application/json")
    assert refused.status_code == 403
    same = qm.post(f"{API}/objectives/", {**payload, "target": 70}, content_type="application/json")
    assert same.status_code in (400, 422)
    assert "target" in same.content.decode()
    unknown = qm.post(
        f"{API}/objectives/", {**payload, "standard_id": 999999}, content_type="application/json"
    )
    assert unknown.status_code in (403, 404)
    assert Objective.objects.count() == 1


def test_it_lists_and_reads_reviews_with_their_frozen_pack(client_for, users):
    qm = users[Role.QUALITY_MANAGER]
    review = held_with_minutes(make_review(actor=qm), qm)
    make_review(actor=qm)
    client = client_for(Role.AUDITOR)
    assert client.get(f"{API}/reviews/").json()["count"] == 2
    detail = client.get(f"{API}/reviews/{review.pk}/").json()
    assert detail["pack_frozen"] is True
    assert detail["pack"] == review.pack
    assert detail["attendee_ids"] == [qm.pk]
    assert client.get(f"{API}/reviews/999999/").status_code == 404


def test_it_hides_other_sites_objectives_in_the_api():
    mine, theirs = make_site(), make_site()
    org = make_objective()
    hidden = make_objective(site=theirs, parent=org)
    limited = token_client(make_user(Role.STAFF, sites=[mine]))
    assert limited.get(f"{API}/objectives/{hidden.pk}/").status_code == 404
    assert limited.get(f"{API}/objectives/").json()["count"] == 1
