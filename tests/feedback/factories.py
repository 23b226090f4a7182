"""Feedback factories: every record made through the services."""

from __future__ import annotations

from typing import Any

from sqms.feedback import services
from sqms.feedback.models import Distribution, DistributionKind, Question, QuestionKind, Survey
from sqms.feedback.models import Response as SurveyResponse

_n = iter(range(1, 10**6))


def make_survey(*, active: bool = True, collect_contact: bool = False, **extra: Any) -> Survey:
    n = next(_n)
    survey = services.survey_create(
        actor=None,
        code=extra.pop("code", f"SV-{n}"),
        title_ko=f"만족도 조사 {n}",
        title_en=f"Satisfaction survey {n}",
        collect_contact=collect_contact,
        **extra,
    )
    csat = services.question_add(
        actor=None,
        survey=survey,
        fields={
            "kind": QuestionKind.CSAT,
            "text_ko": "만족하셨습니까?",
            "text_en": "Were you satisfied?",
        },
    )
    services.question_add(
        actor=None,
        survey=survey,
        fields={
            "kind": QuestionKind.NPS,
            "text_ko": "추천하시겠습니까?",
            "text_en": "Would you recommend us?",
        },
    )
    services.question_add(
        actor=None,
        survey=survey,
        fields={
            "kind": QuestionKind.TEXT,
            "text_ko": "아쉬운 점은?",
            "text_en": "What went wrong?",
            "required": False,
            "show_if": csat,
            "show_if_max": 2,
        },
    )
    if active:
        services.survey_set_status(actor=None, survey=survey, status="active")
    return survey


def questions(survey: Survey) -> list[Question]:
    return list(survey.questions.order_by("order"))


def make_link(survey: Survey, kind: str = DistributionKind.PUBLIC_LINK, **kw: Any) -> Distribution:
    return services.distribution_create(actor=None, survey=survey, kind=kind, **kw)


def answers(survey: Survey, csat: int = 5, nps: int = 9, text: str = "") -> dict[str, list[str]]:
    q = questions(survey)
    raw = {f"q{q[0].pk}": [str(csat)], f"q{q[1].pk}": [str(nps)]}
    if text:
        raw[f"q{q[2].pk}"] = [text]
    return raw


def respond(link: Distribution, **kw: Any) -> SurveyResponse:
    now = kw.pop("now", None)
    language = kw.pop("language", "ko")
    return services.response_submit(
        distribution=link, raw=answers(link.survey, **kw), language=language, now=now
    )
