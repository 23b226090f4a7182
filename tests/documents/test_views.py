from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from sqms.core.models import AuditEntry
from sqms.core.roles import Role
from sqms.documents import services
from sqms.documents.models import (
    DocType,
    Document,
    Revision,
    RevisionStatus,
    Signature,
    SignatureAttempt,
)
from tests.documents.factories import (
    approve,
    first_revision,
    make_document,
    make_published,
    publish,
    submit,
)
from tests.factories import PASSWORD, make_employee, make_site, make_user

pytestmark = pytest.mark.django_db


def test_it_lists_documents_with_few_queries_and_filters_them(
    client_for, django_assert_max_num_queries
):
    for _ in range(12):
        make_published()
    policy = make_document(doc_type=DocType.POLICY)
    client = client_for(Role.STAFF)
    with django_assert_max_num_queries(12):
        response = client.get("/documents/")
    assert response.status_code == 200
    assert response.content.decode().count('href="/documents/') >= 13
    only = client.get("/documents/", {"doc_type": "policy"}).content.decode()
    assert policy.number in only
    assert "DOC-1<" not in only
    found = client.get("/documents/", {"q": policy.title_en}).content.decode()
    assert policy.number in found


def test_it_creates_a_document_through_the_form_and_logs_it(client_for, users):
    client = client_for(Role.PROCESS_OWNER)
    response = client.post(
        "/documents/new/",
        {
            "number": "WI-7",
            "title_ko": "전화 응대 지침",
            "title_en": "Phone handling",
            "doc_type": DocType.WORK_INSTRUCTION,
            "owner": users[Role.PROCESS_OWNER].pk,
            "review_interval_months": 12,
            "body": "# 인사\n\n<script>alert(1)</script>",
        },
    )
    document = Document.objects.get(number="WI-7")
    assert response.status_code == 302
    assert response["Location"] == f"/documents/{document.pk}/"
    assert AuditEntry.objects.filter(content_type__model="document", action="create").exists()
    page = client.get(response["Location"]).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page


def test_it_keeps_what_was_typed_on_errors(qm_client):
    existing = make_document()
    response = qm_client.post(
        "/documents/new/",
        {"number": existing.number, "title_ko": "중복 번호", "doc_type": "nope"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'value="중복 번호"' in body
    assert 'id="id_number_error"' in body
    assert 'id="id_doc_type_error"' in body


def test_it_serves_the_published_revision_and_marks_older_ones_superseded(client_for):
    document = make_document(body="# 첫 판")
    rev1 = first_revision(document)
    publish(rev1)
    rev2 = services.revision_start(actor=document.owner, document=document)
    services.revision_update(actor=document.owner, revision=rev2, body="# 둘째 판")
    publish(rev2)
    staff = client_for(Role.STAFF)
    page = staff.get(f"/documents/{document.pk}/").content.decode()
    assert "둘째 판" in page
    assert "첫 판" not in page
    old = staff.get(f"/documents/{document.pk}/", {"rev": 1}).content.decode()
    assert "첫 판" in old
    assert "superseded and no longer in force" in old


def test_it_hides_drafts_from_readers(client_for):
    document = make_published()
    draft = services.revision_start(actor=document.owner, document=document)
    staff = client_for(Role.STAFF)
    assert staff.get(f"/documents/{document.pk}/", {"rev": draft.number}).status_code == 404
    assert (
        client_for(Role.QUALITY_MANAGER)
        .get(f"/documents/{document.pk}/", {"rev": draft.number})
        .status_code
        == 200
    )


def test_it_refuses_to_edit_a_published_revision_and_offers_a_new_one(qm_client):
    document = make_published()
    revision = first_revision(document)
    response = qm_client.post(f"/documents/revisions/{revision.pk}/edit/", {"body": "# 고친 내용"})
    body = response.content.decode()
    assert response.status_code == 400
    assert "Start a new revision" in body
    assert "고친 내용" in body  # what was typed is kept
    revision.refresh_from_db()
    assert "고친 내용" not in revision.body


def test_it_edits_a_draft_and_submits_it_for_review(client_for, users):
    author = users[Role.PROCESS_OWNER]
    revision = first_revision(make_document(owner=author))
    client = client_for(Role.PROCESS_OWNER)
    response = client.post(
        f"/documents/revisions/{revision.pk}/edit/", {"body": "# 새 본문", "change_summary": "x"}
    )
    assert response.status_code == 302
    response = client.post(
        f"/documents/revisions/{revision.pk}/status/", {"to": RevisionStatus.IN_REVIEW}
    )
    assert response.status_code == 302
    revision.refresh_from_db()
    assert revision.status == RevisionStatus.IN_REVIEW
    assert revision.body == "# 새 본문"


def test_it_refuses_a_status_change_the_page_does_not_offer(qm_client):
    revision = first_revision(make_document())
    qm_client.post(f"/documents/revisions/{revision.pk}/status/", {"to": "published"})
    revision.refresh_from_db()
    assert revision.status == RevisionStatus.DRAFT


def _sign_page(client: Client, revision: Revision, **data: str):  # type: ignore[no-untyped-def]
    payload = {"meaning": "approved", "printed_name": "최승인", "password": PASSWORD} | data
    return client.post(f"/documents/revisions/{revision.pk}/sign/", payload)


def test_it_signs_on_the_page_and_shows_the_signature_valid(client_for, users):
    revision = submit(first_revision(make_document()))
    response = _sign_page(client_for(Role.ADMIN), revision)
    assert response.status_code == 302
    signature = Signature.objects.get()
    assert signature.signer == users[Role.ADMIN]
    page = client_for(Role.STAFF).get(response["Location"])
    assert page.status_code == 404  # approved, not yet published: not for readers
    page = client_for(Role.QUALITY_MANAGER).get(response["Location"]).content.decode()
    assert "최승인" in page
    assert "badge-ok" in page


def test_it_rejects_a_wrong_password_on_the_page_then_throttles(client_for, users):
    revision = submit(first_revision(make_document()))
    client = client_for(Role.ADMIN)
    response = _sign_page(client, revision, password="nope")
    body = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_password_error"' in body
    assert 'value="최승인"' in body
    assert 'value="nope"' not in body
    for _ in range(4):
        _sign_page(client, revision, password="nope")
    assert _sign_page(client, revision).status_code == 429
    assert not Signature.objects.exists()
    assert SignatureAttempt.objects.filter(user=users[Role.ADMIN]).count() == 6


def test_it_explains_that_the_author_may_not_approve_a_policy(client_for, users):
    author = users[Role.QUALITY_MANAGER]
    revision = submit(first_revision(make_document(owner=author, doc_type=DocType.POLICY)))
    response = _sign_page(client_for(Role.QUALITY_MANAGER), revision)
    assert response.status_code == 400
    assert "may not be approved by its own author" in response.content.decode()


def test_it_publishes_with_a_campaign_and_the_employee_acknowledges(client_for, users):
    site = make_site()
    employee = make_employee(site=site)
    employee.user = users[Role.STAFF]
    employee.save(update_fields=["user"])
    revision = approve(first_revision(make_document()))
    deadline = (timezone.localdate() + dt.timedelta(days=5)).isoformat()
    response = client_for(Role.QUALITY_MANAGER).post(
        f"/documents/revisions/{revision.pk}/publish/", {"deadline": deadline, "sites": [site.pk]}
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/documents/campaigns/")
    staff = client_for(Role.STAFF)
    todo = staff.get("/documents/acknowledgements/").content.decode()
    assert revision.document.number in todo
    ack = revision.campaigns.get().acknowledgements.get()
    assert staff.post(f"/documents/acknowledgements/{ack.pk}/confirm/").status_code == 302
    ack.refresh_from_db()
    assert ack.acknowledged_at is not None
    report = client_for(Role.EXECUTIVE).get(response["Location"]).content.decode()
    assert "1 / 1" in report


def test_it_asks_for_a_deadline_when_targets_are_chosen(qm_client):
    revision = approve(first_revision(make_document()))
    response = qm_client.post(
        f"/documents/revisions/{revision.pk}/publish/", {"sites": [make_site().pk]}
    )
    assert response.status_code == 400
    assert 'id="id_deadline_error"' in response.content.decode()
    revision.refresh_from_db()
    assert revision.status == RevisionStatus.APPROVED


def test_it_does_not_confirm_someone_elses_acknowledgement(client_for, users):
    site = make_site()
    employee = make_employee(site=site)
    employee.user = make_user(Role.STAFF)
    employee.save(update_fields=["user"])
    campaign = publish(first_revision(make_document()), sites=[site])
    assert campaign is not None
    ack = campaign.acknowledgements.get()
    assert (
        client_for(Role.STAFF).post(f"/documents/acknowledgements/{ack.pk}/confirm/").status_code
        == 404
    )


def test_it_shows_an_escaped_diff_between_revisions(client_for):
    document = make_document(body="줄 하나\n<b>굵게</b>\n")
    publish(first_revision(document))
    rev2 = services.revision_start(actor=document.owner, document=document)
    services.revision_update(actor=document.owner, revision=rev2, body="줄 하나\n바뀐 줄\n")
    publish(rev2)
    page = client_for(Role.AUDITOR).get(f"/documents/{document.pk}/diff/").content.decode()
    assert "바뀐&nbsp;줄" in page
    assert "&lt;b&gt;" in page
    assert "<b>굵게" not in page


def test_it_shows_the_history_tab(qm_client):
    document = make_document()
    page = qm_client.get(f"/documents/{document.pk}/", {"tab": "history"}).content.decode()
    assert document.title_ko in page
