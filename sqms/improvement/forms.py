"""Forms of the improvement pages; every one works as a plain POST."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from sqms.core.forms import DateInput
from sqms.core.models import User
from sqms.documents.content import check_upload
from sqms.improvement.models import (
    ActionKind,
    ActionStatus,
    Bone,
    Cause,
    CauseCategory,
    ChangeTarget,
    CheckKind,
    DataSource,
    Initiative,
    Lesson,
    NcStatus,
    Nonconformance,
    Priority,
    Severity,
    SourceType,
    Stage,
    Suggestion,
    SuggestionStatus,
)
from sqms.improvement.selectors import (
    AGE_BUCKETS,
    CauseFilter,
    InitiativeFilter,
    NcFilter,
    SuggestionFilter,
)
from sqms.org.access import services_visible_to, sites_visible_to
from sqms.org.models import Service, Site
from sqms.standards.models import Metric, ServiceStandard, StandardVersion


def _all(choices: Any) -> list[tuple[str, Any]]:
    return [("", _("All")), *choices]


class NcFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=_all(NcStatus.choices))
    severity = forms.ChoiceField(
        label=_("Severity"), required=False, choices=_all(Severity.choices)
    )
    source_type = forms.ChoiceField(
        label=_("Source"), required=False, choices=_all(SourceType.choices)
    )
    service = forms.ModelChoiceField(
        label=_("Service"), required=False, queryset=Service.objects.none(), empty_label=_("All")
    )
    site = forms.ModelChoiceField(
        label=_("Site"), required=False, queryset=Site.objects.none(), empty_label=_("All")
    )
    age = forms.ChoiceField(
        label=_("Open for (days)"),
        required=False,
        choices=_all([(k, k) for k, _lo, _hi in AGE_BUCKETS]),
    )
    cause = forms.ModelChoiceField(
        label=_("Root cause"), required=False, queryset=Cause.objects.all(), empty_label=_("All")
    )
    open = forms.BooleanField(label=_("Open only"), required=False)
    recurrence = forms.BooleanField(label=_("Recurrences only"), required=False)
    verified = forms.BooleanField(label=_("Verified or closed"), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_qs(self, "service", services_visible_to(user))
        _set_qs(self, "site", sites_visible_to(user))

    def to_filter(self) -> NcFilter:
        d = self.cleaned_data if self.is_valid() else {}
        return NcFilter(
            q=d.get("q", "").replace("\x00", ""),
            status=d.get("status", ""),
            severity=d.get("severity", ""),
            source_type=d.get("source_type", ""),
            service=d["service"].pk if d.get("service") else None,
            site=d["site"].pk if d.get("site") else None,
            open=bool(d.get("open")),
            age=d.get("age", ""),
            recurrence=bool(d.get("recurrence")),
            cause=d["cause"].pk if d.get("cause") else None,
            verified=bool(d.get("verified")),
        )


def _set_qs(form: forms.BaseForm, name: str, qs: Any) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = qs


class NcForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Nonconformance
        fields = [
            "title",
            "description",
            "source_type",
            "source_reference",
            "evidence_text",
            "severity",
            "service",
            "site",
            "process",
            "standard_version",
            "containment",
            "correction",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "evidence_text": forms.Textarea(attrs={"rows": 3}),
            "containment": forms.Textarea(attrs={"rows": 3}),
            "correction": forms.Textarea(attrs={"rows": 3}),
        }

    seen_updated_at = forms.CharField(required=False, widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, user: Any, reporter_only: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["seen_updated_at"].initial = self.instance.updated_at.isoformat()
        _set_qs(self, "service", services_visible_to(user).filter(archived_at__isnull=True))
        _set_qs(self, "site", sites_visible_to(user).filter(archived_at__isnull=True))
        _set_qs(self, "standard_version", StandardVersion.objects.select_related("standard").all())
        if self.instance.pk:
            del self.fields["source_type"]
        elif reporter_only:
            # A read-only role reports: the source is a staff report, fixed by the service.
            del self.fields["source_type"]


class TransitionForm(forms.Form):
    to = forms.ChoiceField(label=_("New status"), choices=NcStatus.choices)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000)


class CloseForm(forms.Form):
    meaning = forms.CharField(
        label=_("Meaning of the signature"),
        max_length=300,
        initial=_("I confirm that the nonconformance is resolved and the actions are effective."),
    )
    justification = forms.CharField(
        label=_("Justification"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the effectiveness check has no positive verdict."),
    )
    printed_name = forms.CharField(label=_("Printed name"), max_length=150)
    password = forms.CharField(
        label=_("Your password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        strip=False,
        max_length=4096,
    )


class WhyForm(forms.Form):
    chain = forms.IntegerField(label=_("Chain"), min_value=1, max_value=20, initial=1)
    text = forms.CharField(label=_("Why?"), max_length=500)


class FishboneForm(forms.Form):
    bone = forms.ChoiceField(label=_("Category"), choices=Bone.choices)
    text = forms.CharField(label=_("Cause"), max_length=200)


class RootCauseForm(forms.Form):
    cause = forms.ModelChoiceField(
        label=_("Root cause (taxonomy)"),
        queryset=Cause.objects.filter(archived_at__isnull=True).select_related("category"),
    )
    statement = forms.CharField(
        label=_("Root cause statement"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


def _owners() -> Any:
    return User.objects.filter(is_active=True).order_by("username")


class ActionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ActionKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none())
    due_on = forms.DateField(label=_("Due"), widget=DateInput)
    change_target = forms.ChoiceField(
        label=_("Changes"), required=False, choices=ChangeTarget.choices
    )
    change_description = forms.CharField(label=_("What changes"), required=False, max_length=300)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_qs(self, "owner", _owners())


class ActionStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ActionStatus.choices)


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Progress note"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("Evidence file"), help_text=_("PDF, DOCX or XLSX."))

    def clean_file(self) -> UploadedFile[bytes]:
        upload: UploadedFile[bytes] = self.cleaned_data["file"]
        try:
            check_upload(upload)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["file"]) from exc
        return upload


class CheckForm(forms.Form):
    metric = forms.ModelChoiceField(
        label=_("Metric"),
        required=False,
        queryset=Metric.objects.filter(archived_at__isnull=True),
        empty_label=_("None"),
    )
    metric_label = forms.CharField(
        label=_("What is measured"),
        required=False,
        max_length=200,
        help_text=_("Leave empty to use the metric's name."),
    )
    data_source = forms.ChoiceField(
        label=_("Data"),
        required=False,
        choices=DataSource.choices,
        initial=DataSource.MANUAL,
        help_text=_(
            "Metric results: read from monitoring for the nonconformance's standard and site; "
            "the comparison and direction follow the metric."
        ),
    )
    kind = forms.ChoiceField(
        label=_("Comparison"), choices=CheckKind.choices, initial=CheckKind.PROPORTION
    )
    higher_is_better = forms.BooleanField(label=_("Higher is better"), required=False)
    before_from = forms.DateField(label=_("Before: from"), widget=DateInput)
    before_to = forms.DateField(label=_("Before: to"), widget=DateInput)
    after_from = forms.DateField(label=_("After: from"), widget=DateInput)
    after_to = forms.DateField(label=_("After: to"), widget=DateInput)
    before = forms.CharField(
        label=_("Before data"),
        required=False,
        max_length=200_000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Proportion: one line per period, “events, cases” (e.g. 12, 400). "
            "Mean: the values, separated by commas, spaces or new lines."
        ),
    )
    after = forms.CharField(
        label=_("After data"),
        required=False,
        max_length=200_000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("data_source") == DataSource.METRIC_RESULTS:
            return data
        if not data.get("metric") and not (data.get("metric_label") or "").strip():
            self.add_error("metric_label", _("Choose a metric or say what is measured."))
        for name in ("before", "after"):
            if name in data and not (data.get(name) or "").strip():
                self.add_error(name, _("Enter the data, or choose the metric results."))
        return data


class CategoryForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = CauseCategory
        fields = ["code", "name", "bone"]


class CauseForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Cause
        fields = ["category", "code", "name"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_qs(self, "category", CauseCategory.objects.filter(archived_at__isnull=True))


class ArchiveForm(forms.Form):
    kind = forms.ChoiceField(choices=[("category", "category"), ("cause", "cause")])
    pk = forms.IntegerField(min_value=1)
    reason = forms.CharField(label=_("Reason"), max_length=1000)


class ParetoForm(forms.Form):
    by = forms.ChoiceField(
        label=_("Group by"),
        required=False,
        choices=[("cause", _("Cause")), ("category", _("Category"))],
    )
    service = forms.ModelChoiceField(
        label=_("Service"), required=False, queryset=Service.objects.none(), empty_label=_("All")
    )
    site = forms.ModelChoiceField(
        label=_("Site"), required=False, queryset=Site.objects.none(), empty_label=_("All")
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_qs(self, "service", services_visible_to(user))
        _set_qs(self, "site", sites_visible_to(user))

    def to_filter(self) -> CauseFilter:
        d = self.cleaned_data if self.is_valid() else {}
        return CauseFilter(
            by=d.get("by") or "cause",
            service=d["service"].pk if d.get("service") else None,
            site=d["site"].pk if d.get("site") else None,
        )


# --- improvement initiatives ------------------------------------------------------------------


class InitiativeFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    stage = forms.ChoiceField(label=_("Stage"), required=False, choices=_all(Stage.choices))
    priority = forms.ChoiceField(
        label=_("Priority"), required=False, choices=_all(Priority.choices)
    )
    service = forms.ModelChoiceField(
        label=_("Service"), required=False, queryset=Service.objects.none(), empty_label=_("All")
    )
    site = forms.ModelChoiceField(
        label=_("Site"), required=False, queryset=Site.objects.none(), empty_label=_("All")
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_qs(self, "service", services_visible_to(user))
        _set_qs(self, "site", sites_visible_to(user))

    def to_filter(self) -> InitiativeFilter:
        d = self.cleaned_data if self.is_valid() else {}
        return InitiativeFilter(
            q=d.get("q", "").replace("\x00", ""),
            stage=d.get("stage", ""),
            priority=d.get("priority", ""),
            service=d["service"].pk if d.get("service") else None,
            site=d["site"].pk if d.get("site") else None,
        )


class InitiativeForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Initiative
        fields = [
            "title",
            "description",
            "priority",
            "owner",
            "service",
            "site",
            "standard",
            "metric",
            "unit",
            "expected_benefit",
            "realised_benefit",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    seen_updated_at = forms.CharField(required=False, widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["seen_updated_at"].initial = self.instance.updated_at.isoformat()
        _set_qs(self, "owner", _owners())
        _set_qs(self, "service", services_visible_to(user).filter(archived_at__isnull=True))
        _set_qs(self, "site", sites_visible_to(user).filter(archived_at__isnull=True))
        _set_qs(self, "standard", ServiceStandard.objects.filter(archived_at__isnull=True))
        _set_qs(self, "metric", Metric.objects.filter(archived_at__isnull=True))


class StageForm(forms.Form):
    to = forms.ChoiceField(label=_("New stage"), choices=Stage.choices)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000)


# --- suggestions ------------------------------------------------------------------------------


class SuggestionFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=_all(SuggestionStatus.choices)
    )
    sort = forms.ChoiceField(
        label=_("Order"),
        required=False,
        choices=[("new", _("Newest first")), ("votes", _("Most votes first"))],
    )

    def to_filter(self) -> SuggestionFilter:
        d = self.cleaned_data if self.is_valid() else {}
        return SuggestionFilter(
            q=d.get("q", "").replace("\x00", ""),
            status=d.get("status", ""),
            sort=d.get("sort") or "new",
        )


class SuggestionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Your idea"), max_length=20_000, widget=forms.Textarea(attrs={"rows": 6})
    )
    service = forms.ModelChoiceField(
        label=_("Service"), required=False, queryset=Service.objects.none(), empty_label=_("None")
    )
    anonymous = forms.BooleanField(
        label=_("Submit anonymously"),
        required=False,
        help_text=_(
            "Nobody sees who submitted it; you are still told what the quality team decides."
        ),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_qs(self, "service", services_visible_to(user).filter(archived_at__isnull=True))


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Comment"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class TriageForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("accept", _("Accept: create an improvement initiative")),
            ("merge", _("Merge into another suggestion")),
            ("decline", _("Decline")),
        ],
        widget=forms.RadioSelect,
    )
    owner = forms.ModelChoiceField(
        label=_("Initiative owner"), required=False, queryset=User.objects.none()
    )
    priority = forms.ChoiceField(
        label=_("Priority"), choices=Priority.choices, initial=Priority.MEDIUM, required=False
    )
    into = forms.ModelChoiceField(
        label=_("Merge into"), required=False, queryset=Suggestion.objects.none()
    )
    reason = forms.CharField(
        label=_("Reason for declining"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, suggestion: Suggestion, user: Any, **kwargs: Any) -> None:
        from sqms.improvement.access import suggestions_visible_to

        super().__init__(*args, **kwargs)
        _set_qs(self, "owner", _owners())
        _set_qs(
            self,
            "into",
            suggestions_visible_to(user)
            .exclude(pk=suggestion.pk)
            .filter(status__in=[SuggestionStatus.SUBMITTED, SuggestionStatus.ACCEPTED]),
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        decision = data.get("decision")
        if decision == "merge" and not data.get("into"):
            self.add_error("into", _("Choose the suggestion to merge into."))
        if decision == "decline" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Please give a reason."))
        return data


# --- lessons learned --------------------------------------------------------------------------


class LessonForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Lesson
        fields = ["title", "what_happened", "what_we_learned", "tags"]
        widgets = {
            "what_happened": forms.Textarea(attrs={"rows": 4}),
            "what_we_learned": forms.Textarea(attrs={"rows": 4}),
        }


class LessonSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    tag = forms.CharField(label=_("Tag"), required=False, max_length=100)


# --- automatic raising rules ------------------------------------------------------------------


class RaiseRuleForm(forms.Form):
    standard = forms.ModelChoiceField(
        label=_("Service standard"),
        queryset=ServiceStandard.objects.filter(archived_at__isnull=True),
    )
    enabled = forms.BooleanField(label=_("Raise automatically"), required=False, initial=True)
    severity = forms.ChoiceField(
        label=_("Severity"), choices=Severity.choices, initial=Severity.MINOR
    )
