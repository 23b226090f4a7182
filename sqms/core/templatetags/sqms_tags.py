from __future__ import annotations

from typing import Any

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.utils.text import capfirst

from sqms.core.models import AuditEntry

register = template.Library()


@register.filter
def verbose_name(model: Any) -> str:
    return capfirst(str(model._meta.verbose_name))


@register.filter
def field_label(name: str, entry: AuditEntry) -> str:
    model = entry.content_type.model_class()
    if model is None:
        return name
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return name
    return capfirst(str(getattr(field, "verbose_name", name)))


@register.filter
def audit_value(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    return str(value)
