"""Reads of the core app: the audit trail."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import QuerySet

from sqms.core.models import ApiToken, AuditEntry, User


def audit_entries_for_object(*, obj: models.Model) -> QuerySet[AuditEntry]:
    ct = ContentType.objects.get_for_model(obj, for_concrete_model=True)
    return AuditEntry.objects.filter(content_type=ct, object_id=str(obj.pk)).select_related(
        "actor", "content_type"
    )


@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""
    action: str = ""
    content_type: int | None = None
    object_id: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    q: str = ""


def audit_entry_list(*, filters: AuditFilter) -> QuerySet[AuditEntry]:
    qs = AuditEntry.objects.select_related("content_type")
    if filters.actor:
        qs = qs.filter(actor_label__icontains=filters.actor)
    if filters.action:
        qs = qs.filter(action=filters.action)
    if filters.content_type:
        qs = qs.filter(content_type_id=filters.content_type)
    if filters.object_id:
        qs = qs.filter(object_id=filters.object_id)
    if filters.date_from:
        qs = qs.filter(created_at__date__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(created_at__date__lte=filters.date_to)
    if filters.q:
        qs = qs.filter(
            models.Q(object_repr__icontains=filters.q) | models.Q(reason__icontains=filters.q)
        )
    return qs.order_by("-seq")


def audited_content_types() -> QuerySet[ContentType]:
    ids = AuditEntry.objects.values("content_type_id").distinct()
    return ContentType.objects.filter(pk__in=ids).order_by("app_label", "model")


def api_tokens_for_user(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at")
