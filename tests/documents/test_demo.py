from __future__ import annotations

import pytest

from sqms.core.roles import Role
from sqms.documents.demo import build_documents_demo
from sqms.documents.models import Acknowledgement, Document, RevisionStatus, Signature
from tests.factories import PASSWORD, make_employee, make_site, make_user

pytestmark = pytest.mark.django_db


def test_it_builds_the_demo_documents_once():
    for username, role in [
        ("admin", Role.ADMIN),
        ("quality", Role.QUALITY_MANAGER),
        ("owner", Role.PROCESS_OWNER),
    ]:
        make_user(role, username=username)
    employee = make_employee(site=make_site())
    employee.user = make_user(Role.STAFF, username="staff")
    employee.save(update_fields=["user"])

    made = build_documents_demo(password=PASSWORD)

    assert [d.number for d in made] == ["QP-001", "PR-VOC-01", "PR-QA-02"]
    policy = Document.objects.get(number="QP-001")
    published = policy.revisions.get(status=RevisionStatus.PUBLISHED)
    assert "품질방침" in published.body
    assert Signature.objects.filter(revision=published).count() == 2
    assert Acknowledgement.objects.filter(campaign__revision=published).count() == 1
    assert build_documents_demo(password=PASSWORD) == []
