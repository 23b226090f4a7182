"""Forms of the inspection pages: the filter of the list and the inspection form."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sqms.monitoring.access import records_visible_to
from sqms.monitoring.inspections import InspectionFilter
from sqms.monitoring.models import Inspection, ServiceRecord
from sqms.org.access import (
    employees_visible_to,
    services_visible_to,
    sites_visible_to,
    teams_visible_to,
)
from sqms.org.models import Employee, Service, Site

MAX_ITEMS = 50


class InspectionFilterForm(forms.Form):
    service = forms.ModelChoiceField(
        label=_("Service"), queryset=Service.objects.none(), required=False
    )
    site = forms.ModelChoiceField(label=_("Site"), queryset=Site.objects.none(), required=False)
    agent = forms.ModelChoiceField(
        label=_("Agent"), queryset=Employee.objects.none(), required=False
    )
    inspected_from = forms.DateField(
        label=_("Inspected from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    inspected_to = forms.DateField(
        label=_("Inspected to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    score_below = forms.DecimalField(
        label=_("Score below"),
        required=False,
        min_value=Decimal(0),
        max_value=Decimal(100),
        max_digits=5,
        decimal_places=2,
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services_visible_to(user)  # type: ignore[attr-defined]
        self.fields["site"].queryset = sites_visible_to(user)  # type: ignore[attr-defined]
        self.fields["agent"].queryset = employees_visible_to(user)  # type: ignore[attr-defined]

    def to_filter(self) -> InspectionFilter:
        if not self.is_bound or not self.is_valid():
            return InspectionFilter()
        data = self.cleaned_data
        tz = zoneinfo.ZoneInfo(str(timezone.get_current_timezone()))

        def start(day: dt.date | None) -> dt.datetime | None:
            return dt.datetime.combine(day, dt.time(), tzinfo=tz) if day else None

        to = data.get("inspected_to")
        return InspectionFilter(
            service=data["service"].pk if data.get("service") else None,
            site=data["site"].pk if data.get("site") else None,
            agent=data["agent"].pk if data.get("agent") else None,
            inspected_from=start(data.get("inspected_from")),
            inspected_to=start(to + dt.timedelta(days=1)) if to else None,
            score_below=data.get("score_below"),
        )


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class InspectionForm(forms.ModelForm):  # type: ignore[type-arg]
    passed_items = forms.CharField(
        label=_("Checklist items passed"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One item a line."),
    )
    failed_items = forms.CharField(
        label=_("Checklist items failed"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One item a line."),
    )
    record = forms.ModelChoiceField(
        label=_("Service record (number)"),
        queryset=ServiceRecord.objects.none(),
        required=False,
        widget=forms.NumberInput(attrs={"min": 1}),
        help_text=_("Optional: the number of the inspected service record."),
    )
    reason = forms.CharField(label=_("Reason for the change"), required=False, max_length=500)

    class Meta:
        model = Inspection
        fields = ["service", "site", "team", "channel", "agent", "inspected_at", "score", "notes"]
        widgets = {
            "inspected_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services_visible_to(user)  # type: ignore[attr-defined]
        self.fields["site"].queryset = sites_visible_to(user)  # type: ignore[attr-defined]
        self.fields["team"].queryset = teams_visible_to(user)  # type: ignore[attr-defined]
        self.fields["agent"].queryset = employees_visible_to(user)  # type: ignore[attr-defined]
        self.fields["record"].queryset = records_visible_to(user)  # type: ignore[attr-defined]
        instance = kwargs.get("instance")
        if instance is None or instance.pk is None:
            del self.fields["reason"]
            self.initial.setdefault(
                "inspected_at", timezone.localtime().replace(second=0, microsecond=0)
            )
        else:
            items = instance.checklist if isinstance(instance.checklist, list) else []
            self.initial["passed_items"] = "\n".join(i["item"] for i in items if i.get("passed"))
            self.initial["failed_items"] = "\n".join(
                i["item"] for i in items if not i.get("passed")
            )
            self.initial["record"] = instance.record_id

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        passed, failed = _lines(data.get("passed_items", "")), _lines(data.get("failed_items", ""))
        if len(passed) + len(failed) > MAX_ITEMS:
            self.add_error("passed_items", _("At most %(n)d checklist items.") % {"n": MAX_ITEMS})
        if any(len(item) > 200 for item in passed + failed):
            self.add_error("passed_items", _("A checklist item may have at most 200 characters."))
        data["checklist"] = [{"item": i, "passed": True} for i in passed] + [
            {"item": i, "passed": False} for i in failed
        ]
        return data

    def _post_clean(self) -> None:
        # Validation of the model (team of the site, ...) runs in the service.
        pass

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        names = ["service", "site", "team", "channel", "agent", "inspected_at", "score", "notes"]
        return {name: data.get(name) for name in names} | {
            "checklist": data["checklist"],
            "record": data.get("record"),
            "channel": data.get("channel") or "",
            "notes": data.get("notes") or "",
        }
