from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sqms.feedback import services, tasks
from sqms.feedback.models import DistributionKind
from sqms.feedback.models import Response as SurveyResponse
from tests.factories import make_employee, make_service, make_site, make_team
from tests.feedback.factories import answers, make_link, make_survey, questions, respond


def _url(link, name="feedback:public_survey"):
    return reverse(name, kwargs={"token": link.token})


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_it_takes_a_plain_post_without_javascript(lang):
    survey = make_survey()
    link = make_link(survey)
    client = Client(enforce_csrf_checks=True)
    page = client.get(_url(link), {"lang": lang})
    assert page.status_code == 200
    html = page.content.decode()
    assert ("Were you satisfied?" in html) == (lang == "en")
    assert ("만족하셨습니까?" in html) == (lang == "ko")
    assert "<script" not in html
    token = page.cookies["csrftoken"].value
    data = {
        **answers(survey, csat=2, text="너무 오래 기다렸어요"),
        "lang": lang,
        "csrfmiddlewaretoken": token,
    }
    r = client.post(_url(link), data)
    assert r.status_code == 302
    assert r["Location"].startswith(_url(link, "feedback:public_thanks"))
    response = SurveyResponse.objects.get()
    assert response.language == lang
    assert response.answers.count() == 3
    assert len(response.ip_hash) == 64
    assert "127.0.0.1" not in response.ip_hash
    thanks = client.get(r["Location"])
    # New strings are translated later; the page is served in the respondent's language.
    assert f'<html lang="{lang}">' in thanks.content.decode()


@pytest.mark.django_db
def test_it_picks_the_language_from_accept_language():
    link = make_link(make_survey())
    html = Client().get(_url(link), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "Were you satisfied?" in html
    assert 'lang="en"' in html


@pytest.mark.django_db
def test_it_keeps_the_input_when_required_answers_are_missing():
    survey = make_survey()
    link = make_link(survey)
    q = questions(survey)
    r = Client().post(_url(link), {f"q{q[0].pk}": "1", f"q{q[2].pk}": "느렸어요", "lang": "ko"})
    assert r.status_code == 400
    html = r.content.decode()
    assert 'role="alert"' in html
    assert f'name="q{q[0].pk}" value="1" checked' in html
    assert "느렸어요" in html
    assert f"q{q[1].pk}-error" in html
    assert not SurveyResponse.objects.exists()


@pytest.mark.django_db
def test_it_drops_a_follow_up_when_the_score_is_not_low():
    survey = make_survey()
    response = respond(make_link(survey), csat=5, text="무시됨")
    assert response.answers.count() == 2


@pytest.mark.django_db
def test_it_silently_rejects_a_filled_honeypot():
    survey = make_survey()
    link = make_link(survey)
    r = Client().post(_url(link), {**answers(survey), "website": "http://spam.example"})
    assert r.status_code == 302
    assert "thanks" in r["Location"]
    assert not SurveyResponse.objects.exists()


@pytest.mark.django_db
def test_it_limits_submissions_per_ip_with_a_friendly_page():
    link = make_link(make_survey())
    client = Client()
    codes = [client.post(_url(link), {"lang": "en"}).status_code for _ in range(31)]
    assert codes[:30] == [400] * 30
    assert codes[30] == 429
    last = client.post(_url(link), {"lang": "en"})
    assert "Please wait a few minutes" in last.content.decode()


@pytest.mark.django_db
def test_it_accepts_a_single_use_link_once_and_copies_its_context():
    survey = make_survey()
    site = make_site()
    team = make_team(site)
    agent = make_employee(team=team)
    service = make_service([site])
    (link,) = services.single_use_create_many(
        actor=None,
        survey=survey,
        contexts=[services.LinkContext(service=service, agent=agent, channel="phone")],
    )
    client = Client()
    assert client.post(_url(link), answers(survey)).status_code == 302
    again = client.get(_url(link), {"lang": "en"})
    assert again.status_code == 200
    assert "Already answered" in again.content.decode()
    assert client.post(_url(link), answers(survey)).status_code == 200
    response = SurveyResponse.objects.get()
    assert (response.service, response.site, response.team, response.agent, response.channel) == (
        service,
        site,
        team,
        agent,
        "phone",
    )
    link.refresh_from_db()
    assert link.used_at is not None


@pytest.mark.django_db
def test_it_shows_a_friendly_page_for_an_expired_link_and_404_for_a_bad_token():
    survey = make_survey()
    link = make_link(survey, expires_at=timezone.now() - dt.timedelta(minutes=1))
    r = Client().get(_url(link), {"lang": "en"})
    assert r.status_code == 410
    assert "expired" in r.content.decode()
    assert Client().post(_url(link), answers(survey)).status_code == 410
    assert Client().get("/feedback/s/not-a-token/").status_code == 404
    services.survey_set_status(actor=None, survey=survey, status="closed")
    assert Client().get(_url(make_link(survey))).status_code == 410


@pytest.mark.django_db
def test_it_keeps_contact_details_only_with_consent():
    survey = make_survey(collect_contact=True, retention_days=30)
    link = make_link(survey)
    page = Client().get(_url(link), {"lang": "en"}).content.decode()
    assert "Purpose" in page
    assert "Retention period" in page
    assert "30 days" in page
    contact = {"contact_name": "홍길동", "contact_phone": "010-1234-5678"}
    r = Client().post(_url(link), {**answers(survey), **contact})
    assert r.status_code == 400
    assert "consent" in r.context["errors"]
    assert "홍길동" in r.content.decode()
    r = Client().post(_url(link), {**answers(survey), **contact, "consent": "on"})
    assert r.status_code == 302
    response = SurveyResponse.objects.get()
    assert response.contact_name == "홍길동"
    assert response.consent_at is not None
    assert response.retention_until - response.consent_at == dt.timedelta(days=30)
    # Answering without contact details needs no consent.
    assert Client().post(_url(link), answers(survey)).status_code == 302


@pytest.mark.django_db
def test_it_ignores_contact_details_when_the_survey_does_not_ask_for_them():
    survey = make_survey()
    link = make_link(survey)
    Client().post(_url(link), {**answers(survey), "contact_name": "몰래", "consent": "on"})
    assert SurveyResponse.objects.get().contact_name == ""


@pytest.mark.django_db
def test_it_anonymises_contact_details_after_the_retention_period():
    survey = make_survey(collect_contact=True, retention_days=10)
    link = make_link(survey)
    then = timezone.now() - dt.timedelta(days=11)
    raw = {**answers(survey), "contact_email": ["a@example.com"], "consent": ["on"]}
    old = services.response_submit(distribution=link, raw=raw, language="ko", now=then)
    fresh = services.response_submit(distribution=link, raw=raw, language="ko")
    assert tasks.feedback_anonymise_responses.call_local() == 1
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.contact_email == ""
    assert old.anonymised_at is not None
    assert old.answers.count() == 2
    assert fresh.contact_email == "a@example.com"
    assert services.responses_anonymise() == 0  # idempotent


@pytest.mark.django_db
def test_it_rejects_overlong_text_and_out_of_range_scores():
    survey = make_survey()
    link = make_link(survey)
    q = questions(survey)
    r = Client().post(
        _url(link), {f"q{q[0].pk}": "1", f"q{q[1].pk}": "11", f"q{q[2].pk}": "x" * 2001}
    )
    assert r.status_code == 400
    assert set(r.context["errors"]) == {f"q{q[1].pk}", f"q{q[2].pk}"}


@pytest.mark.django_db
def test_it_allows_framing_only_on_the_embed_page():
    survey = make_survey()
    link = make_link(survey, kind=DistributionKind.EMBED)
    embed = Client().get(_url(link, "feedback:public_embed"))
    assert embed.status_code == 200
    assert "X-Frame-Options" not in embed.headers
    assert "frame-ancestors *" in embed.headers["Content-Security-Policy"]
    normal = Client().get(_url(link))
    assert normal.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in normal.headers["Content-Security-Policy"]
    posted = Client(enforce_csrf_checks=True).post(
        _url(link, "feedback:public_embed"), answers(survey)
    )
    assert posted.status_code == 200
    assert "X-Frame-Options" not in posted.headers
    assert SurveyResponse.objects.count() == 1
