from __future__ import annotations

import json
from typing import Any

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Field
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from sqms.core.models import AuditEntry

register = template.Library()


@register.filter
def verbose_name(model: Any) -> str:
    return capfirst(str(model._meta.verbose_name))


def _field(entry: AuditEntry, name: str) -> Field[Any, Any] | None:
    model = entry.content_type.model_class()
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, Field) else None


def _shown(field: Field[Any, Any] | None, value: Any) -> str:
    """A stored value as the user reads it: a choice by its label, yes/no in words."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if field is not None and field.choices and not isinstance(value, (list, dict)):
        labels = {str(k): v for k, v in field.flatchoices}
        if str(value) in labels:
            return str(labels[str(value)])
    if isinstance(value, dict) or (
        isinstance(value, list) and any(isinstance(v, dict) for v in value)
    ):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    return str(value)


@register.filter
def audit_changes(entry: AuditEntry) -> list[tuple[str, str, str]]:
    """(field label, before, after) of each change the entry records."""
    rows = []
    for name, pair in entry.changes.items():
        field = _field(entry, name)
        label = capfirst(str(field.verbose_name)) if field is not None else name
        before, after = [*pair, None, None][:2] if isinstance(pair, list) else (None, pair)
        rows.append((label, _shown(field, before), _shown(field, after)))
    return rows
