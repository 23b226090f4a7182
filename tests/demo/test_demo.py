from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from sqms.core.audit import audit_verify
from sqms.core.models import AuditEntry, User
from sqms.core.roles import Role
from sqms.org.models import Employee, Service, Site, Team

pytestmark = pytest.mark.django_db


def test_it_builds_a_believable_organisation_once():
    out = io.StringIO()
    call_command("demo", stdout=out)
    assert (Site.objects.count(), Team.objects.count(), Employee.objects.count()) == (5, 10, 80)
    assert Service.objects.count() == 8
    channels = {c for s in Service.objects.all() for c in s.channels}
    assert {"phone", "chat", "email", "visit"} <= channels
    assert {u.role for u in User.objects.all()} == set(Role.values)
    # Korean names: every employee's name is Hangul.
    assert all("\uac00" <= ch <= "\ud7a3" for e in Employee.objects.all() for ch in e.name)
    entries = AuditEntry.objects.count()

    call_command("demo", stdout=io.StringIO())
    assert Employee.objects.count() == 80
    assert AuditEntry.objects.count() == entries
    assert audit_verify() == (entries, None)
    assert "sqms-demo" in out.getvalue()


def test_it_limits_the_demo_staff_member_to_one_site():
    call_command("demo", stdout=io.StringIO())
    staff = User.objects.get(username="staff")
    assert list(staff.scoped_sites.values_list("code", flat=True)) == ["BSN"]
    assert staff.employee.site.code == "BSN"


def test_it_adds_documents_and_standards_once():
    from sqms.documents.models import Document
    from sqms.standards.models import Metric, ServiceStandard

    call_command("demo", stdout=io.StringIO())
    counts = (Document.objects.count(), Metric.objects.count(), ServiceStandard.objects.count())
    assert all(counts)
    call_command("demo", stdout=io.StringIO())
    assert (
        Document.objects.count(),
        Metric.objects.count(),
        ServiceStandard.objects.count(),
    ) == counts
    assert audit_verify()[1] is None
