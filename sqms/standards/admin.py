"""Admin registrations; versions are read-only (revise a standard through its service)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from sqms.core.admin import AuditedModelAdmin
from sqms.standards.models import (
    BusinessCalendar,
    Closure,
    Metric,
    OpeningHours,
    ServiceStandard,
    StandardVersion,
)


@admin.register(Metric)
class MetricAdmin(AuditedModelAdmin):
    list_display = ("code", "name", "source", "aggregation", "direction", "unit", "archived_at")
    list_filter = ("source", "aggregation", "direction")
    search_fields = ("code", "name")


class StandardVersionInline(admin.TabularInline):  # type: ignore[type-arg]
    model = StandardVersion
    extra = 0
    can_delete = False
    fields = (
        "version",
        "effective_from",
        "threshold",
        "comparison",
        "compliance_objective",
        "period",
        "segments",
        "basis",
        "basis_reference",
        "reason",
        "created_by",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ServiceStandard)
class ServiceStandardAdmin(AuditedModelAdmin):
    list_display = ("code", "name", "service", "metric", "owner", "archived_at")
    list_filter = ("service", "metric")
    search_fields = ("code", "name")
    inlines = [StandardVersionInline]

    def get_readonly_fields(self, request: HttpRequest, obj: object = None) -> tuple[str, ...]:
        return ("service", "metric") if obj is not None else ()


@admin.register(StandardVersion)
class StandardVersionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("standard", "version", "effective_from", "threshold", "period", "basis")
    list_filter = ("period", "basis")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class OpeningHoursInline(admin.TabularInline):  # type: ignore[type-arg]
    model = OpeningHours
    extra = 0


class ClosureInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Closure
    extra = 0


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(AuditedModelAdmin):
    list_display = ("name", "site", "time_zone", "use_public_holidays")
    inlines = [OpeningHoursInline, ClosureInline]
