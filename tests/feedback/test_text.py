"""Text analytics in the app: annotations, corrections, training, themes, pages and API."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from sqms.core.exceptions import SqmsError
from sqms.core.models import AuditEntry
from sqms.core.roles import Role
from sqms.feedback import services, text_services
from sqms.feedback.models import (
    QuestionKind,
    Sentiment,
    SentimentMethod,
    Survey,
    TextAnnotation,
    TextCorrection,
    TextModel,
    Theme,
)
from tests.factories import make_site, make_user
from tests.feedback.factories import make_link, make_survey, respond

pytestmark = pytest.mark.django_db

POSITIVE = [
    "직원이 정말 친절했어요",
    "빠르게 처리해 주셔서 감사합니다",
    "Very helpful and friendly staff",
]
NEGATIVE = [
    "대기 시간이 너무 길었어요",
    "앱 오류 때문에 결제가 안 됐어요",
    "The wait was terribly long",
]


def comment_survey() -> Survey:
    """CSAT plus a comment that every respondent may leave (no skip logic)."""
    survey = services.survey_create(actor=None, code="TXT", title_ko="의견", title_en="Comments")
    for kind, ko, en in (
        (QuestionKind.CSAT, "만족하셨습니까?", "Satisfied?"),
        (QuestionKind.TEXT, "의견을 남겨 주세요", "Any comments?"),
    ):
        services.question_add(
            actor=None,
            survey=survey,
            fields={"kind": kind, "text_ko": ko, "text_en": en, "required": kind != "text"},
        )
    services.survey_set_status(actor=None, survey=survey, status="active")
    return survey


def comment(survey: Survey, csat: int, text: str, **kw: Any) -> Any:
    csat_q, text_q = list(survey.questions.order_by("order"))
    link = make_link(survey, **kw)
    return services.response_submit(
        distribution=link,
        raw={f"q{csat_q.pk}": [str(csat)], f"q{text_q.pk}": [text]},
        language="ko",
    )


def test_it_annotates_new_answers_with_keywords_theme_and_sentiment() -> None:
    theme = text_services.theme_create(
        actor=None, name_ko="대기 시간", name_en="Wait time", keywords="대기, wait"
    )
    survey = make_survey()
    respond(make_link(survey), csat=1, text="대기 시간이 너무 길었어요")
    respond(make_link(survey), csat=5)  # no comment: nothing to analyse
    assert text_services.text_analyse() == 1
    ann = TextAnnotation.objects.get()
    assert ann.language == "ko"
    assert "대기" in ann.keywords
    assert list(ann.themes.all()) == [theme]
    assert ann.score_label == Sentiment.NEGATIVE  # CSAT 1
    assert ann.sentiment == Sentiment.NEGATIVE
    assert ann.method == SentimentMethod.LEXICON
    assert ann.survey_id == survey.pk
    # a second run finds nothing new
    assert text_services.text_analyse() == 0


def test_it_annotates_complaints() -> None:
    from sqms.feedback.complaints import complaint_receive

    complaint = complaint_receive(
        actor=None,
        intake="staff",
        subject="수수료 문의",
        description="수수료가 너무 비싸요",
    )
    text_services.text_analyse()
    ann = TextAnnotation.objects.get(complaint=complaint)
    assert ann.source == "complaint"
    assert "수수료" in ann.keywords
    assert ann.sentiment == Sentiment.NEGATIVE
    assert ann.score_label == ""  # complaints carry no rating to learn from


def test_a_correction_changes_the_label_and_is_used_in_the_next_training() -> None:
    survey = comment_survey()
    comment(survey, 5, "그냥 그랬어요")
    text_services.text_analyse()
    ann = TextAnnotation.objects.get()
    assert ann.score_label == Sentiment.POSITIVE
    user = make_user(Role.QUALITY_MANAGER)
    wait = text_services.theme_create(actor=user, name_ko="대기", keywords=["대기"])
    made = text_services.text_correct(
        actor=user,
        annotation=ann,
        sentiment=Sentiment.NEGATIVE,
        themes=[wait],
        reason="불만 표현",
    )
    assert [c.field for c in made] == ["sentiment", "theme"]
    ann.refresh_from_db()
    assert ann.sentiment == Sentiment.NEGATIVE
    assert ann.method == SentimentMethod.CORRECTED
    assert list(ann.themes.all()) == [wait]
    corr = TextCorrection.objects.get(field="sentiment")
    assert (corr.old_value, corr.new_value, corr.actor) == ("neutral", "negative", user)
    assert AuditEntry.objects.filter(object_repr__startswith="sentiment:").exists()
    # the correction overrides the score's label in training and weighs more
    _docs, labels, weights, n = text_services.training_set()
    assert labels == ["negative"]
    assert weights == [text_services.CORRECTION_WEIGHT]
    assert n == 1
    row = text_services.text_model_train(actor=user)
    assert row.n_corrections == 1
    assert row.n_per_class["negative"] == 1
    # re-analysis and retraining keep the correction
    text_services.text_analyse(everything=True)
    text_services.text_relabel()
    ann.refresh_from_db()
    assert ann.sentiment == Sentiment.NEGATIVE
    assert list(ann.themes.all()) == [wait]
    with pytest.raises(SqmsError):
        text_services.text_correct(actor=user, annotation=ann, sentiment="negative")


def test_retraining_bumps_the_version_and_switches_to_the_classifier(settings: Any) -> None:
    settings.SQMS_TEXT_MIN_PER_CLASS = 4
    survey = comment_survey()
    for i in range(4):
        comment(survey, 5, f"{POSITIVE[i % 3]} 파란색 연필")
        comment(survey, 1, f"{NEGATIVE[i % 3]} 주황색 우산")
    text_services.text_analyse()
    first = text_services.text_model_train()
    assert first.version == 1
    assert first.method == SentimentMethod.CLASSIFIER
    assert first.n_per_class == {"positive": 4, "neutral": 0, "negative": 4}
    assert first.accuracy is not None
    assert first.accuracy >= 0.75
    assert set(first.params["classes"]) == {"positive", "negative"}
    assert TextAnnotation.objects.filter(method=SentimentMethod.CLASSIFIER).count() == 8
    # the classifier learnt words the lexicon does not know
    comment(survey, 3, "주황색 우산")
    text_services.text_analyse()
    new = TextAnnotation.objects.get(answer__text="주황색 우산")
    assert new.method == SentimentMethod.CLASSIFIER
    assert new.sentiment == Sentiment.NEGATIVE
    assert new.model_version == 1
    second = text_services.text_model_train()
    assert second.version == 2
    assert TextModel.objects.count() == 2


def test_too_few_examples_keep_the_lexicon() -> None:
    survey = comment_survey()
    comment(survey, 5, "친절했어요")
    text_services.text_analyse()
    row = text_services.text_model_train()
    assert row.method == SentimentMethod.LEXICON
    assert row.params == {}
    assert row.accuracy is None


def test_theme_changes_reassign_comments_and_are_audited() -> None:
    survey = comment_survey()
    comment(survey, 2, "수수료가 비싸요")
    text_services.text_analyse()
    ann = TextAnnotation.objects.get()
    assert not ann.themes.exists()
    theme = text_services.theme_create(actor=None, name_ko="요금", keywords="요금, 수수료, Fees")
    assert theme.keywords == ["요금", "수수료", "fees"]
    text_services.text_relabel()
    assert list(ann.themes.all()) == [theme]
    text_services.theme_update(actor=None, theme=theme, fields={"active": False})
    text_services.text_relabel()
    assert not ann.themes.exists()
    assert AuditEntry.objects.filter(object_repr="요금").count() == 2


def _setup_comment() -> TextAnnotation:
    survey = make_survey()
    (link,) = services.single_use_create_many(
        actor=None, survey=survey, contexts=[services.LinkContext(site=make_site())]
    )
    respond(link, csat=1, text="<script>alert(1)</script> 오류")
    text_services.text_analyse()
    return TextAnnotation.objects.get()


def test_the_page_shows_comments_and_escapes_them(client_for: Any) -> None:
    ann = _setup_comment()
    r = client_for(Role.STAFF).get(reverse("feedback:text_analytics"))
    assert r.status_code == 200
    body = r.content.decode()
    assert "&lt;script&gt;alert(1)" in body
    assert "<script>alert(1)" not in body
    assert f'action="/feedback/text/{ann.pk}/correct/"' not in body  # readers cannot correct
    assert "010-" not in body
    qm = client_for(Role.QUALITY_MANAGER).get(
        reverse("feedback:text_analytics"), {"sentiment": "negative", "theme": "unassigned"}
    )
    assert qm.status_code == 200
    assert f'action="/feedback/text/{ann.pk}/correct/"' in qm.content.decode()
    assert qm.context["d"].n == 1
    assert "chart-text-themes" in qm.content.decode()
    none = client_for(Role.QUALITY_MANAGER).get(
        reverse("feedback:text_analytics"), {"sentiment": "positive"}
    )
    assert none.context["d"].n == 0


def test_readers_cannot_correct_and_writers_can(client_for: Any) -> None:
    ann = _setup_comment()
    url = reverse("feedback:text_correct", args=[ann.pk])
    assert client_for(Role.STAFF).post(url, {"sentiment": "positive"}).status_code == 403
    r = client_for(Role.QUALITY_MANAGER).post(
        url, {"sentiment": "positive", "next": "/feedback/text/?page=1"}
    )
    assert r.status_code == 302
    assert r["Location"] == "/feedback/text/?page=1"
    ann.refresh_from_db()
    assert ann.sentiment == Sentiment.POSITIVE
    # nothing chosen: a message, nothing changes
    r = client_for(Role.QUALITY_MANAGER).post(url, {"next": "https://evil.example/"}, follow=True)
    assert r.status_code == 200
    assert "감성 또는 주제를 선택하십시오." in r.content.decode()
    assert TextCorrection.objects.count() == 1


def test_site_limited_users_see_only_their_sites(client_for: Any) -> None:
    ann = _setup_comment()
    other = make_site()
    limited = make_user(Role.QUALITY_MANAGER, sites=[other])
    client = Client()
    client.force_login(limited)
    r = client.get(reverse("feedback:text_analytics"))
    assert r.context["d"].n == 0
    url = reverse("feedback:text_correct", args=[ann.pk])
    assert client.post(url, {"sentiment": "positive"}).status_code == 404


def test_writers_maintain_themes(client_for: Any) -> None:
    survey = comment_survey()
    comment(survey, 5, "직원이 친절했어요")
    text_services.text_analyse()
    staff, qm = client_for(Role.STAFF), client_for(Role.QUALITY_MANAGER)
    assert staff.get(reverse("feedback:theme_list")).status_code == 403
    r = qm.post(
        reverse("feedback:theme_list"),
        {
            "name_ko": "친절",
            "name_en": "Courtesy",
            "keywords": "친절, 직원\nfriendly",
            "active": "on",
        },
    )
    assert r.status_code == 302
    theme = Theme.objects.get()
    assert theme.keywords == ["친절", "직원", "friendly"]
    assert list(TextAnnotation.objects.get().themes.all()) == [theme]  # applied at once
    dup = qm.post(reverse("feedback:theme_list"), {"name_ko": "친절"})
    assert dup.status_code == 200
    assert dup.context["form"].errors["name_ko"]
    edit = reverse("feedback:theme_edit", args=[theme.pk])
    assert staff.get(edit).status_code == 403
    assert qm.get(edit).status_code == 200
    assert qm.post(edit, {"name_ko": "친절함", "keywords": "친절"}).status_code == 302
    theme.refresh_from_db()
    assert (theme.name_ko, theme.active) == ("친절함", False)


def test_the_reanalyse_button_runs_the_task(client_for: Any) -> None:
    _setup_comment()
    url = reverse("feedback:text_reanalyse")
    assert client_for(Role.STAFF).post(url).status_code == 403
    assert client_for(Role.QUALITY_MANAGER).post(url).status_code == 302
    assert TextModel.objects.count() == 1  # huey runs immediately in tests


def test_the_periodic_task_analyses_new_comments() -> None:
    from sqms.feedback.text_tasks import text_analyse_periodic

    _setup_comment()
    survey = make_survey()
    respond(make_link(survey), csat=2, text="직원이 불친절했어요")
    assert text_analyse_periodic.call_local() == 1
    assert TextModel.objects.count() == 1
    assert text_analyse_periodic.call_local() == 0


def test_the_api_lists_annotations_and_themes(client_for: Any) -> None:
    ann = _setup_comment()
    theme = text_services.theme_create(actor=None, name_ko="앱 오류", keywords="오류")
    text_services.text_relabel()
    client = client_for(Role.STAFF)
    r = client.get("/api/v1/feedback/text/annotations/", {"sentiment": "negative"})
    assert r.status_code == 200, r.content
    item = r.json()["items"][0]
    assert item["id"] == ann.pk
    assert item["theme_ids"] == [theme.pk]
    assert "오류" in item["keywords"]
    assert "contact" not in str(item)
    assert (
        client.get("/api/v1/feedback/text/annotations/", {"theme_id": 999999}).json()["items"] == []
    )
    assert client.get("/api/v1/feedback/text/annotations/", {"sentiment": "bogus"}).status_code in (
        400,
        422,
    )
    themes = client.get("/api/v1/feedback/text/themes/").json()["items"]
    assert themes[0]["name_ko"] == "앱 오류"
    assert Client().get("/api/v1/feedback/text/themes/").status_code == 401
