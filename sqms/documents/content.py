"""Revision content: the canonical hash, safe Markdown rendering, diffs and upload checks."""

from __future__ import annotations

import difflib
import hashlib
import io
import json
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from markdown_it import MarkdownIt

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
MIME = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_ZIP_MARKER = {"docx": "word/", "xlsx": "xl/"}


def content_hash(body: str, file_hashes: Iterable[str]) -> str:
    """SHA-256 over the body (newlines normalised) and the attached files' SHA-256s, sorted."""
    canonical = json.dumps(
        {"body": body.replace("\r\n", "\n"), "files": sorted(file_hashes)},
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


# "js-default" escapes raw HTML and rejects javascript: links; tables on top of it.
_md = MarkdownIt("js-default").enable("table")


def render_markdown(body: str) -> SafeString:
    # markdown-it escapes every raw HTML fragment and unsafe link in js-default mode.
    return mark_safe(str(_md.render(body)))  # noqa: S308


def diff_table(old: str, new: str, old_label: str, new_label: str) -> SafeString:
    """A side-by-side HTML diff; difflib escapes the text it puts into the table."""
    table = difflib.HtmlDiff(wrapcolumn=80).make_table(
        old.splitlines(), new.splitlines(), escape(old_label), escape(new_label), context=True
    )
    return mark_safe(table)  # noqa: S308


def max_bytes() -> int:
    return int(getattr(settings, "SQMS_DOCUMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


@dataclass(frozen=True)
class CheckedFile:
    extension: str
    mime: str
    size: int
    sha256: str


def _looks_like(ext: str, head: bytes, data: UploadedFile[bytes]) -> bool:
    if ext == "pdf":
        return head.startswith(b"%PDF-")
    if not head.startswith(b"PK\x03\x04"):
        return False
    data.seek(0)
    try:
        with zipfile.ZipFile(io.BytesIO(data.read())) as archive:
            names = archive.namelist()
    except zipfile.BadZipFile:
        return False
    return "[Content_Types].xml" in names and any(n.startswith(_ZIP_MARKER[ext]) for n in names)


def check_upload(upload: UploadedFile[bytes], *, field: str = "file") -> CheckedFile:
    """Accept PDF, DOCX and XLSX whose content matches the extension, up to the size limit."""
    name = upload.name or ""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in MIME:
        raise ValidationError(
            {field: [_("Only PDF, DOCX and XLSX files may be attached.")]}, code="extension"
        )
    size = upload.size or 0
    limit = max_bytes()
    if size > limit:
        raise ValidationError(
            {
                field: [
                    _("The file is %(size)s MB; the limit is %(limit)s MB.")
                    % {"size": round(size / 1048576, 1), "limit": round(limit / 1048576, 1)}
                ]
            },
            code="size",
        )
    if size == 0:
        raise ValidationError({field: [_("The file is empty.")]}, code="empty")
    upload.seek(0)
    head = upload.read(8)
    if not _looks_like(ext, head, upload):
        raise ValidationError(
            {
                field: [
                    _("The content of %(name)s is not a %(type)s file.")
                    % {"name": name, "type": ext.upper()}
                ]
            },
            code="content",
        )
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedFile(extension=ext, mime=MIME[ext], size=size, sha256=digest.hexdigest())
