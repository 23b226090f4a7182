"""Audited create / update / archive steps that every app's services are built from.

Each step validates with `full_clean()`, saves, and writes exactly one audit entry, inside the
caller's transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.core.audit import audit_record, snapshot
from sqms.core.exceptions import ReasonRequired
from sqms.core.models import ArchivableModel, AuditAction, User

M = TypeVar("M", bound=models.Model)
A = TypeVar("A", bound=ArchivableModel)


def _set_m2m(obj: models.Model, m2m: Mapping[str, Any] | None) -> None:
    for name, values in (m2m or {}).items():
        getattr(obj, name).set(values)


@transaction.atomic
def record_create[M: models.Model](
    *, actor: User | None, obj: M, m2m: Mapping[str, Any] | None = None
) -> M:
    obj.full_clean()
    obj.save()
    _set_m2m(obj, m2m)
    audit_record(actor=actor, action=AuditAction.CREATE, obj=obj)
    return obj


@transaction.atomic
def record_update[M: models.Model](
    *,
    actor: User | None,
    obj: M,
    fields: Mapping[str, Any],
    m2m: Mapping[str, Any] | None = None,
    reason: str = "",
) -> M:
    before = snapshot(obj)
    for name, value in fields.items():
        setattr(obj, name, value)
    obj.full_clean()
    obj.save()
    _set_m2m(obj, m2m)
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=obj, before=before, reason=reason)
    return obj


def _require_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ReasonRequired(_("Please give a reason."))
    return reason


@transaction.atomic
def record_archive[A: ArchivableModel](*, actor: User | None, obj: A, reason: str) -> A:
    reason = _require_reason(reason)
    if obj.archived_at is not None:
        return obj
    return record_update(
        actor=actor, obj=obj, fields={"archived_at": timezone.now()}, reason=reason
    )


@transaction.atomic
def record_unarchive[A: ArchivableModel](*, actor: User | None, obj: A, reason: str) -> A:
    reason = _require_reason(reason)
    if obj.archived_at is None:
        return obj
    return record_update(actor=actor, obj=obj, fields={"archived_at": None}, reason=reason)
