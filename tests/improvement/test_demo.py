from __future__ import annotations

import pytest

from sqms.core.roles import Role
from sqms.improvement import selectors
from sqms.improvement.demo import build_improvement_demo
from sqms.improvement.models import (
    Initiative,
    Lesson,
    NcStatus,
    Signature,
    Stage,
    Suggestion,
    SuggestionComment,
    SuggestionStatus,
    SuggestionVote,
    Verdict,
)
from tests.factories import PASSWORD, make_employee, make_service, make_site, make_team, make_user

pytestmark = pytest.mark.django_db


def test_it_builds_the_improvement_demo_once():
    qm = make_user(Role.QUALITY_MANAGER, username="quality")
    make_user(Role.PROCESS_OWNER, username="owner")
    make_user(Role.STAFF, username="staff")
    site = make_site()
    make_service([site])
    make_service([site])
    teams = [make_team(site) for _ in range(3)]
    for team in teams:
        for _ in range(4):
            make_employee(team=team)

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
    stages = set(Initiative.objects.values_list("stage", flat=True))
    assert {Stage.PLAN, Stage.DO, Stage.CHECK, Stage.ACT, Stage.COMPLETED} <= stages
    assert Suggestion.objects.count() == 20
    assert Suggestion.objects.filter(anonymous=True).exists()
    assert SuggestionVote.objects.count() > 10
    assert SuggestionComment.objects.exists()
    statuses = set(Suggestion.objects.values_list("status", flat=True))
    assert statuses == set(SuggestionStatus.values)
    assert Lesson.objects.count() == 2
    rows = selectors.participation(user=qm)
    assert sum(1 for r in rows if r.participants) >= 3  # across teams

    again = build_improvement_demo(password=PASSWORD)
    assert [nc.pk for nc in again] == [nc.pk for nc in made]
    assert Suggestion.objects.count() == 20
    assert Lesson.objects.count() == 2
