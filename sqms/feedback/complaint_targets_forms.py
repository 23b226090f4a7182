"""The one form of the complaint clock targets: two numbers of business hours per severity."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sqms.feedback.complaint_targets import ORDER, TargetRow, field_name, plain_hours
from sqms.feedback.models import TARGET_HOURS_MAX, TARGET_HOURS_MIN

LABELS = {
    "acknowledge_hours": _("Acknowledge within (business hours)"),
    "resolve_hours": _("Resolve within (business hours)"),
}
ERRORS = {
    "required": _("Enter a number of business hours."),
    "invalid": _("Enter a number of hours, such as 8 or 1.5."),
    "min_value": _("Enter at least %(limit_value)s hours."),
    "max_value": _("Enter at most %(limit_value)s hours."),
    "max_decimal_places": _("Use at most two decimal places."),
}


class TargetsForm(forms.Form):
    def __init__(self, *args: Any, rows: list[TargetRow], **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {field_name(r.severity, f): plain_hours(getattr(r, f)) for r in rows for f in LABELS},
        )
        super().__init__(*args, **kwargs)
        for severity in ORDER:
            for name, label in LABELS.items():
                # No max_digits: the upper bound already says it, once, in words.
                self.fields[field_name(severity, name)] = forms.DecimalField(
                    label=label,
                    decimal_places=2,
                    min_value=TARGET_HOURS_MIN,
                    max_value=TARGET_HOURS_MAX,
                    error_messages=ERRORS,
                    # Text, not number: a browser blanks what it cannot parse, and the
                    # page keeps what was typed next to the error.
                    widget=forms.TextInput(attrs={"inputmode": "decimal"}),
                )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for severity in ORDER:
            ack = data.get(field_name(severity, "acknowledge_hours"))
            resolve_name = field_name(severity, "resolve_hours")
            resolve = data.get(resolve_name)
            if ack is not None and resolve is not None and resolve < ack:
                self.add_error(resolve_name, _("Resolution cannot be due before acknowledgement."))
        return data

    def values(self) -> dict[str, tuple[Decimal, Decimal]]:
        data = self.cleaned_data
        return {
            s: (
                data[field_name(s, "acknowledge_hours")],
                data[field_name(s, "resolve_hours")],
            )
            for s in ORDER
        }

    def groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        """The fields by severity, for one fieldset each."""
        return [(s, [self[field_name(s, f)] for f in LABELS]) for s in ORDER]
