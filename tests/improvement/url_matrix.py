"""Expected status codes of the improvement pages and API, per persona (tests/test_url_matrix)."""

from __future__ import annotations

from django.urls import reverse

from sqms.core.roles import Role
from sqms.feedback.complaints import complaint_receive
from sqms.improvement import services
from sqms.improvement.models import NcStatus, Stage
from tests.documents.factories import pdf_upload
from tests.factories import make_service, make_site, make_user
from tests.improvement.factories import advance, make_initiative, make_nc, make_signal
from tests.url_matrix_codes import ALL, API, POST_ONLY

#             anon  admin  qm   owner staff audit exec
WRITERS = (302, 200, 200, 200, 403, 403, 403)
CLOSERS = (302, 200, 200, 403, 403, 403, 403)

MATRIX: dict[str, tuple[int, ...]] = {
    "improvement:nonconformance_list": ALL,
    "improvement:nonconformance_create": ALL,  # anyone who reads the area may report
    "improvement:nonconformance_detail": ALL,
    "improvement:nonconformance_edit": WRITERS,
    "improvement:nonconformance_transition": POST_ONLY,
    "improvement:nonconformance_close": CLOSERS,
    "improvement:nonconformance_analysis": WRITERS,
    "improvement:action_create": WRITERS,
    "improvement:check_create": WRITERS,
    "improvement:action_list": ALL,
    "improvement:action_detail": ALL,
    "improvement:action_update": POST_ONLY,
    "improvement:evidence_download": ALL,
    "improvement:cause_list": ALL,
    "improvement:cause_pareto": ALL,
    "api:nonconformance_list": API,
    "api:nonconformance_create": API,  # same path as the list; GET lists
    "api:nonconformance_detail": API,
    "api:nonconformance_transition": (405,) * 7,
    "improvement:dashboard": ALL,
    "improvement:initiative_list": ALL,
    "improvement:initiative_board": ALL,
    "improvement:initiative_create": WRITERS,
    "improvement:initiative_detail": ALL,
    "improvement:initiative_edit": WRITERS,
    "improvement:initiative_move": POST_ONLY,
    "improvement:lesson_from_initiative": WRITERS,
    "improvement:suggestion_list": ALL,
    "improvement:suggestion_create": ALL,  # every employee may submit an idea
    "improvement:suggestion_participation": ALL,
    "improvement:suggestion_detail": ALL,
    "improvement:suggestion_vote": POST_ONLY,
    "improvement:suggestion_comment": POST_ONLY,
    "improvement:suggestion_triage": WRITERS,
    "improvement:lesson_list": ALL,
    "improvement:lesson_detail": ALL,
    "improvement:lesson_from_nonconformance": WRITERS,
    "improvement:signal_raise": POST_ONLY,
    "improvement:raise_rule_list": ALL,
    "improvement:complaint_raise": POST_ONLY,
    "api:initiative_list": API,
    "api:initiative_create": API,  # same path as the list; GET lists
    "api:initiative_detail": API,
    "api:initiative_move": (405,) * 7,
    "api:suggestion_list": API,
    "api:suggestion_create": API,  # same path as the list; GET lists
    "api:suggestion_detail": API,
    "api:suggestion_transition": (405,) * 7,
}

_KWARG = {
    "improvement:nonconformance_detail": "nonconformance",
    "improvement:nonconformance_edit": "nonconformance",
    "improvement:nonconformance_transition": "nonconformance",
    "improvement:nonconformance_close": "nonconformance",
    "improvement:nonconformance_analysis": "nonconformance",
    "improvement:action_create": "nonconformance",
    "improvement:check_create": "nonconformance",
    "improvement:action_detail": "action",
    "improvement:action_update": "action",
    "improvement:evidence_download": "evidence",
    "api:nonconformance_detail": "nonconformance",
    "api:nonconformance_transition": "nonconformance",
    "improvement:initiative_detail": "initiative",
    "improvement:initiative_edit": "initiative",
    "improvement:initiative_move": "initiative",
    "improvement:lesson_from_initiative": "initiative",
    "improvement:suggestion_detail": "suggestion",
    "improvement:suggestion_vote": "suggestion",
    "improvement:suggestion_comment": "suggestion",
    "improvement:suggestion_triage": "suggestion",
    "improvement:lesson_detail": "lesson",
    "improvement:lesson_from_nonconformance": "nonconformance",
    "improvement:signal_raise": "signal",
    "improvement:complaint_raise": "complaint",
    "api:initiative_detail": "initiative",
    "api:initiative_move": "initiative",
    "api:suggestion_detail": "suggestion",
    "api:suggestion_transition": "suggestion",
}


def make_objects() -> dict[str, int]:
    """A nonconformance with an action (with an evidence file) that is being carried out."""
    qm = make_user(Role.QUALITY_MANAGER)
    site = make_site()
    nc = make_nc(qm, service=make_service([site]), site=site)
    nc = advance(nc, NcStatus.ACTION_PLANNED, actor=qm)
    action = nc.actions.get()
    evidence = services.action_evidence_add(actor=qm, action=action, upload=pdf_upload())
    initiative = make_initiative(qm, to=Stage.COMPLETED)
    lesson = services.lesson_publish(
        actor=qm,
        initiative=initiative,
        title="교훈",
        what_happened="무슨 일",
        what_we_learned="배운 점",
    )
    suggestion = services.suggestion_submit(actor=make_user(Role.STAFF), title="제안", body="내용")
    signal = make_signal(site=site)
    complaint = complaint_receive(
        actor=None,
        intake="staff",
        subject="불만",
        description="내용",
        site=site,
        service=nc.service,
    )
    return {
        "complaint": complaint.pk,
        "nonconformance": nc.pk,
        "action": action.pk,
        "evidence": evidence.pk,
        "initiative": initiative.pk,
        "lesson": lesson.pk,
        "suggestion": suggestion.pk,
        "signal": signal.pk,
    }


def url(name: str, objects: dict[str, int]) -> str | None:
    entity = _KWARG.get(name)
    if entity is None:
        return None
    return reverse(name, kwargs={"pk": objects[entity]})
