"""Two people editing one nonconformance: the second gets a conflict, not a silent overwrite."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sqms.core.models import AuditEntry
from sqms.core.roles import Role
from sqms.improvement.models import Nonconformance
from tests.improvement.factories import make_nc

pytestmark = pytest.mark.django_db


def _form(nc: Nonconformance, **changes: str) -> dict[str, str]:
    data = {
        "title": nc.title,
        "description": nc.description,
        "source_reference": nc.source_reference,
        "evidence_text": nc.evidence_text,
        "severity": nc.severity,
        "service": str(nc.service_id or ""),
        "site": str(nc.site_id or ""),
        "process": nc.process,
        "standard_version": str(nc.standard_version_id or ""),
        "containment": nc.containment,
        "correction": nc.correction,
        "seen_updated_at": nc.updated_at.isoformat(),
    }
    data.update(changes)
    return data


def test_it_refuses_the_second_of_two_concurrent_edits(client_for):
    nc = make_nc()
    url = reverse("improvement:nonconformance_edit", kwargs={"pk": nc.pk})
    first = _form(nc, title="첫 번째 수정")
    second = _form(nc, title="두 번째 수정")  # loaded at the same time as the first

    assert client_for(Role.QUALITY_MANAGER).post(url, first).status_code == 302
    before = AuditEntry.objects.count()
    r = client_for(Role.QUALITY_MANAGER).post(url, second)

    assert r.status_code == 409
    page = r.content.decode()
    assert "while you were editing it" in page or "편집하는 동안 다른 사용자가" in page
    nc.refresh_from_db()
    assert nc.title == "첫 번째 수정"
    assert AuditEntry.objects.count() == before
    # the refused form keeps what the user typed
    assert "두 번째 수정" in r.content.decode()
