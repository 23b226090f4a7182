"""Expected status codes of the documents pages and API, per persona (see tests/test_url_matrix)."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from sqms.core.roles import Role
from sqms.documents import services
from tests.documents.factories import first_revision, make_document, pdf_upload, publish
from tests.factories import make_employee, make_site, make_user
from tests.url_matrix_codes import ALL, API, POST_ONLY

#             anon  admin  qm   owner staff audit exec
WRITERS = (302, 200, 200, 200, 403, 403, 403)
DRAFT_WRITERS = (302, 200, 200, 200, 404, 404, 404)  # drafts do not exist for readers
API_DRAFT = (401, 200, 200, 200, 404, 404, 404)

MATRIX: dict[str, tuple[int, ...]] = {
    "documents:document_list": ALL,
    "documents:document_create": WRITERS,
    "documents:document_detail": ALL,
    "documents:document_edit": WRITERS,
    "documents:document_review": POST_ONLY,
    "documents:document_diff": ALL,
    "documents:revision_create": WRITERS,
    "documents:revision_edit": DRAFT_WRITERS,
    "documents:revision_transition": POST_ONLY,
    "documents:revision_sign": DRAFT_WRITERS,
    "documents:revision_publish": DRAFT_WRITERS,
    "documents:file_download": ALL,
    "documents:file_remove": POST_ONLY,
    "documents:acknowledgement_list": ALL,
    "documents:acknowledgement_confirm": POST_ONLY,
    "documents:campaign_detail": ALL,
    "api:document_list": API,
    "api:document_detail": API,
    "api:document_revision_list": API,
    "api:revision_detail": API_DRAFT,
    "api:acknowledgement_list": API,
    "api:acknowledgement_confirm": (405,) * 7,
}

_KWARG = {
    "documents:document_detail": "document",
    "documents:document_edit": "document",
    "documents:document_review": "document",
    "documents:document_diff": "document",
    "documents:revision_create": "document",
    "documents:revision_edit": "revision",
    "documents:revision_transition": "revision",
    "documents:revision_sign": "revision",
    "documents:revision_publish": "revision",
    "documents:file_download": "file",
    "documents:file_remove": "file",
    "documents:acknowledgement_confirm": "acknowledgement",
    "documents:campaign_detail": "campaign",
    "api:document_detail": "document",
    "api:document_revision_list": "document",
    "api:revision_detail": "revision",
    "api:acknowledgement_confirm": "acknowledgement",
}


def make_objects() -> dict[str, int]:
    """A document in force (rev. 1, with a PDF and a campaign) and a draft rev. 2."""
    author = make_user(Role.QUALITY_MANAGER)
    document = make_document(owner=author)
    rev1 = first_revision(document)
    attached = services.revision_file_add(actor=author, revision=rev1, upload=pdf_upload())
    site = make_site()
    employee = make_employee(site=site)
    employee.user = make_user(Role.STAFF)
    employee.save(update_fields=["user"])
    campaign = publish(rev1, sites=[site], deadline=timezone.localdate() + dt.timedelta(days=5))
    assert campaign is not None
    draft = services.revision_start(actor=author, document=document, change_summary="개정")
    return {
        "document": document.pk,
        "revision": draft.pk,
        "file": attached.pk,
        "campaign": campaign.pk,
        "acknowledgement": campaign.acknowledgements.get().pk,
    }


def url(name: str, objects: dict[str, int]) -> str | None:
    entity = _KWARG.get(name)
    if entity is None:
        return None
    return reverse(name, kwargs={"pk": objects[entity]})
