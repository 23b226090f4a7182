from __future__ import annotations

import pytest

from sqms.demo.org import PASSWORD, build_org
from sqms.documents.demo import build_documents_demo
from sqms.policy.demo import build_policy_demo
from sqms.policy.models import Commitment, Objective, Review, ReviewStatus
from sqms.policy.services import review_action_qs
from sqms.standards.demo import build_standards_demo

pytestmark = pytest.mark.django_db


def test_it_builds_the_policy_demo_once():
    build_org()
    build_documents_demo(password=PASSWORD)
    build_standards_demo()
    counts = build_policy_demo()
    assert 4 <= counts["objectives"] <= 6
    levels = {o.level for o in Objective.objects.all()}
    assert levels == {"organisation", "site", "team"}
    team = Objective.objects.get(team__isnull=False)
    assert team.parent is not None
    assert team.parent.parent is not None
    assert Commitment.objects.filter(document__number="QP-001").count() == 4
    held = Review.objects.get(status=ReviewStatus.HELD)
    assert held.minutes
    assert held.pack
    assert not held.signatures.exists()
    assert review_action_qs(held).count() == 2
    assert Review.objects.filter(status=ReviewStatus.DRAFT).count() == 1
    assert build_policy_demo() == counts
    assert Review.objects.count() == 2
