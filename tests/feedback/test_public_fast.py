"""The public submit's fast path (issue #5): links kept between requests, deferred effects."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from sqms.core.models import AuditEntry
from sqms.feedback import prepared, services, tasks
from sqms.feedback.models import FollowUp
from sqms.feedback.models import Response as SurveyResponse
from tests.factories import make_site
from tests.feedback.factories import answers, make_link, make_survey


def _url(link):
    return reverse("feedback:public_survey", kwargs={"token": link.token})


def _post(client, link, survey, commit, **kw):
    """POST as a browser does; `commit` runs the on-commit callbacks (the kept link)."""
    with commit(execute=True):
        return client.post(_url(link), {**answers(survey, **kw), "lang": "en"})


@pytest.fixture
def deferred(monkeypatch):
    """Effects written by the batch task, as in production (tests run Huey immediately)."""
    monkeypatch.setattr(HUEY, "immediate", False)
    scheduled = []
    monkeypatch.setattr(services, "_effects_schedule", lambda: scheduled.append(1))
    return scheduled


@pytest.mark.django_db
def test_the_second_submit_reads_neither_link_nor_questions(django_capture_on_commit_callbacks):
    survey = make_survey()
    link = make_link(survey)
    client = Client()
    assert _post(client, link, survey, django_capture_on_commit_callbacks).status_code == 302
    data = {**answers(survey, csat=4), "lang": "en"}
    with CaptureQueriesContext(connection) as kept:
        assert client.post(_url(link), data).status_code == 302
    reads = " ".join(q["sql"] for q in kept.captured_queries if q["sql"].startswith("SELECT"))
    for table in ("feedback_distribution", "feedback_survey", "feedback_question"):
        assert table not in reads
    assert sorted(SurveyResponse.objects.values_list("answers__value", flat=True)) == [4, 5, 9, 9]


@pytest.mark.django_db
def test_a_kept_link_sees_a_closed_survey_an_expiry_and_a_new_context_at_once(
    django_capture_on_commit_callbacks,
):
    survey = make_survey()
    link = make_link(survey)
    client = Client()
    commit = django_capture_on_commit_callbacks
    assert _post(client, link, survey, commit).status_code == 302
    site = make_site()
    link.site = site
    link.save()
    assert _post(client, link, survey, commit).status_code == 302
    assert SurveyResponse.objects.order_by("-pk").first().site == site
    services.distribution_expire(actor=None, distribution=link)
    assert _post(client, link, survey, commit).status_code == 410
    other = make_link(survey)
    assert _post(client, other, survey, commit).status_code == 302
    services.survey_set_status(actor=None, survey=survey, status="closed")
    r = _post(client, other, survey, commit)
    assert r.status_code == 410
    assert SurveyResponse.objects.filter(survey=survey).count() == 3


@pytest.mark.django_db
def test_a_kept_link_shows_errors_from_the_survey_as_it_is(django_capture_on_commit_callbacks):
    survey = make_survey()
    link = make_link(survey)
    client = Client()
    assert _post(client, link, survey, django_capture_on_commit_callbacks).status_code == 302
    r = client.post(_url(link), {"lang": "en"})
    assert r.status_code == 400
    assert "Satisfaction survey" in r.content.decode()


@pytest.mark.django_db
def test_the_guarded_insert_stores_nothing_when_the_link_changed():
    survey = make_survey()
    link = make_link(survey)
    stale = type(link).objects.select_related("survey").get(pk=link.pk)
    services.distribution_expire(actor=None, distribution=link)
    services.distribution_expire(actor=None, distribution=link)  # no-op: already expired
    with pytest.raises(prepared.LinkChanged):
        services.response_submit(
            distribution=stale,
            raw=answers(survey),
            language="ko",
            kept_link=True,
            now=timezone.now() - dt.timedelta(hours=1),  # the link itself would still be open
        )
    assert not SurveyResponse.objects.exists()


@pytest.mark.django_db
def test_deferred_effects_are_written_by_the_batch_task(
    deferred, django_capture_on_commit_callbacks
):
    survey = make_survey()
    link = make_link(survey)
    client = Client()
    for csat, nps in ((1, 9), (5, 10), (5, 3)):
        assert _post(client, link, survey, django_capture_on_commit_callbacks, csat=csat, nps=nps)
    assert deferred  # a batch was scheduled after the commit
    responses = list(SurveyResponse.objects.order_by("pk"))
    assert [r.effects_pending for r in responses] == [True, True, True]
    assert not FollowUp.objects.exists()
    ct = ContentType.objects.get_for_model(SurveyResponse)
    assert not AuditEntry.objects.filter(content_type=ct).exists()
    assert tasks.feedback_response_effects.call_local() == 3
    assert not SurveyResponse.objects.filter(effects_pending=True).exists()
    assert sorted(FollowUp.objects.values_list("csat", "nps")) == [(1, 9), (5, 3)]
    entries = AuditEntry.objects.filter(content_type=ct, action="create").order_by("seq")
    assert [e.object_id for e in entries] == [str(r.pk) for r in responses]
    assert entries[0].changes["answers"] == [None, 2]
    assert tasks.feedback_response_effects_sweep.call_local() == 0  # idempotent


@pytest.mark.django_db
def test_effects_are_written_at_once_when_tasks_run_immediately(django_capture_on_commit_callbacks):
    survey = make_survey()
    link = make_link(survey)
    assert _post(Client(), link, survey, django_capture_on_commit_callbacks, nps=0).status_code
    response = SurveyResponse.objects.get()
    assert not response.effects_pending
    assert FollowUp.objects.filter(response=response).exists()
