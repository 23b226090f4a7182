"""Forms of the monitoring pages: record sources, uploads and the record filters."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sqms.monitoring.ingest import REQUIRED, TARGET_LABELS, TARGETS
from sqms.monitoring.models import ErrorPolicy, RecordSource
from sqms.monitoring.selectors import RecordFilter
from sqms.org.access import services_visible_to, sites_visible_to
from sqms.org.models import Channel, Service, Site

ENCODING_CHOICES = [
    ("auto", _("Detect (UTF-8 or CP949)")),
    ("utf-8", "UTF-8"),
    ("cp949", _("CP949 / EUC-KR (Korean Excel)")),
]


class SourceForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = RecordSource
        fields = ["name", "description", "policy", "time_zone"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        instance: RecordSource | None = kwargs.get("instance")
        columns = list(instance.last_columns) if instance else []
        mapping = dict(instance.mapping) if instance else {}
        for target in TARGETS:
            choices = [("", _("Column of the same name"))]
            known = [c for c in columns if c]
            if (current := mapping.get(target)) and current not in known:
                known.append(current)
            choices += [(c, c) for c in known]
            self.fields[f"map_{target}"] = forms.ChoiceField(
                label=TARGET_LABELS[target],
                choices=choices,
                required=False,
                initial=mapping.get(target, ""),
                help_text=_("Required") if target in REQUIRED else "",
            )

    def mapping(self) -> dict[str, str]:
        return {
            t: self.cleaned_data[f"map_{t}"] for t in TARGETS if self.cleaned_data.get(f"map_{t}")
        }

    def model_fields(self) -> dict[str, Any]:
        return {
            name: self.cleaned_data[name] for name in ("name", "description", "policy", "time_zone")
        } | {"mapping": self.mapping()}


class UploadForm(forms.Form):
    source = forms.ModelChoiceField(
        label=_("Source"), queryset=RecordSource.objects.order_by("name")
    )
    file = forms.FileField(
        label=_("File"), help_text=_("CSV (comma, semicolon or tab separated) or XLSX.")
    )
    policy = forms.ChoiceField(
        label=_("On errors"),
        choices=[("", _("The source's default")), *ErrorPolicy.choices],
        required=False,
    )
    encoding = forms.ChoiceField(label=_("Encoding"), choices=ENCODING_CHOICES, initial="auto")

    def __init__(self, *args: Any, max_bytes: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_bytes = max_bytes

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > self.max_bytes:
            raise forms.ValidationError(
                _("The file is larger than %(mb)d MB.") % {"mb": self.max_bytes // (1024 * 1024)}
            )
        return upload


class RecordFilterForm(forms.Form):
    service = forms.ModelChoiceField(
        label=_("Service"), queryset=Service.objects.none(), required=False
    )
    site = forms.ModelChoiceField(label=_("Site"), queryset=Site.objects.none(), required=False)
    channel = forms.ChoiceField(
        label=_("Channel"), choices=[("", "---------"), *Channel.choices], required=False
    )
    received_from = forms.DateField(
        label=_("Received from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    received_to = forms.DateField(
        label=_("Received to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services_visible_to(user)  # type: ignore[attr-defined]
        self.fields["site"].queryset = sites_visible_to(user)  # type: ignore[attr-defined]

    def to_filter(self) -> RecordFilter:
        if not self.is_bound or not self.is_valid():
            return RecordFilter()
        data = self.cleaned_data
        tz = zoneinfo.ZoneInfo(str(timezone.get_current_timezone()))

        def start(day: dt.date | None) -> dt.datetime | None:
            return dt.datetime.combine(day, dt.time(), tzinfo=tz) if day else None

        to = data.get("received_to")
        return RecordFilter(
            service=data["service"].pk if data.get("service") else None,
            site=data["site"].pk if data.get("site") else None,
            channel=data.get("channel") or "",
            received_from=start(data.get("received_from")),
            received_to=start(to + dt.timedelta(days=1)) if to else None,
        )
