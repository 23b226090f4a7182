"""Admin registrations; changes made here reach the audit trail like any other."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from sqms.core.admin import AuditedModelAdmin
from sqms.feedback.models import Answer, Distribution, Question, Response, Survey


@admin.register(Survey)
class SurveyAdmin(AuditedModelAdmin):
    list_display = ("code", "version", "title_ko", "status", "service")
    list_filter = ("status",)
    search_fields = ("code", "title_ko", "title_en")


@admin.register(Question)
class QuestionAdmin(AuditedModelAdmin):
    list_display = ("survey", "order", "kind", "text_ko", "required")
    list_filter = ("kind",)


@admin.register(Distribution)
class DistributionAdmin(AuditedModelAdmin):
    list_display = ("survey", "kind", "label", "expires_at", "used_at")
    list_filter = ("kind",)
    readonly_fields = ("token",)


class ReadOnlyAdmin(AuditedModelAdmin):
    """Responses are the customer's words: nobody edits them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


admin.site.register(Response, ReadOnlyAdmin)
admin.site.register(Answer, ReadOnlyAdmin)
