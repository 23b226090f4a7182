"""The quality policy page: the signed published revision, commitments, acknowledgement rate."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from sqms.core.roles import Role
from sqms.documents import services as document_services
from sqms.documents.models import DocType
from sqms.policy import services
from sqms.policy.models import Commitment
from tests.documents.factories import first_revision, make_document, publish
from tests.factories import make_employee, make_site, make_user
from tests.policy.factories import make_objective

pytestmark = pytest.mark.django_db


def _policy_with_campaign():  # type: ignore[no-untyped-def]
    qm = make_user(Role.QUALITY_MANAGER)
    document = make_document(
        owner=qm, doc_type=DocType.POLICY, body="# 품질방침\n\n<b>고객</b> 우선"
    )
    site = make_site()
    people = []
    for _ in range(4):
        employee = make_employee(site=site)
        employee.user = make_user(Role.STAFF)
        employee.save(update_fields=["user"])
        people.append(employee.user)
    campaign = publish(
        first_revision(document), sites=[site], deadline=timezone.localdate() + dt.timedelta(days=7)
    )
    assert campaign is not None
    return qm, document, campaign, people


def test_it_shows_the_signed_revision_commitments_and_the_acknowledgement_rate(client_for):
    qm, document, campaign, people = _policy_with_campaign()
    objective = make_objective(actor=qm, statement_ko="응답률 90%")
    services.commitment_create(
        actor=qm,
        document=document,
        statement_ko="측정하고 개선한다",
        statement_en="We measure",
        order=1,
        objectives=[objective],
    )
    client = client_for(Role.STAFF)
    html = client.get(reverse("policy:policy")).content.decode()
    assert "&lt;b&gt;고객&lt;/b&gt;" in html  # rendered safely
    assert "박승인" in html
    assert "Valid" in html
    assert "<strong>0%</strong>" in html
    assert "0 of 4 people confirmed" in html
    assert "We measure" in html
    assert "응답률 90%" in html
    ack = campaign.acknowledgements.get(user=people[0])
    document_services.acknowledgement_confirm(actor=people[0], acknowledgement=ack)
    html = client.get(reverse("policy:policy")).content.decode()
    assert "<strong>25%</strong>" in html
    assert "1 of 4 people confirmed" in html
    assert reverse("documents:document_detail", args=[document.pk]) in html
    korean = client.get(reverse("policy:policy"), HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "측정하고 개선한다" in korean
    assert "We measure" not in korean


def test_it_says_so_when_there_is_no_policy_document(client_for):
    html = client_for(Role.EXECUTIVE).get(reverse("policy:policy")).content.decode()
    assert "No controlled document of type policy exists yet." in html


def test_it_adds_edits_and_removes_a_commitment_with_audit(client_for):
    _qm, document, _campaign, _people = _policy_with_campaign()
    client = client_for(Role.QUALITY_MANAGER)
    assert client_for(Role.STAFF).get(reverse("policy:commitment_create")).status_code == 403
    bad = client.post(reverse("policy:commitment_create"), {"order": "1", "statement_en": "x"})
    assert bad.status_code == 400
    response = client.post(
        reverse("policy:commitment_create"), {"order": "2", "statement_ko": "법규를 준수한다"}
    )
    assert response.status_code == 302
    commitment = Commitment.objects.get()
    assert commitment.document == document
    edit = reverse("policy:commitment_edit", args=[commitment.pk])
    client.post(edit, {"order": "3", "statement_ko": "법규와 약속을 준수한다"})
    commitment.refresh_from_db()
    assert (commitment.order, commitment.statement_ko) == (3, "법규와 약속을 준수한다")
    client.post(edit, {"archive-reason": "중복"})
    commitment.refresh_from_db()
    assert commitment.archived_at is not None
    assert "법규와 약속을 준수한다" not in client.get(reverse("policy:policy")).content.decode()
