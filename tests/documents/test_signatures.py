from __future__ import annotations

import pytest

from sqms.core.models import AuditEntry
from sqms.core.roles import Role
from sqms.documents import services
from sqms.documents.models import (
    AttemptOutcome,
    DocType,
    Meaning,
    Revision,
    RevisionStatus,
    Signature,
    SignatureAttempt,
)
from sqms.documents.selectors import revision_signatures
from tests.documents.factories import first_revision, make_document, submit
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def _sign(revision, user, password=PASSWORD, meaning=Meaning.REVIEWED):  # type: ignore[no-untyped-def]
    return services.revision_sign(
        actor=user, revision=revision, password=password, meaning=meaning, printed_name="김검토"
    )


def test_it_binds_the_signature_to_the_content_hash():
    revision = submit(first_revision(make_document()))
    signature = _sign(revision, make_user(Role.PROCESS_OWNER))
    assert signature.content_hash == revision.content_hash
    assert signature.printed_name == "김검토"
    assert signature.signed_at is not None
    assert [r.valid for r in revision_signatures(revision=revision)] == [True]
    # Content changed behind the workflow's back: the signature shows as no longer valid.
    Revision.objects.filter(pk=revision.pk).update(body="몰래 바꾼 내용")
    revision.refresh_from_db()
    assert [r.valid for r in revision_signatures(revision=revision)] == [False]


def test_it_rejects_a_wrong_password_and_logs_the_attempt():
    revision = submit(first_revision(make_document()))
    signer = make_user(Role.QUALITY_MANAGER)
    with pytest.raises(services.WrongPassword):
        _sign(revision, signer, password="wrong")
    assert not Signature.objects.exists()
    attempt = SignatureAttempt.objects.get()
    assert attempt.outcome == AttemptOutcome.WRONG_PASSWORD
    assert AuditEntry.objects.filter(
        content_type__model="signatureattempt", object_id=str(attempt.pk), actor=signer
    ).exists()


def test_it_throttles_after_five_wrong_passwords():
    revision = submit(first_revision(make_document()))
    signer = make_user(Role.QUALITY_MANAGER)
    for _ in range(services.SIGN_FAILURE_LIMIT):
        with pytest.raises(services.WrongPassword):
            _sign(revision, signer, password="wrong")
    with pytest.raises(services.SigningThrottled):
        _sign(revision, signer)  # even the right password waits
    assert not Signature.objects.exists()
    assert SignatureAttempt.objects.filter(outcome=AttemptOutcome.THROTTLED).count() == 1


def test_it_forbids_self_approval_where_the_type_forbids_it():
    author = make_user(Role.QUALITY_MANAGER)
    revision = submit(first_revision(make_document(owner=author, doc_type=DocType.POLICY)))
    with pytest.raises(services.SqmsError, match="own author"):
        _sign(revision, author, meaning=Meaning.APPROVED)
    revision.refresh_from_db()
    assert revision.status == RevisionStatus.IN_REVIEW


def test_it_allows_self_approval_of_a_form():
    author = make_user(Role.PROCESS_OWNER)
    revision = submit(first_revision(make_document(owner=author, doc_type=DocType.FORM)))
    _sign(revision, author, meaning=Meaning.APPROVED)
    revision.refresh_from_db()
    assert revision.status == RevisionStatus.APPROVED


def test_it_refuses_an_approver_whose_role_the_type_does_not_list():
    revision = submit(first_revision(make_document(doc_type=DocType.POLICY)))
    with pytest.raises(services.SqmsError, match="may not sign"):
        _sign(revision, make_user(Role.PROCESS_OWNER), meaning=Meaning.APPROVED)


def test_it_signs_only_revisions_in_review():
    revision = first_revision(make_document())
    with pytest.raises(services.InvalidTransition):
        _sign(revision, make_user(Role.QUALITY_MANAGER))
