"""Forms of document control; uploads are checked here so that errors name the field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from sqms.core.forms import DateInput
from sqms.core.models import User
from sqms.core.roles import Role
from sqms.documents.content import check_upload
from sqms.documents.models import DocType, Document, Meaning, RevisionStatus
from sqms.documents.selectors import DocumentFilter
from sqms.org.models import JobRole, Site, Team

WRITER_ROLES = [Role.ADMIN, Role.QUALITY_MANAGER, Role.PROCESS_OWNER]


def _owners() -> Any:
    return User.objects.filter(is_active=True, role__in=WRITER_ROLES).order_by("username")


class DocumentFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    doc_type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("All")), *DocType.choices]
    )
    status = forms.ChoiceField(
        label=_("Has a revision that is"),
        required=False,
        choices=[("", _("All")), *RevisionStatus.choices],
    )
    owner = forms.ModelChoiceField(
        label=_("Owner"), required=False, queryset=User.objects.none(), empty_label=_("All")
    )
    archived = forms.BooleanField(label=_("Archived"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["owner"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = User.objects.filter(owned_documents__isnull=False).distinct()

    def to_filter(self) -> DocumentFilter:
        d = self.cleaned_data if self.is_valid() else {}
        owner = d.get("owner")
        return DocumentFilter(
            q=d.get("q", ""),
            doc_type=d.get("doc_type", ""),
            status=d.get("status", ""),
            owner=owner.pk if owner else None,
            archived=bool(d.get("archived")),
        )


class DocumentForm(forms.ModelForm):  # type: ignore[type-arg]
    body = forms.CharField(
        label=_("Body (Markdown)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_("The text of the first revision. Raw HTML is shown as text."),
    )

    class Meta:
        model = Document
        fields = ["number", "title_ko", "title_en", "doc_type", "owner", "review_interval_months"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["owner"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = _owners()
        if self.instance.pk:
            del self.fields["body"]


def _checked(upload: UploadedFile[bytes] | None) -> UploadedFile[bytes] | None:
    if upload is None:
        return None
    try:
        check_upload(upload)
    except ValidationError as exc:
        raise ValidationError(exc.message_dict["file"]) from exc
    return upload


class RevisionStartForm(forms.Form):
    change_summary = forms.CharField(label=_("What will change"), required=False, max_length=250)


class RevisionEditForm(forms.Form):
    body = forms.CharField(
        label=_("Body (Markdown)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 20}),
        help_text=_("Raw HTML is shown as text."),
    )
    change_summary = forms.CharField(label=_("Change summary"), required=False, max_length=250)
    file = forms.FileField(
        label=_("Attach a file"),
        required=False,
        help_text=_("PDF, DOCX or XLSX."),
    )

    def clean_file(self) -> UploadedFile[bytes] | None:
        return _checked(self.cleaned_data.get("file"))


class TransitionForm(forms.Form):
    to = forms.ChoiceField(label=_("New status"), choices=RevisionStatus.choices)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=1000)


class SignForm(forms.Form):
    meaning = forms.ChoiceField(label=_("Meaning of the signature"), choices=Meaning.choices)
    printed_name = forms.CharField(label=_("Printed name"), max_length=150)
    password = forms.CharField(
        label=_("Your password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        strip=False,
        max_length=4096,
    )


class PublishForm(forms.Form):
    deadline = forms.DateField(
        label=_("Acknowledge by"),
        required=False,
        widget=DateInput,
        help_text=_("Leave empty to publish without asking anyone to acknowledge."),
    )
    sites = forms.ModelMultipleChoiceField(
        label=_("Sites"), required=False, queryset=Site.objects.filter(archived_at__isnull=True)
    )
    teams = forms.ModelMultipleChoiceField(
        label=_("Teams"), required=False, queryset=Team.objects.filter(archived_at__isnull=True)
    )
    job_roles = forms.ModelMultipleChoiceField(
        label=_("Job roles"),
        required=False,
        queryset=JobRole.objects.filter(archived_at__isnull=True),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        targets = data.get("sites") or data.get("teams") or data.get("job_roles")
        if targets and not data.get("deadline"):
            self.add_error("deadline", _("Give a deadline for the acknowledgement."))
        if data.get("deadline") and not targets:
            self.add_error(None, _("Choose at least one site, team or job role."))
        return data
