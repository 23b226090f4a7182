"""REST endpoints of the documents app: read documents and revisions, confirm acknowledgements."""

# No `from __future__ import annotations` here: ninja resolves the annotations at import time.
import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate
from ninja.schema import DjangoGetter
from pydantic import model_validator

from sqms.core.access import ensure
from sqms.core.api import api_user
from sqms.core.roles import Area
from sqms.documents import access, selectors, services
from sqms.documents.models import Acknowledgement, DocType, RevisionStatus

router = Router(tags=["documents"])


class Pages(PageNumberPagination):
    class Input(Schema):
        page: int = Field(1, ge=1, le=1_000_000)
        page_size: int | None = Field(None, ge=1)


class Filters(Schema):
    q: str = Field("", max_length=200)
    doc_type: DocType | None = None
    status: RevisionStatus | None = None
    owner: int | None = Field(None, ge=1, le=2**63 - 1)
    archived: bool = False

    def to_filter(self) -> selectors.DocumentFilter:
        return selectors.DocumentFilter(
            q=self.q.replace("\x00", ""),
            doc_type=self.doc_type or "",
            status=self.status or "",
            owner=self.owner,
            archived=self.archived,
        )


class DocumentOut(Schema):
    id: int
    number: str
    title_ko: str
    title_en: str
    doc_type: str
    owner_id: int
    review_interval_months: int
    next_review_on: dt.date | None
    published_number: int | None = None
    archived_at: dt.datetime | None


class RevisionSummaryOut(Schema):
    id: int
    number: int
    status: str
    change_summary: str
    content_hash: str
    published_at: dt.datetime | None


class SignatureOut(Schema):
    printed_name: str
    signer_id: int
    meaning: str
    signed_at: dt.datetime
    content_hash: str
    valid: bool


class FileOut(Schema):
    id: int
    original_name: str
    size: int
    sha256: str
    mime: str


class RevisionOut(RevisionSummaryOut):
    document_id: int
    body: str
    files: list[FileOut]
    signatures: list[SignatureOut]


class AcknowledgementOut(Schema):
    id: int
    document_id: int
    document_number: str
    revision_number: int
    deadline: dt.date
    acknowledged_at: dt.datetime | None

    @staticmethod
    def resolve_document_id(obj: Acknowledgement) -> int:
        return obj.campaign.revision.document_id

    @staticmethod
    def resolve_document_number(obj: Acknowledgement) -> str:
        return obj.campaign.revision.document.number

    @staticmethod
    def resolve_revision_number(obj: Acknowledgement) -> int:
        return obj.campaign.revision.number

    @staticmethod
    def resolve_deadline(obj: Acknowledgement) -> dt.date:
        return obj.campaign.deadline


class ConfirmIn(Schema):
    """The explicit statement, as on the page's button: "I have read and understood it"."""

    read_and_understood: Literal[True]

    @model_validator(mode="before")
    @classmethod
    def _object_only(cls, data: Any) -> Any:
        raw = data._obj if isinstance(data, DjangoGetter) else data
        if not isinstance(raw, dict):
            raise ValueError(_("The request body must be a JSON object."))
        return data


def _op(name: str) -> dict[str, Any]:
    return {"operation_id": f"sqms_documents_api_{name}", "url_name": name}


@router.get("/", response=list[DocumentOut], **_op("document_list"))
@paginate(Pages, page_size=50)
def document_list(request: HttpRequest, filters: Query[Filters]) -> Any:
    ensure(request.user, Area.DOCUMENTS)
    return selectors.document_list(user=request.user, filters=filters.to_filter())


@router.get("/acknowledgements/", response=list[AcknowledgementOut], **_op("acknowledgement_list"))
def acknowledgement_list(request: HttpRequest) -> Any:
    ensure(request.user, Area.DOCUMENTS)
    return list(selectors.acknowledgements_for_user(user=request.user))


@router.post(
    "/acknowledgements/{pk}/confirm/",
    response=AcknowledgementOut,
    **_op("acknowledgement_confirm"),
)
def acknowledgement_confirm(request: HttpRequest, pk: int, payload: ConfirmIn) -> Any:
    ack = access.acknowledgement_get_for_user(user=request.user, pk=pk)
    return services.acknowledgement_confirm(actor=api_user(request), acknowledgement=ack)


@router.get("/revisions/{pk}/", response=RevisionOut, **_op("revision_detail"))
def revision_detail(request: HttpRequest, pk: int) -> Any:
    revision = access.revision_get_for_user(user=request.user, pk=pk)
    signatures = [
        {
            "printed_name": row.signature.printed_name,
            "signer_id": row.signature.signer_id,
            "meaning": row.signature.meaning,
            "signed_at": row.signature.signed_at,
            "content_hash": row.signature.content_hash,
            "valid": row.valid,
        }
        for row in selectors.revision_signatures(revision=revision)
    ]
    return {
        "id": revision.pk,
        "document_id": revision.document_id,
        "number": revision.number,
        "status": revision.status,
        "change_summary": revision.change_summary,
        "content_hash": revision.content_hash,
        "published_at": revision.published_at,
        "body": revision.body,
        "files": list(revision.files.all()),
        "signatures": signatures,
    }


@router.get("/{pk}/", response=DocumentOut, **_op("document_detail"))
def document_detail(request: HttpRequest, pk: int) -> Any:
    document = access.document_get_for_user(user=request.user, pk=pk)
    published = selectors.published_revision(document=document)
    document.published_number = published.number if published else None  # type: ignore[attr-defined]
    return document


@router.get("/{pk}/revisions/", response=list[RevisionSummaryOut], **_op("document_revision_list"))
def document_revision_list(request: HttpRequest, pk: int) -> Any:
    document = access.document_get_for_user(user=request.user, pk=pk)
    return selectors.document_revisions(user=request.user, document=document)
