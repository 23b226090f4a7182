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
    NcStatus,
    Nonconformance,
    Severity,
    SourceType,
)
from sqms.improvement.selectors import CauseFilter, NcFilter
from sqms.org.access import services_visible_to, sites_visible_to
from sqms.org.models import Service, Site
from sqms.standards.models import Metric, StandardVersion


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

    def __init__(self, *args: Any, user: Any, reporter_only: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
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
    kind = forms.ChoiceField(label=_("Comparison"), choices=CheckKind.choices)
    higher_is_better = forms.BooleanField(label=_("Higher is better"), required=False)
    before_from = forms.DateField(label=_("Before: from"), widget=DateInput)
    before_to = forms.DateField(label=_("Before: to"), widget=DateInput)
    after_from = forms.DateField(label=_("After: from"), widget=DateInput)
    after_to = forms.DateField(label=_("After: to"), widget=DateInput)
    before = forms.CharField(
        label=_("Before data"),
        max_length=200_000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Proportion: one line per period, “events, cases” (e.g. 12, 400). "
            "Mean: the values, separated by commas, spaces or new lines."
        ),
    )
    after = forms.CharField(
        label=_("After data"), max_length=200_000, widget=forms.Textarea(attrs={"rows": 6})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("metric") and not (data.get("metric_label") or "").strip():
            self.add_error("metric_label", _("Choose a metric or say what is measured."))
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
