"""Admin registrations. Changes made in the admin reach the audit trail like any other."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from sqms.core.audit import PendingEntry, audit_record, audit_record_many, diff, snapshot
from sqms.core.models import ApiToken, AuditAction, AuditEntry, User


class AuditedModelAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Writes one audit entry per create, update and delete done through the admin."""

    def get_object(
        self, request: HttpRequest, object_id: str, from_field: str | None = None
    ) -> Any:
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            obj._audit_before = snapshot(obj)
        return obj

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # Many-to-many values are saved here, so the entry is written after them.
        super().save_related(request, form, formsets, change)
        obj = form.instance
        before = getattr(obj, "_audit_before", None)
        action = AuditAction.UPDATE if change and before is not None else AuditAction.CREATE
        audit_record(actor=_actor(request), action=action, obj=obj, before=before)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            before = snapshot(obj)
            audit_record(actor=_actor(request), action=AuditAction.DELETE, obj=obj, before=before)
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        with transaction.atomic():
            entries = [
                PendingEntry(action=AuditAction.DELETE, obj=o, changes=diff(snapshot(o), {}))
                for o in queryset
            ]
            audit_record_many(actor=_actor(request), entries=entries)
            super().delete_queryset(request, queryset)


def _actor(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


@admin.register(User)
class SqmsUserAdmin(AuditedModelAdmin, UserAdmin):  # type: ignore[type-arg]
    list_display = ("username", "email", "first_name", "last_name", "role", "is_active")
    list_filter = ("role", "is_active", "is_staff")
    fieldsets = (
        *UserAdmin.fieldsets,  # type: ignore[misc]
        ("SQMS", {"fields": ("role", "language")}),
    )


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("seq", "created_at", "actor_label", "action", "content_type", "object_repr")
    list_filter = ("action", "content_type")
    search_fields = ("object_repr", "actor_label", "reason")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "user", "prefix", "scope", "created_at", "revoked_at")
    readonly_fields = (
        "user",
        "name",
        "prefix",
        "token_hash",
        "scope",
        "created_at",
        "last_used_at",
    )
    fields = (*readonly_fields, "revoked_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
