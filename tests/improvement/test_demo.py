from __future__ import annotations

import pytest

from sqms.core.roles import Role
from sqms.improvement import selectors
from sqms.improvement.demo import build_improvement_demo
from sqms.improvement.models import NcStatus, Signature, Verdict
from tests.factories import PASSWORD, make_service, make_site, make_user

pytestmark = pytest.mark.django_db


def test_it_builds_the_improvement_demo_once():
    qm = make_user(Role.QUALITY_MANAGER, username="quality")
    make_user(Role.PROCESS_OWNER, username="owner")
    make_user(Role.STAFF, username="staff")
    site = make_site()
    make_service([site])
    make_service([site])

    made = build_improvement_demo(password=PASSWORD)

    assert [nc.status for nc in made] == [
        NcStatus.CLOSED,
        NcStatus.ACTION_PLANNED,
        NcStatus.OPEN,
        NcStatus.CANCELLED,
    ]
    closed = made[0]
    assert closed.checks.get().verdict == Verdict.IMPROVED
    assert Signature.objects.filter(nonconformance=closed).count() == 1
    assert selectors.nonconformance_signatures(nc=closed)[0].valid
    assert selectors.effectiveness_rate(user=qm).rate == 1.0
    assert len(build_improvement_demo(password=PASSWORD)) == 4
