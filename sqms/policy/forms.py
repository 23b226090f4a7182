"""Forms of the policy pages; every one works as a plain POST."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sqms.core.forms import DateInput
from sqms.core.models import User
from sqms.org.models import Site, Team
from sqms.policy.models import Commitment, Objective, ObjectiveStatus, Review
from sqms.standards.models import ServiceStandard


class ObjectiveForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Objective
        fields = [
            "statement_ko",
            "statement_en",
            "standard",
            "site",
            "team",
            "parent",
            "baseline",
            "target",
            "start_on",
            "deadline",
            "owner",
            "plan_what",
            "plan_resources",
            "plan_who",
            "plan_when",
            "plan_evaluation",
            "status",
        ]
        widgets = {
            "start_on": DateInput,
            "deadline": DateInput,
            "plan_what": forms.Textarea(attrs={"rows": 3}),
            "plan_resources": forms.Textarea(attrs={"rows": 2}),
            "plan_evaluation": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "baseline": _("The metric's value when the objective was set, in the metric's unit."),
            "target": _("The value to reach by the deadline, in the metric's unit."),
            "site": _("Leave site and team empty for an objective of the whole organisation."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["standard"].queryset = ServiceStandard.objects.filter(
            archived_at__isnull=True
        ).select_related("metric")
        fields["site"].queryset = Site.objects.filter(archived_at__isnull=True)
        fields["team"].queryset = Team.objects.filter(archived_at__isnull=True).select_related(
            "site"
        )
        parents = Objective.objects.filter(
            archived_at__isnull=True, status=ObjectiveStatus.ACTIVE
        ).exclude(team__isnull=False)
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        fields["parent"].queryset = parents
        fields["owner"].queryset = User.objects.filter(is_active=True).order_by("username")
        if not self.instance.pk:
            del fields["status"]


class CommitmentForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Commitment
        fields = ["order", "statement_ko", "statement_en", "objectives"]
        widgets = {
            "statement_ko": forms.Textarea(attrs={"rows": 2}),
            "statement_en": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["objectives"].queryset = Objective.objects.filter(archived_at__isnull=True)
        fields["objectives"].required = False


class ReviewForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Review
        fields = [
            "title",
            "meeting_date",
            "period_start",
            "period_end",
            "attendees",
            "other_attendees",
        ]
        widgets = {
            "meeting_date": DateInput,
            "period_start": DateInput,
            "period_end": DateInput,
            "other_attendees": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["attendees"].queryset = User.objects.filter(is_active=True).order_by("username")
        fields["attendees"].required = False


class MinutesForm(forms.Form):
    minutes = forms.CharField(
        label=_("Minutes"), widget=forms.Textarea(attrs={"rows": 10}), max_length=50_000
    )
    decisions = forms.CharField(
        label=_("Decisions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=20_000,
    )


class ReviewActionForm(forms.Form):
    title = forms.CharField(label=_("Action"), max_length=200)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none())
    due_on = forms.DateField(label=_("Due"), widget=DateInput)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=5000,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner: Any = self.fields["owner"]
        owner.queryset = User.objects.filter(is_active=True).order_by("username")


class SignForm(forms.Form):
    meaning = forms.CharField(
        label=_("Meaning of the signature"),
        max_length=300,
        initial=_("Approved as a true record of the meeting"),
    )
    printed_name = forms.CharField(label=_("Printed name"), max_length=150)
    password = forms.CharField(
        label=_("Your password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        strip=False,
        max_length=4096,
    )


class ArchiveForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=1000)
