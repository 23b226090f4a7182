"""Forms of the signal, baseline and monitoring-settings pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sqms.core.models import User
from sqms.monitoring.models import ChartChoice, SignalKind, SignalStatus
from sqms.monitoring.series import org_tz
from sqms.monitoring.signal_selectors import SignalFilter, segment_labels
from sqms.org.access import services_visible_to, sites_visible_to
from sqms.org.models import Service, Site
from sqms.standards.access import standards_visible_to
from sqms.standards.models import ServiceStandard

RULE_SET_CHOICES = [
    ("western_electric", _("Western Electric rules 1–4")),
    ("nelson", _("Nelson rules 1–8")),
    ("none", _("Control limits only")),
]


class SignalFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any")), *SignalStatus.choices], required=False
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("Any")), *SignalKind.choices], required=False
    )
    standard = forms.ModelChoiceField(
        label=_("Standard"), queryset=ServiceStandard.objects.none(), required=False
    )
    service = forms.ModelChoiceField(
        label=_("Service"), queryset=Service.objects.none(), required=False
    )
    site = forms.ModelChoiceField(label=_("Site"), queryset=Site.objects.none(), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["standard"].queryset = standards_visible_to(user).order_by("code")
        fields["service"].queryset = services_visible_to(user).order_by("code")
        fields["site"].queryset = sites_visible_to(user).order_by("code")

    def to_filter(self) -> SignalFilter:
        if not self.is_bound or not self.is_valid():
            return SignalFilter(status=SignalStatus.OPEN if not self.is_bound else "")
        d = self.cleaned_data
        return SignalFilter(
            status=d.get("status") or "",
            kind=d.get("kind") or "",
            standard=d["standard"].pk if d.get("standard") else None,
            service=d["service"].pk if d.get("service") else None,
            site=d["site"].pk if d.get("site") else None,
        )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Please give a reason.")},
    )

    def clean_reason(self) -> str:
        reason = str(self.cleaned_data.get("reason") or "").strip()
        if not reason:
            raise forms.ValidationError(_("Please give a reason."))
        return reason


def _aware(day: dt.date, end: bool = False) -> dt.datetime:
    at = dt.datetime.combine(day + dt.timedelta(days=1 if end else 0), dt.time(), tzinfo=org_tz())
    return at


class BaselineForm(forms.Form):
    segment = forms.ChoiceField(label=_("Segment"), required=False)
    start = forms.DateField(
        label=_("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    end = forms.DateField(
        label=_("Until (inclusive)"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, segments: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        labels = segment_labels(segments)
        fields["segment"].choices = [(s, labels[s]) for s in segments]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end must be after the start."))
        if end and end > timezone.localdate() + dt.timedelta(days=1):
            self.add_error("end", _("A baseline cannot end in the future."))
        if start and start.year < 1970:
            self.add_error("start", _("Enter a date after 1970."))
        if "reason" in data and not str(data["reason"]).strip():
            self.add_error("reason", _("Please give a reason."))
        return data

    def window(self) -> tuple[dt.datetime, dt.datetime]:
        return _aware(self.cleaned_data["start"]), _aware(self.cleaned_data["end"], end=True)


def _person(user: User) -> str:
    name = user.get_full_name()
    return f"{name} ({user.username})" if name else user.username


class StandardMonitoringForm(forms.Form):
    chart = forms.ChoiceField(label=_("Control chart"), choices=ChartChoice.choices)
    rule_set = forms.ChoiceField(label=_("SPC rules"), choices=RULE_SET_CHOICES)
    slo_window_days = forms.IntegerField(label=_("SLO window (days)"), min_value=1, max_value=366)
    min_records = forms.IntegerField(
        label=_("Minimum records per period"),
        min_value=1,
        max_value=100_000,
        required=False,
        help_text=_(
            "Periods with fewer records are shown but never judged: no breach, no control "
            "chart point."
        ),
    )
    quiet_minutes = forms.IntegerField(
        label=_("Quiet period (minutes)"),
        min_value=0,
        max_value=60 * 24 * 30,
        help_text=_("After an alert, further alerts for this standard wait this long."),
    )
    webhook_url = forms.URLField(
        label=_("Webhook URL"),
        required=False,
        max_length=200,
        assume_scheme="https",
        help_text=_("A JSON POST with a Slack-compatible text is sent here for every new signal."),
    )
    subscribers = forms.ModelMultipleChoiceField(
        label=_("Subscribers"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["subscribers"].queryset = User.objects.filter(is_active=True).order_by("username")
        fields["subscribers"].label_from_instance = _person  # a name, not only a login

    def clean_webhook_url(self) -> str:
        url = str(self.cleaned_data.get("webhook_url") or "")
        if url and not url.startswith(("https://", "http://")):
            raise forms.ValidationError(_("Use an http or https address."))
        return url
