from __future__ import annotations

import pytest

from sqms.feedback.demo import build_feedback_demo
from sqms.feedback.models import Response as SurveyResponse
from sqms.feedback.models import Survey
from tests.factories import make_employee, make_service, make_site, make_team


@pytest.mark.django_db
def test_it_builds_the_demo_once():
    site = make_site()
    make_service([site])
    make_employee(team=make_team(site))
    assert build_feedback_demo(responses=30, servqual_responses=10) == {
        "surveys": 2,
        "responses": 40,
    }
    assert SurveyResponse.objects.count() == 40
    assert Survey.objects.count() == 2
    assert build_feedback_demo(responses=30, servqual_responses=10)["surveys"] == 0


@pytest.mark.django_db
def test_it_analyses_the_demo_surveys(qm_client):
    site = make_site()
    make_service([site])
    for _ in range(3):
        make_employee(team=make_team(site))
    build_feedback_demo(responses=40, servqual_responses=15)
    for survey in Survey.objects.all():
        r = qm_client.get(f"/feedback/{survey.pk}/analysis/")
        assert r.status_code == 200
    sq = Survey.objects.get(code="DEMO-SERVQUAL")
    a = qm_client.get(f"/feedback/{sq.pk}/analysis/").context["a"]
    assert a.servqual_dimensions[1].gap < 0
    assert all(d.alpha is not None for d in a.servqual_dimensions)
