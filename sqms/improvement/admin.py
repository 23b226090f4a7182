"""Admin registrations; changes made here reach the audit trail like any other."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from sqms.core.admin import AuditedModelAdmin
from sqms.improvement.models import (
    Action,
    ActionEvidence,
    ActionNote,
    Cause,
    CauseCategory,
    EffectivenessCheck,
    FishboneCause,
    Nonconformance,
    RaiseRule,
    Signature,
    SignatureAttempt,
    StatusChange,
    WhyStep,
)


@admin.register(CauseCategory)
class CauseCategoryAdmin(AuditedModelAdmin):
    list_display = ("code", "name", "bone", "archived_at")


@admin.register(Cause)
class CauseAdmin(AuditedModelAdmin):
    list_display = ("code", "name", "category", "archived_at")
    list_filter = ("category",)


@admin.register(Nonconformance)
class NonconformanceAdmin(AuditedModelAdmin):
    list_display = ("number", "title", "status", "severity", "source_type", "detected_at")
    list_filter = ("status", "severity", "source_type")
    search_fields = ("number", "title")
    # The status moves only through the workflow, so that the closing signature stays meaningful.
    readonly_fields = ("number", "status", "closed_at", "recurrence_of")


@admin.register(RaiseRule)
class RaiseRuleAdmin(AuditedModelAdmin):
    list_display = ("standard", "enabled", "severity")


@admin.register(Action)
class ActionAdmin(AuditedModelAdmin):
    list_display = ("title", "nonconformance", "kind", "owner", "due_on", "status")
    list_filter = ("kind", "status")


class ReadOnlyAdmin(AuditedModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


for model in (
    StatusChange,
    Signature,
    SignatureAttempt,
    WhyStep,
    FishboneCause,
    ActionNote,
    ActionEvidence,
    EffectivenessCheck,
):
    admin.site.register(model, ReadOnlyAdmin)
