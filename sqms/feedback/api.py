"""REST endpoints of the feedback app: read surveys and responses; submit a response via a link."""

# No `from __future__ import annotations` here: ninja resolves the annotations at import time.
import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination, paginate
from ninja.responses import Status

from sqms.core.access import ensure
from sqms.core.ratelimit import client_ip, hit
from sqms.core.roles import Area
from sqms.feedback import access, selectors, services
from sqms.feedback.models import Distribution, Response, SurveyStatus

router = Router(tags=["feedback"])


class Pages(PageNumberPagination):
    class Input(Schema):
        page: int = Field(1, ge=1, le=1_000_000)
        page_size: int | None = Field(None, ge=1)


class QuestionOut(Schema):
    id: int
    order: int
    kind: str
    text_ko: str
    text_en: str
    required: bool
    choices: list[Any]
    servqual_dimension: str
    servqual_item: int | None
    servqual_mode: str
    show_if_id: int | None
    show_if_max: int | None


class SurveyOut(Schema):
    id: int
    code: str
    version: int
    title_ko: str
    title_en: str
    status: str
    service_id: int | None
    previous_id: int | None


class SurveyDetailOut(SurveyOut):
    questions: list[QuestionOut]


class AnswerOut(Schema):
    question_id: int
    value: int | None
    expectation: int | None
    choice_values: list[Any]
    text: str


class ResponseOut(Schema):
    id: int
    survey_id: int
    distribution_id: int | None
    service_id: int | None
    site_id: int | None
    team_id: int | None
    channel: str
    agent_id: int | None
    language: str
    submitted_at: dt.datetime
    answers: list[AnswerOut]


class ResponseIn(Schema):
    language: str = Field("ko", pattern="^(ko|en)$")
    answers: dict[str, int | str | list[str]] = Field(
        default_factory=dict, description="question id → score, choice value(s) or text"
    )
    expectations: dict[str, int] = Field(default_factory=dict)
    contact_name: str = Field("", max_length=100)
    contact_phone: str = Field("", max_length=40)
    contact_email: str = Field("", max_length=100)
    consent: bool = False


class SubmittedOut(Schema):
    id: int
    submitted_at: dt.datetime


def _op(name: str) -> dict[str, Any]:
    return {"operation_id": f"sqms_feedback_api_{name}", "url_name": f"feedback_{name}"}


@router.get("/surveys/", response=list[SurveyOut], **_op("survey_list"))
@paginate(Pages, page_size=50)
def survey_list(request: HttpRequest) -> Any:
    ensure(request.user, Area.FEEDBACK)
    return selectors.survey_list()


@router.get("/surveys/{pk}/", response=SurveyDetailOut, **_op("survey_detail"))
def survey_detail(request: HttpRequest, pk: int) -> Any:
    survey = access.survey_get_for_user(user=request.user, pk=pk)
    survey.questions_list = selectors.survey_questions(survey=survey)  # type: ignore[attr-defined]
    return {
        **{
            f: getattr(survey, f)
            for f in ("id", "code", "version", "title_ko", "title_en", "status")
        },
        "service_id": survey.service_id,
        "previous_id": survey.previous_id,
        "questions": survey.questions_list,  # type: ignore[attr-defined]
    }


@router.get("/surveys/{pk}/responses/", response=list[ResponseOut], **_op("response_list"))
@paginate(Pages, page_size=50)
def response_list(request: HttpRequest, pk: int) -> Any:
    survey = access.survey_get_for_user(user=request.user, pk=pk)
    return selectors.survey_responses(user=request.user, survey=survey).prefetch_related("answers")


@router.post(
    "/links/{token}/responses/",
    response={201: SubmittedOut},
    auth=None,
    **_op("response_submit"),
)
def response_submit(request: HttpRequest, token: str, payload: ResponseIn) -> Any:
    """Public: answer a survey through its link token, with the same checks as the page."""
    if not hit(scope="survey", key=client_ip(request), limit=30, window_seconds=600):
        raise HttpError(429, "Too many requests.")
    distribution = Distribution.objects.select_related("survey").filter(token=token[:64]).first()
    if distribution is None or distribution.survey.status == SurveyStatus.DRAFT:
        raise HttpError(404, "Not found.")
    raw: dict[str, list[str]] = {}
    for key, value in payload.answers.items():
        items = value if isinstance(value, list) else [value]
        raw[f"q{key}"] = [str(v)[: services.MAX_TEXT + 1] for v in items[:50]]
    for key, value in payload.expectations.items():
        raw[f"q{key}_e"] = [str(value)]
    for name in ("contact_name", "contact_phone", "contact_email"):
        raw[name] = [getattr(payload, name)]
    if payload.consent:
        raw["consent"] = ["on"]
    try:
        response: Response = services.response_submit(
            distribution=distribution, raw=raw, language=payload.language, ip=client_ip(request)
        )
    except services.LinkUnavailable as exc:
        raise HttpError(410, f"The link takes no responses ({exc.reason}).") from exc
    except services.AnswersInvalid as exc:
        from django.core.exceptions import ValidationError

        raise ValidationError(exc.errors) from exc
    return Status(201, response)


from sqms.feedback.complaints_api import router as complaints_router  # noqa: E402

router.add_router("", complaints_router)

from sqms.feedback.text_api import router as text_router  # noqa: E402

router.add_router("", text_router)
