from __future__ import annotations

import pytest

from sqms.core.roles import Role
from sqms.feedback.demo import build_complaints_demo, build_feedback_demo
from sqms.feedback.models import Complaint, CustomerNeed, FollowUp, NeedStandardLink
from sqms.feedback.needs import qfd_matrix
from tests.factories import make_employee, make_service, make_site, make_team, make_user
from tests.standards.factories import make_standard


@pytest.mark.django_db
def test_it_builds_the_complaints_demo_once(qm_client):
    site = make_site()
    service = make_service([site])
    make_employee(team=make_team(site))
    make_user(Role.PROCESS_OWNER)
    make_standard(service=service, code="STD-CARD-ASA")
    build_feedback_demo(responses=40, servqual_responses=5)
    counts = build_complaints_demo(complaints=40)
    assert counts["complaints"] == 40
    assert counts["needs"] == 8
    statuses = set(Complaint.objects.values_list("status", flat=True))
    assert {"closed", "acknowledged", "received"} <= statuses
    assert Complaint.objects.filter(satisfaction__isnull=False).exists()
    assert FollowUp.objects.exists()
    assert CustomerNeed.objects.count() == 8
    assert NeedStandardLink.objects.exists()
    m = qfd_matrix()
    assert m.uncovered
    assert any(w for w in m.weights.values())
    assert build_complaints_demo(complaints=40)["complaints"] == 0
    for url in (
        "/feedback/complaints/",
        "/feedback/follow-ups/?view=all",
        "/feedback/needs/matrix/",
    ):
        assert qm_client.get(url).status_code == 200
