"""Document factories, built through the services like everything else."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from sqms.core.models import User
from sqms.core.roles import Role
from sqms.documents import services
from sqms.documents.models import AckCampaign, DocType, Document, Meaning, Revision, RevisionStatus
from sqms.org.models import Site
from tests.factories import PASSWORD, make_user

_seq = itertools.count(1)


def pdf_upload(name: str = "manual.pdf", extra: bytes = b"") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, b"%PDF-1.7\n1 0 obj<<>>endobj\n" + extra, content_type="application/pdf"
    )


def office_upload(kind: str = "docx", name: str | None = None) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml" if kind == "docx" else "xl/workbook.xml", "<x/>")
    return SimpleUploadedFile(name or f"form.{kind}", buffer.getvalue())


def make_document(
    *,
    owner: User | None = None,
    doc_type: str = DocType.PROCEDURE,
    body: str = "# 절차\n\n첫 번째 판.",
) -> Document:
    n = next(_seq)
    owner = owner or make_user(Role.QUALITY_MANAGER)
    return services.document_create(
        actor=owner,
        number=f"DOC-{n}",
        title_ko=f"문서 {n}",
        title_en=f"Document {n}",
        doc_type=doc_type,
        owner=owner,
        body=body,
    )


def first_revision(document: Document) -> Revision:
    return document.revisions.get(number=1)


def submit(revision: Revision) -> Revision:
    return services.revision_transition(
        actor=revision.created_by, revision=revision, to=RevisionStatus.IN_REVIEW
    )


def approve(revision: Revision, approver: User | None = None) -> Revision:
    """Submit (when a draft) and sign as approved by someone other than the author."""
    if revision.status == RevisionStatus.DRAFT:
        revision = submit(revision)
    approver = approver or make_user(Role.QUALITY_MANAGER)
    services.revision_sign(
        actor=approver,
        revision=revision,
        password=PASSWORD,
        meaning=Meaning.APPROVED,
        printed_name="박승인",
    )
    revision.refresh_from_db()
    return revision


def publish(
    revision: Revision, *, sites: list[Site] | None = None, deadline: dt.date | None = None
) -> AckCampaign | None:
    if revision.status != RevisionStatus.APPROVED:
        approve(revision)
    campaign = services.revision_publish(
        actor=revision.created_by,
        revision=revision,
        deadline=(deadline or timezone.localdate() + dt.timedelta(days=7)) if sites else None,
        sites=sites or [],
    )
    revision.refresh_from_db()
    return campaign


def make_published(**kwargs: object) -> Document:
    document = make_document(**kwargs)  # type: ignore[arg-type]
    publish(first_revision(document))
    return document
