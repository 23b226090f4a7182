"""Forms of the complaint pages; every one works as a plain POST."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sqms.core.models import User
from sqms.feedback.complaints_selectors import ComplaintFilter
from sqms.feedback.models import (
    ComplaintCategory,
    ComplaintSeverity,
    ComplaintStatus,
)
from sqms.org.access import services_visible_to, sites_visible_to
from sqms.org.models import Channel, Service, Site


def _all(choices: Any) -> list[tuple[str, Any]]:
    return [("", _("All")), *choices]


def _set_qs(form: forms.BaseForm, name: str, qs: Any) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = qs


class ComplaintFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=_all(ComplaintStatus.choices)
    )
    severity = forms.ChoiceField(
        label=_("Severity"), required=False, choices=_all(ComplaintSeverity.choices)
    )
    service = forms.ModelChoiceField(
        label=_("Service"), required=False, queryset=Service.objects.none(), empty_label=_("All")
    )
    site = forms.ModelChoiceField(
        label=_("Site"), required=False, queryset=Site.objects.none(), empty_label=_("All")
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    escalated = forms.BooleanField(label=_("Escalated only"), required=False)
    mine = forms.BooleanField(label=_("Assigned to me"), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_qs(self, "service", services_visible_to(user))
        _set_qs(self, "site", sites_visible_to(user))

    def to_filter(self) -> ComplaintFilter:
        d = self.cleaned_data if self.is_valid() else {}
        return ComplaintFilter(
            q=d.get("q", "").replace("\x00", ""),
            status=d.get("status", ""),
            severity=d.get("severity", ""),
            overdue=bool(d.get("overdue")),
            escalated=bool(d.get("escalated")),
            mine=bool(d.get("mine")),
            service=d["service"].pk if d.get("service") else None,
            site=d["site"].pk if d.get("site") else None,
        )


class ComplaintForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(
        label=_("Description"), max_length=10_000, widget=forms.Textarea(attrs={"rows": 6})
    )
    category = forms.ModelChoiceField(
        label=_("Category"), required=False, queryset=ComplaintCategory.objects.none()
    )
    severity = forms.ChoiceField(
        label=_("Severity"), choices=ComplaintSeverity.choices, initial=ComplaintSeverity.MEDIUM
    )
    service = forms.ModelChoiceField(
        label=_("Service"), required=False, queryset=Service.objects.none()
    )
    site = forms.ModelChoiceField(label=_("Site"), required=False, queryset=Site.objects.none())
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", "—"), *Channel.choices]
    )
    assignee = forms.ModelChoiceField(
        label=_("Assigned to"), required=False, queryset=User.objects.none()
    )
    complainant_name = forms.CharField(
        label=_("Complainant's name"), required=False, max_length=100
    )
    complainant_phone = forms.CharField(
        label=_("Complainant's phone"), required=False, max_length=40
    )
    complainant_email = forms.EmailField(
        label=_("Complainant's e-mail"), required=False, max_length=100
    )
    consent = forms.BooleanField(
        label=_("The complainant agreed to the collection and use of these contact details."),
        required=False,
    )

    def __init__(self, *args: Any, user: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_qs(self, "category", ComplaintCategory.objects.filter(archived_at__isnull=True))
        _set_qs(self, "service", services_visible_to(user).filter(archived_at__isnull=True))
        _set_qs(self, "site", sites_visible_to(user).filter(archived_at__isnull=True))
        _set_qs(self, "assignee", User.objects.filter(is_active=True).order_by("username"))
        if editing:
            for name in ("complainant_name", "complainant_phone", "complainant_email", "consent"):
                del self.fields[name]


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=ComplaintStatus.choices)
    reason = forms.CharField(required=False, max_length=2000)


class ReplyForm(forms.Form):
    reply = forms.CharField(
        label=_("Reply to the complainant"),
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("The complainant sees this text. Internal notes are kept apart."),
    )


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Internal note"), max_length=10_000, widget=forms.Textarea(attrs={"rows": 3})
    )


class SatisfactionForm(forms.Form):
    satisfaction = forms.TypedChoiceField(
        label=_("Satisfaction with the handling"),
        coerce=int,
        choices=[(n, str(n)) for n in range(1, 6)],
    )


class CategoryForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = ComplaintCategory
        fields = ["code", "name_ko", "name_en"]
