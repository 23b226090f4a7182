from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from sqms.core.exceptions import SqmsError
from sqms.core.models import AuditEntry
from sqms.feedback import services
from sqms.feedback.models import QuestionKind, ServqualMode, Survey
from tests.feedback.factories import make_link, make_survey, questions, respond


@pytest.mark.django_db
def test_it_changes_a_survey_in_place_while_it_has_no_responses():
    survey = make_survey()
    q = services.question_add(
        actor=None,
        survey=survey,
        fields={"kind": QuestionKind.CES, "text_ko": "쉬웠나요?", "text_en": "Easy?"},
    )
    assert q.survey_id == survey.pk
    assert Survey.objects.filter(code=survey.code).count() == 1


@pytest.mark.django_db
def test_it_makes_a_new_version_when_responses_exist():
    survey = make_survey()
    respond(make_link(survey))
    old_questions = questions(survey)
    q = services.question_update(
        actor=None, question=old_questions[0], fields={"text_ko": "바뀐 질문", "text_en": "Changed"}
    )
    new = q.survey
    assert new.pk != survey.pk
    assert (new.version, new.previous_id, new.status) == (2, survey.pk, "draft")
    assert [x.kind for x in questions(new)] == [x.kind for x in old_questions]
    # The answered version keeps its wording; the follow-up in the copy points into the copy.
    survey.refresh_from_db()
    assert questions(survey)[0].text_ko == "만족하셨습니까?"
    assert questions(new)[0].text_ko == "바뀐 질문"
    assert questions(new)[2].show_if_id == questions(new)[0].pk
    # The old version cannot fork twice.
    with pytest.raises(SqmsError):
        services.survey_revise(actor=None, survey=survey)


@pytest.mark.django_db
def test_it_versions_survey_edits_too():
    survey = make_survey()
    respond(make_link(survey))
    new = services.survey_update(actor=None, survey=survey, fields={"title_ko": "새 제목"})
    assert new.version == 2
    survey.refresh_from_db()
    assert survey.title_ko != "새 제목"


@pytest.mark.django_db
def test_it_adds_the_22_servqual_items_in_five_dimensions():
    survey = make_survey(active=False)
    services.servqual_battery_add(actor=None, survey=survey, mode=ServqualMode.PAIR)
    items = survey.questions.filter(kind=QuestionKind.SERVQUAL).order_by("order")
    assert items.count() == 22
    dims = [q.servqual_dimension for q in items]
    assert [
        dims.count(d)
        for d in ("tangibles", "reliability", "responsiveness", "assurance", "empathy")
    ] == [4, 5, 4, 4, 5]
    assert all(q.text_ko and q.text_en for q in items)
    assert AuditEntry.objects.filter(object_repr__contains="시설").exists()
    with pytest.raises(SqmsError):
        services.servqual_battery_add(actor=None, survey=survey, mode=ServqualMode.PAIR)


@pytest.mark.django_db
def test_it_rejects_a_follow_up_before_its_question():
    survey = make_survey(active=False)
    first = questions(survey)[0]
    with pytest.raises(ValidationError):
        services.question_update(
            actor=None, question=first, fields={"show_if": questions(survey)[1], "show_if_max": 3}
        )


@pytest.mark.django_db
def test_it_edits_questions_through_the_pages(qm_client):
    survey = make_survey(active=False)
    url = f"/feedback/{survey.pk}/questions/new/"
    r = qm_client.post(
        url,
        {
            "kind": "single",
            "text_ko": "채널",
            "text_en": "Channel",
            "required": "on",
            "choices_text": "전화 | Phone\n방문 | Visit",
        },
    )
    assert r.status_code == 302
    q = survey.questions.get(kind="single")
    assert q.choice_labels("en") == [("1", "Phone"), ("2", "Visit")]
    r = qm_client.post(f"/feedback/questions/{q.pk}/move/", {"direction": "up"})
    assert r.status_code == 302
    q.refresh_from_db()
    assert q.order == 3
    r = qm_client.post(f"/feedback/questions/{q.pk}/remove/")
    assert not survey.questions.filter(kind="single").exists()
    r = qm_client.post(f"/feedback/{survey.pk}/servqual/", {"mode": "perception"})
    assert survey.questions.filter(kind="servqual").count() == 22
    r = qm_client.post(
        url, {"kind": "single", "text_ko": "x", "text_en": "x", "choices_text": "one"}
    )
    assert r.status_code == 200
    assert "choices_text" in r.context["form"].errors
