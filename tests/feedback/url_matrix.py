"""Expected status codes of the feedback pages and API, per persona (see tests/test_url_matrix)."""

from __future__ import annotations

from django.urls import reverse

from sqms.feedback.models import Distribution, DistributionKind, Survey
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
    # text analytics
    "feedback:text_analytics": ALL,
    "feedback:text_correct": POST_ONLY,
    "feedback:text_reanalyse": POST_ONLY,
    "feedback:theme_list": WRITERS,
    "feedback:theme_edit": WRITERS,
    "api:feedback_text_theme_list": API,
    "api:feedback_text_annotation_list": API,
    # complaints, follow-ups, customer needs
    "feedback:complaint_list": ALL,
    "feedback:complaint_create": ALL,  # anyone who reads the area may log a complaint
    "feedback:complaint_detail": ALL,
    "feedback:complaint_edit": WRITERS,
    "feedback:complaint_transition": POST_ONLY,
    "feedback:complaint_reply": POST_ONLY,
    "feedback:complaint_note": POST_ONLY,
    "feedback:complaint_satisfaction": POST_ONLY,
    "feedback:complaint_category_list": ALL,
    "feedback:complaint_category_archive": POST_ONLY,
    "feedback:complaint_targets": ALL,  # everyone who reads sees them; the POST needs a manager
    "feedback:public_complaint": PUBLIC,
    "feedback:public_complaint_thanks": PUBLIC,
    "feedback:public_complaint_satisfaction": PUBLIC,
    "feedback:followup_list": ALL,
    "feedback:followup_detail": ALL,
    "feedback:need_list": ALL,
    "feedback:need_create": WRITERS,
    "feedback:need_matrix": ALL,
    "feedback:need_detail": ALL,
    "feedback:need_edit": WRITERS,
    "feedback:need_archive": POST_ONLY,
    "api:feedback_complaint_list": API,
    "api:feedback_complaint_create": API,  # same path as the list; GET lists
    "api:feedback_complaint_detail": API,
    "api:feedback_complaint_transition": (405,) * 7,
    # responses imported from other systems
    "feedback:import_list": WRITERS,
    "feedback:import_upload": WRITERS,
    "feedback:import_detail": WRITERS,
    "feedback:import_run": POST_ONLY,
    "feedback:import_report": WRITERS,
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
    "feedback:text_correct": "annotation",
    "feedback:theme_edit": "theme",
    "feedback:complaint_detail": "fb_complaint",
    "feedback:complaint_edit": "fb_complaint",
    "feedback:complaint_transition": "fb_complaint",
    "feedback:complaint_reply": "fb_complaint",
    "feedback:complaint_note": "fb_complaint",
    "feedback:complaint_satisfaction": "fb_complaint",
    "feedback:complaint_category_archive": "fb_complaint_category",
    "feedback:followup_detail": "fb_followup",
    "feedback:need_detail": "fb_need",
    "feedback:need_edit": "fb_need",
    "feedback:need_archive": "fb_need",
    "api:feedback_complaint_detail": "fb_complaint",
    "api:feedback_complaint_transition": "fb_complaint",
    "feedback:import_detail": "response_import",
    "feedback:import_run": "response_import",
    "feedback:import_report": "response_import",
}


def _complaint_objects(link: Distribution) -> dict[str, int]:
    """A responded complaint, a category, a follow-up of a detractor and a customer need."""
    from sqms.feedback import complaints, needs

    complaint = complaints.complaint_receive(
        actor=None, intake="staff", subject="불친절", description="응대가 불친절했습니다."
    )
    complaint = complaints.complaint_reply_set(actor=None, complaint=complaint, reply="죄송합니다.")
    for to in ("acknowledged", "responded"):
        complaint = complaints.complaint_transition(actor=None, complaint=complaint, to=to)
    detractor = respond(link, csat=1, nps=2)
    category = complaints.category_create(actor=None, code="RUDE", name_ko="불친절")
    need = needs.need_create(actor=None, code="N1", statement_ko="빠른 응대", importance=5)
    return {
        "fb_complaint": complaint.pk,
        "fb_complaint_category": category.pk,
        "fb_followup": detractor.follow_up.pk,  # type: ignore[attr-defined]
        "fb_need": need.pk,
    }


def _text_objects(survey: Survey) -> dict[str, int]:
    """A theme and the annotation of one comment (text analytics)."""
    from sqms.feedback import text_services
    from sqms.feedback.models import TextAnnotation

    theme = text_services.theme_create(actor=None, name_ko="대기", keywords=["대기"])
    respond(make_link(survey), csat=1, text="대기 시간이 길었어요")
    text_services.text_analyse()
    annotation = TextAnnotation.objects.filter(answer__isnull=False).latest("pk")
    return {"theme": theme.pk, "annotation": annotation.pk}


def _import_objects(survey: Survey) -> dict[str, int]:
    """A pending response import with one good and one broken row."""
    from sqms.feedback import imports

    data = "external_id,submitted_at,q1,q2\nM-1,2026-01-05 10:00,5,9\nM-2,not a date,9,9\n"
    imp = imports.response_import_create(
        actor=None, survey=survey, file_name="m.csv", data=data.encode(), policy="keep_good"
    )
    return {"response_import": imp.pk}


def make_objects() -> dict[str, int]:
    """An active survey with a public link and one response (from a site)."""
    survey = make_survey()
    link = make_link(survey, kind=DistributionKind.QR)
    response = respond(link)
    text = _text_objects(survey)
    text |= _complaint_objects(link)
    text |= _import_objects(survey)
    return {
        **text,
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
    if name == "feedback:public_complaint_satisfaction":
        from sqms.feedback.models import Complaint

        token = Complaint.objects.get(pk=objects["fb_complaint"]).satisfaction_token
        return reverse(name, kwargs={"token": token})
    if name in (
        "feedback:public_survey",
        "feedback:public_thanks",
        "feedback:public_embed",
        "api:feedback_response_submit",
    ):
        token = Distribution.objects.get(pk=objects["distribution"]).token
        return reverse(name, kwargs={"token": token})
    return None
