from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from sqms.core.exceptions import SqmsError
from sqms.documents import services
from tests.documents.factories import (
    first_revision,
    make_document,
    office_upload,
    pdf_upload,
    publish,
)

pytestmark = pytest.mark.django_db


def test_it_attaches_a_pdf_and_a_docx_and_an_xlsx_and_changes_the_hash():
    revision = first_revision(make_document())
    before = revision.content_hash
    for upload in (pdf_upload(), office_upload("docx"), office_upload("xlsx")):
        services.revision_file_add(actor=revision.created_by, revision=revision, upload=upload)
    revision.refresh_from_db()
    assert revision.content_hash != before
    assert sorted(revision.files.values_list("mime", flat=True)) == sorted(
        [
            "application/pdf",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ]
    )


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("fake.pdf", b"MZ\x90\x00 not a pdf"), "is not a PDF file"),
        (office_upload("xlsx", name="sheet.docx"), "is not a DOCX file"),
        (SimpleUploadedFile("broken.docx", b"PK\x03\x04garbage"), "is not a DOCX file"),
        (SimpleUploadedFile("script.exe", b"%PDF-1.4"), "Only PDF, DOCX and XLSX"),
    ],
)
def test_it_rejects_content_that_does_not_match_the_extension(upload, message):
    revision = first_revision(make_document())
    with pytest.raises(ValidationError) as caught:
        services.revision_file_add(actor=revision.created_by, revision=revision, upload=upload)
    assert message in caught.value.message_dict["file"][0]
    assert not revision.files.exists()


def test_it_rejects_a_file_over_the_limit(settings):
    settings.SQMS_DOCUMENT_MAX_BYTES = 100
    revision = first_revision(make_document())
    with pytest.raises(ValidationError, match="limit"):
        services.revision_file_add(
            actor=revision.created_by, revision=revision, upload=pdf_upload(extra=b"x" * 200)
        )


def test_it_refuses_files_on_a_published_revision():
    revision = first_revision(make_document())
    publish(revision)
    with pytest.raises(SqmsError, match="Start a new revision"):
        services.revision_file_add(
            actor=revision.created_by, revision=revision, upload=pdf_upload()
        )


def test_it_names_the_field_and_keeps_the_text_on_a_bad_upload(qm_client, users):
    revision = first_revision(make_document(owner=users["quality_manager"]))
    response = qm_client.post(
        f"/documents/revisions/{revision.pk}/edit/",
        {"body": "# 새 본문 유지", "file": SimpleUploadedFile("x.pdf", b"hello")},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_file_error"' in body
    assert "새 본문 유지" in body
    revision.refresh_from_db()
    assert revision.body != "# 새 본문 유지"


def test_it_copies_the_files_into_a_new_revision_and_serves_them(client_for):
    document = make_document()
    revision = first_revision(document)
    services.revision_file_add(actor=revision.created_by, revision=revision, upload=pdf_upload())
    publish(revision)
    draft = services.revision_start(actor=document.owner, document=document)
    revision.refresh_from_db()
    assert draft.content_hash == revision.content_hash
    copied = draft.files.get()
    assert copied.sha256 == revision.files.get().sha256
    response = client_for("staff").get(f"/documents/files/{revision.files.get().pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert client_for("staff").get(f"/documents/files/{copied.pk}/").status_code == 404
