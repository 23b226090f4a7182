from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sqms.core.forms import DateInput
from sqms.core.models import User
from sqms.core.roles import Role
from sqms.org.access import services_visible_to, sites_visible_to
from sqms.org.models import Service
from sqms.standards.models import (
    Aggregation,
    Basis,
    BusinessCalendar,
    Comparison,
    Metric,
    MetricSource,
    OpeningHours,
    Period,
    Segment,
    ServiceStandard,
)
from sqms.standards.selectors import StandardsFilter

WEEKDAYS: list[tuple[int, str]] = [
    (int(v), str(label)) for v, label in OpeningHours._meta.get_field("weekday").choices or []
]


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", **kwargs)


class CategoryValuesField(forms.CharField):
    """One category a line."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 3}))
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return "\n".join(str(v) for v in value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [line.strip() for line in text.splitlines() if line.strip()]


class MetricForm(forms.ModelForm):  # type: ignore[type-arg]
    category_values = CategoryValuesField(
        label=_("Matching categories"),
        required=False,
        max_length=2000,
        help_text=_("For a category: the values that count as a match, one a line."),
    )

    class Meta:
        model = Metric
        fields = [
            "code",
            "name",
            "description",
            "source",
            "start_field",
            "end_field",
            "business_time",
            "value_field",
            "category_values",
            "aggregation",
            "rate_base",
            "direction",
            "unit",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


class _StandardLevelForm(forms.Form):
    threshold = forms.DecimalField(
        label=_("Threshold"), max_digits=14, decimal_places=4, help_text=_("In the metric's unit.")
    )
    comparison = forms.ChoiceField(
        label=_("Comparison"),
        required=False,
        choices=[("", _("From the metric's direction")), *Comparison.choices],
    )
    compliance_objective = forms.DecimalField(
        label=_("Compliance objective (%)"),
        min_value=0.01,
        max_value=100,
        max_digits=5,
        decimal_places=2,
        help_text=_("E.g. 95: at least 95 in every 100 records of each period meet the threshold."),
    )
    period = forms.ChoiceField(label=_("Evaluation period"), choices=Period.choices)
    segments = forms.MultipleChoiceField(
        label=_("Segments"),
        required=False,
        choices=Segment.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Evaluate separately for each of these."),
    )
    basis = forms.ChoiceField(label=_("Basis"), choices=Basis.choices)
    basis_reference = forms.CharField(label=_("Basis reference"), required=False, max_length=300)


class StandardCreateForm(_StandardLevelForm):
    code = forms.CharField(label=_("Code"), max_length=20)
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    service = forms.ModelChoiceField(label=_("Service"), queryset=Service.objects.none())
    metric = forms.ModelChoiceField(label=_("Metric"), queryset=Metric.objects.none())
    owner = forms.ModelChoiceField(label=_("Owner"), required=False, queryset=User.objects.none())
    effective_from = forms.DateTimeField(
        label=_("Effective from"),
        required=False,
        widget=DateTimeInput(),
        help_text=_("Leave empty for now."),
    )

    field_order = [
        "code",
        "name",
        "description",
        "service",
        "metric",
        "owner",
        "threshold",
        "comparison",
        "compliance_objective",
        "period",
        "segments",
        "basis",
        "basis_reference",
        "effective_from",
    ]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_queryset(self, "service", services_visible_to(user).filter(archived_at__isnull=True))
        _set_queryset(self, "metric", Metric.objects.filter(archived_at__isnull=True))
        _set_queryset(self, "owner", _owners())


class StandardEditForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = ServiceStandard
        fields = ["code", "name", "description", "owner"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_queryset(self, "owner", _owners())


class StandardReviseForm(_StandardLevelForm):
    effective_from = forms.DateTimeField(
        label=_("Effective from"),
        required=False,
        widget=DateTimeInput(),
        help_text=_("Leave empty for now. It cannot be in the past."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Why the level changes; shown in the version history."),
    )


def _owners() -> Any:
    return User.objects.filter(
        is_active=True, role__in=[Role.ADMIN, Role.QUALITY_MANAGER, Role.PROCESS_OWNER]
    ).order_by("username")


def _set_queryset(form: forms.BaseForm, name: str, qs: Any) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = qs
    field.empty_label = _("Choose…") if field.required else _("(none)")


class StandardsFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    service = forms.ModelChoiceField(
        label=_("Service"), required=False, queryset=Service.objects.none(), empty_label=_("All")
    )
    metric = forms.ModelChoiceField(
        label=_("Metric"), required=False, queryset=Metric.objects.none(), empty_label=_("All")
    )
    period = forms.ChoiceField(
        label=_("Evaluation period"), required=False, choices=[("", _("All")), *Period.choices]
    )
    basis = forms.ChoiceField(
        label=_("Basis"), required=False, choices=[("", _("All")), *Basis.choices]
    )
    source = forms.ChoiceField(
        label=_("Source"), required=False, choices=[("", _("All")), *MetricSource.choices]
    )
    aggregation = forms.ChoiceField(
        label=_("Aggregation"), required=False, choices=[("", _("All")), *Aggregation.choices]
    )
    archived = forms.BooleanField(label=_("Archived only"), required=False)

    def __init__(self, *args: Any, user: Any, fields: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in list(self.fields):
            if name not in fields:
                del self.fields[name]
        if "service" in self.fields:
            self.fields["service"].queryset = services_visible_to(user)  # type: ignore[attr-defined]
        if "metric" in self.fields:
            self.fields["metric"].queryset = Metric.objects.all()  # type: ignore[attr-defined]

    def to_filter(self) -> StandardsFilter:
        d = self.cleaned_data if self.is_valid() else {}
        return StandardsFilter(
            q=d.get("q") or "",
            service=d["service"].pk if d.get("service") else None,
            metric=d["metric"].pk if d.get("metric") else None,
            period=d.get("period") or "",
            basis=d.get("basis") or "",
            source=d.get("source") or "",
            archived=bool(d.get("archived")),
        )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
        help_text=_("Recorded in the audit trail."),
    )


# --- calendars ------------------------------------------------------------------------------

INTERVALS_PER_DAY = 2


class CalendarForm(forms.ModelForm):  # type: ignore[type-arg]
    """The calendar's settings plus up to two opening intervals for each weekday."""

    class Meta:
        model = BusinessCalendar
        fields = ["site", "name", "time_zone", "use_public_holidays", "holiday_country"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        site_field = self.fields["site"]
        assert isinstance(site_field, forms.ModelChoiceField)
        taken = BusinessCalendar.objects.exclude(pk=self.instance.pk).exclude(site__isnull=True)
        site_field.queryset = (
            sites_visible_to(user)
            .filter(archived_at__isnull=True)
            .exclude(pk__in=taken.values("site_id"))
        )
        site_field.empty_label = _("(organisation default)")
        if self.instance.pk:
            site_field.disabled = True
        existing: dict[int, list[OpeningHours]] = {}
        if self.instance.pk:
            for h in self.instance.opening_hours.all():
                existing.setdefault(h.weekday, []).append(h)
        for weekday, label in WEEKDAYS:
            rows = existing.get(weekday, [])
            for n in range(INTERVALS_PER_DAY):
                row = rows[n] if n < len(rows) else None
                suffix = f"{weekday}_{n}"
                self.fields[f"opens_{suffix}"] = forms.TimeField(
                    label=_("%(day)s opens") % {"day": label},
                    required=False,
                    widget=TimeInput(),
                    initial=row.opens if row else None,
                )
                self.fields[f"closes_{suffix}"] = forms.TimeField(
                    label=_("%(day)s closes") % {"day": label},
                    required=False,
                    widget=TimeInput(),
                    initial=row.closes if row else None,
                    help_text=_("00:00 means midnight at the end of the day.") if n == 0 else "",
                )

    def settings_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.Meta.fields]

    def hour_rows(self) -> list[tuple[str, list[tuple[forms.BoundField, forms.BoundField]]]]:
        return [
            (
                str(label),
                [
                    (self[f"opens_{w}_{n}"], self[f"closes_{w}_{n}"])
                    for n in range(INTERVALS_PER_DAY)
                ],
            )
            for w, label in WEEKDAYS
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for weekday, _label in WEEKDAYS:
            for n in range(INTERVALS_PER_DAY):
                opens = data.get(f"opens_{weekday}_{n}")
                closes = data.get(f"closes_{weekday}_{n}")
                if (opens is None) != (closes is None):
                    missing = f"closes_{weekday}_{n}" if closes is None else f"opens_{weekday}_{n}"
                    if missing not in self.errors:
                        self.add_error(missing, _("Give both the opening and closing time."))
        return data

    def hours(self) -> list[tuple[int, dt.time, dt.time]]:
        d = self.cleaned_data
        out = []
        for weekday, _label in WEEKDAYS:
            for n in range(INTERVALS_PER_DAY):
                opens, closes = d.get(f"opens_{weekday}_{n}"), d.get(f"closes_{weekday}_{n}")
                if opens is not None and closes is not None:
                    out.append((int(weekday), opens, closes))
        return out


class ClosureForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DateInput)
    reason = forms.CharField(label=_("Reason"), max_length=200)
