"""Expected status codes of the feedback pages and API, per persona (see tests/test_url_matrix)."""

from __future__ import annotations

from django.urls import reverse

from sqms.feedback.models import Distribution, DistributionKind
from tests.factories import make_site
from tests.feedback.factories import make_link, make_survey, respond
from tests.url_matrix_codes import ALL, API, POST_ONLY, PUBLIC

#          anon  admin  qm   owner staff audit exec
WRITERS = (302, 200, 200, 200, 403, 403, 403)

MATRIX: dict[str, tuple[int, ...]] = {
    "feedback:survey_list": ALL,
    "feedback:survey_create": WRITERS,
    "feedback:survey_detail": ALL,
    "feedback:survey_edit": WRITERS,
    "feedback:survey_status": POST_ONLY,
    "feedback:survey_revise": POST_ONLY,
    "feedback:question_add": WRITERS,
    "feedback:servqual_add": POST_ONLY,
    "feedback:question_edit": WRITERS,
    "feedback:question_remove": POST_ONLY,
    "feedback:question_move": POST_ONLY,
    "feedback:distribution_list": ALL,
    "feedback:single_use_create": WRITERS,
    "feedback:distribution_expire": POST_ONLY,
    "feedback:distribution_qr": ALL,
    "feedback:response_list": ALL,
    "feedback:response_export": ALL,
    "feedback:response_detail": ALL,
    "feedback:survey_analysis": ALL,
    "feedback:public_survey": PUBLIC,
    "feedback:public_thanks": PUBLIC,
    "feedback:public_embed": PUBLIC,
    "api:feedback_survey_list": API,
    "api:feedback_survey_detail": API,
    "api:feedback_response_list": API,
    "api:feedback_response_submit": (405,) * 7,
}

_KWARG = {
    "feedback:survey_detail": "survey",
    "feedback:survey_edit": "survey",
    "feedback:survey_status": "survey",
    "feedback:survey_revise": "survey",
    "feedback:question_add": "survey",
    "feedback:servqual_add": "survey",
    "feedback:question_edit": "question",
    "feedback:question_remove": "question",
    "feedback:question_move": "question",
    "feedback:distribution_list": "survey",
    "feedback:single_use_create": "survey",
    "feedback:distribution_expire": "distribution",
    "feedback:response_list": "survey",
    "feedback:response_detail": "response",
    "feedback:survey_analysis": "survey",
    "api:feedback_survey_detail": "survey",
    "api:feedback_response_list": "survey",
}


def make_objects() -> dict[str, int]:
    """An active survey with a public link and one response (from a site)."""
    survey = make_survey()
    link = make_link(survey, kind=DistributionKind.QR)
    response = respond(link)
    return {
        "survey": survey.pk,
        "question": survey.questions.order_by("order").first().pk,  # type: ignore[union-attr]
        "distribution": link.pk,
        "response": response.pk,
        "other_site": make_site().pk,
    }


def url(name: str, objects: dict[str, int]) -> str | None:
    if name in _KWARG:
        return reverse(name, kwargs={"pk": objects[_KWARG[name]]})
    if name == "feedback:distribution_qr":
        return reverse(name, kwargs={"pk": objects["distribution"], "fmt": "svg"})
    if name == "feedback:response_export":
        return reverse(name, kwargs={"pk": objects["survey"], "fmt": "csv"})
    if name in (
        "feedback:public_survey",
        "feedback:public_thanks",
        "feedback:public_embed",
        "api:feedback_response_submit",
    ):
        token = Distribution.objects.get(pk=objects["distribution"]).token
        return reverse(name, kwargs={"token": token})
    return None
