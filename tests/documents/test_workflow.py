from __future__ import annotations

import pytest

from sqms.core.exceptions import InvalidTransition, SqmsError
from sqms.core.models import AuditEntry
from sqms.core.roles import Role
from sqms.documents import services
from sqms.documents.models import RevisionStatus, StatusChange
from tests.documents.factories import approve, first_revision, make_document, publish, submit
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_it_starts_a_document_with_a_draft_first_revision_and_logs_both():
    document = make_document()
    revision = first_revision(document)
    assert revision.status == RevisionStatus.DRAFT
    assert len(revision.content_hash) == 64
    models = set(
        AuditEntry.objects.filter(action="create").values_list("content_type__model", flat=True)
    )
    assert {"document", "revision"} <= models


def test_it_walks_draft_review_approved_published_and_records_each_change():
    revision = first_revision(make_document())
    publish(revision)
    assert revision.status == RevisionStatus.PUBLISHED
    assert revision.published_at is not None
    steps = list(StatusChange.objects.filter(revision=revision).values_list("to_status", flat=True))
    assert steps == [RevisionStatus.IN_REVIEW, RevisionStatus.APPROVED, RevisionStatus.PUBLISHED]
    revision.document.refresh_from_db()
    assert revision.document.next_review_on is not None


@pytest.mark.parametrize(
    "to", [RevisionStatus.APPROVED, RevisionStatus.PUBLISHED, RevisionStatus.SUPERSEDED]
)
def test_it_refuses_transitions_the_table_does_not_have(to):
    revision = first_revision(make_document())
    with pytest.raises(InvalidTransition):
        services.revision_transition(actor=revision.created_by, revision=revision, to=to)
    revision.refresh_from_db()
    assert revision.status == RevisionStatus.DRAFT
    assert not StatusChange.objects.exists()


def test_it_refuses_to_approve_without_a_signature():
    revision = submit(first_revision(make_document()))
    with pytest.raises(InvalidTransition, match="approval signature"):
        services.revision_transition(
            actor=revision.created_by, revision=revision, to=RevisionStatus.APPROVED
        )


def test_it_supersedes_the_previous_published_revision_on_publish():
    document = make_document()
    rev1 = first_revision(document)
    publish(rev1)
    rev2 = services.revision_start(actor=rev1.created_by, document=document)
    assert rev2.body == rev1.body
    services.revision_update(actor=rev1.created_by, revision=rev2, body="# 둘째 판")
    publish(rev2)
    rev1.refresh_from_db()
    assert rev1.status == RevisionStatus.SUPERSEDED
    assert document.revisions.filter(status=RevisionStatus.PUBLISHED).get() == rev2


def test_it_keeps_a_published_revision_read_only_and_says_to_start_a_new_one():
    revision = first_revision(make_document())
    publish(revision)
    with pytest.raises(SqmsError, match="Start a new revision"):
        services.revision_update(actor=revision.created_by, revision=revision, body="changed")
    revision.refresh_from_db()
    assert revision.body != "changed"


def test_it_allows_only_one_revision_in_progress():
    document = make_document()
    with pytest.raises(SqmsError, match="still in progress"):
        services.revision_start(actor=document.owner, document=document)


def test_it_returns_an_approved_revision_to_draft_and_invalidates_its_signature_on_edit():
    from sqms.documents.selectors import revision_signatures

    revision = approve(first_revision(make_document()), make_user(Role.ADMIN))
    assert all(row.valid for row in revision_signatures(revision=revision))
    services.revision_transition(
        actor=revision.created_by, revision=revision, to=RevisionStatus.DRAFT, reason="수정 필요"
    )
    revision = services.revision_update(
        actor=revision.created_by, revision=revision, body="# 바뀐 내용"
    )
    rows = revision_signatures(revision=revision)
    assert rows
    assert not any(row.valid for row in rows)
    submit(revision)
    with pytest.raises(InvalidTransition):
        services.revision_transition(
            actor=revision.created_by, revision=revision, to=RevisionStatus.APPROVED
        )
