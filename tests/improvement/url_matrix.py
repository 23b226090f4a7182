"""Expected status codes of the improvement pages and API, per persona (tests/test_url_matrix)."""

from __future__ import annotations

from django.urls import reverse

from sqms.core.roles import Role
from sqms.improvement import services
from sqms.improvement.models import NcStatus
from tests.documents.factories import pdf_upload
from tests.factories import make_service, make_site, make_user
from tests.improvement.factories import advance, make_nc
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
}


def make_objects() -> dict[str, int]:
    """A nonconformance with an action (with an evidence file) that is being carried out."""
    qm = make_user(Role.QUALITY_MANAGER)
    site = make_site()
    nc = make_nc(qm, service=make_service([site]), site=site)
    nc = advance(nc, NcStatus.ACTION_PLANNED, actor=qm)
    action = nc.actions.get()
    evidence = services.action_evidence_add(actor=qm, action=action, upload=pdf_upload())
    return {"nonconformance": nc.pk, "action": action.pk, "evidence": evidence.pk}


def url(name: str, objects: dict[str, int]) -> str | None:
    entity = _KWARG.get(name)
    if entity is None:
        return None
    return reverse(name, kwargs={"pk": objects[entity]})
