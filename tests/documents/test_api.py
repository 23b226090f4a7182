from __future__ import annotations

import pytest

from sqms.core.roles import Role
from sqms.documents import services
from tests.documents.factories import make_published, publish
from tests.factories import make_employee, make_site

pytestmark = pytest.mark.django_db


def test_it_lists_and_reads_documents_and_revisions(client_for):
    document = make_published()
    client = client_for(Role.STAFF)
    listing = client.get("/api/v1/documents/").json()
    assert listing["count"] == 1
    assert listing["items"][0]["published_number"] == 1
    assert client.get(f"/api/v1/documents/{document.pk}/").json()["number"] == document.number
    revisions = client.get(f"/api/v1/documents/{document.pk}/revisions/").json()
    assert [r["status"] for r in revisions] == ["published"]
    detail = client.get(f"/api/v1/documents/revisions/{revisions[0]['id']}/").json()
    assert detail["signatures"][0]["valid"] is True
    assert detail["signatures"][0]["meaning"] == "approved"


def test_it_hides_drafts_from_readers_in_the_api(client_for):
    document = make_published()
    draft = services.revision_start(actor=document.owner, document=document)
    url = f"/api/v1/documents/revisions/{draft.pk}/"
    assert client_for(Role.STAFF).get(url).status_code == 404
    assert client_for(Role.PROCESS_OWNER).get(url).status_code == 200


def test_it_confirms_an_acknowledgement_through_the_api(client_for, users):
    site = make_site()
    employee = make_employee(site=site)
    employee.user = users[Role.STAFF]
    employee.save(update_fields=["user"])
    document = make_published()
    rev2 = services.revision_start(actor=document.owner, document=document)
    campaign = publish(rev2, sites=[site])
    assert campaign is not None
    client = client_for(Role.STAFF)
    todo = client.get("/api/v1/documents/acknowledgements/").json()
    assert [a["revision_number"] for a in todo] == [2]
    url = f"/api/v1/documents/acknowledgements/{todo[0]['id']}/confirm/"
    refused = client.post(url, {"read_and_understood": False}, content_type="application/json")
    assert refused.status_code == 422
    response = client.post(url, {"read_and_understood": True}, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["acknowledged_at"] is not None
    other = client_for(Role.AUDITOR).post(
        url, {"read_and_understood": True}, content_type="application/json"
    )
    assert other.status_code == 404
