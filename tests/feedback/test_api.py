from __future__ import annotations

import json

import pytest
from django.test import Client

from sqms.feedback import services
from sqms.feedback.models import Response as SurveyResponse
from tests.feedback.factories import make_link, make_survey, questions, respond


def _post(link, body):
    return Client().post(
        f"/api/v1/feedback/links/{link.token}/responses/",
        json.dumps(body),
        content_type="application/json",
    )


@pytest.mark.django_db
def test_it_lists_surveys_and_responses(qm_client):
    survey = make_survey()
    respond(make_link(survey))
    listed = qm_client.get("/api/v1/feedback/surveys/").json()
    assert listed["count"] == 1
    assert listed["items"][0]["code"] == survey.code
    detail = qm_client.get(f"/api/v1/feedback/surveys/{survey.pk}/").json()
    assert [q["kind"] for q in detail["questions"]] == ["csat", "nps", "text"]
    responses = qm_client.get(f"/api/v1/feedback/surveys/{survey.pk}/responses/").json()
    assert responses["count"] == 1
    assert len(responses["items"][0]["answers"]) == 2


@pytest.mark.django_db
def test_it_takes_a_response_through_a_token_with_the_same_checks():
    survey = make_survey()
    q = questions(survey)
    (link,) = services.single_use_create_many(
        actor=None, survey=survey, contexts=[services.LinkContext()]
    )
    bad = _post(link, {"answers": {str(q[0].pk): 9}})
    assert bad.status_code == 400
    fields = {e["field"] for e in bad.json()["errors"]}
    assert {f"q{q[0].pk}", f"q{q[1].pk}"} <= fields
    ok = _post(link, {"language": "en", "answers": {str(q[0].pk): 4, str(q[1].pk): 10}})
    assert ok.status_code == 201
    assert SurveyResponse.objects.get().language == "en"
    assert _post(link, {"answers": {str(q[0].pk): 4, str(q[1].pk): 10}}).status_code == 410
    assert (
        Client()
        .post("/api/v1/feedback/links/nope/responses/", "{}", content_type="application/json")
        .status_code
        == 404
    )
