"""Admin registrations; changes made here reach the audit trail like any other."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from sqms.core.admin import AuditedModelAdmin
from sqms.documents.models import (
    AckCampaign,
    Acknowledgement,
    Document,
    Revision,
    RevisionFile,
    Signature,
    SignatureAttempt,
    StatusChange,
)


@admin.register(Document)
class DocumentAdmin(AuditedModelAdmin):
    list_display = ("number", "title_ko", "doc_type", "owner", "next_review_on", "archived_at")
    list_filter = ("doc_type",)
    search_fields = ("number", "title_ko", "title_en")


@admin.register(Revision)
class RevisionAdmin(AuditedModelAdmin):
    list_display = ("document", "number", "status", "published_at")
    list_filter = ("status",)
    # Content and status change only through the workflow, so that signatures stay meaningful.
    readonly_fields = ("document", "number", "status", "body", "content_hash", "published_at")


@admin.register(AckCampaign)
class AckCampaignAdmin(AuditedModelAdmin):
    list_display = ("revision", "deadline", "created_at")


class ReadOnlyAdmin(AuditedModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


for model in (RevisionFile, Signature, SignatureAttempt, StatusChange, Acknowledgement):
    admin.site.register(model, ReadOnlyAdmin)
