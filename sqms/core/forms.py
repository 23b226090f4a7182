from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from sqms.core.models import AuditAction, TokenScope
from sqms.core.selectors import AuditFilter, audited_content_types

# Django's own blank-choice label of every select; Django ships no Korean for it, so it is
# named here to be extracted into (and translated by) this project's catalogue.
BLANK_CHOICE_LABEL = gettext_noop("- Select an option -")


class DateInput(forms.DateInput):
    input_type = "date"


def _content_type_label(ct: ContentType) -> str:
    model = ct.model_class()
    return capfirst(str(model._meta.verbose_name)) if model else ct.model


class AuditFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    actor = forms.CharField(label=_("User"), required=False)
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("All")), *AuditAction.choices]
    )
    content_type = forms.ModelChoiceField(
        label=_("Record type"),
        required=False,
        queryset=ContentType.objects.none(),
        empty_label=_("All"),
    )
    object_id = forms.CharField(label=_("Record id"), required=False)
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput)
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["content_type"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = audited_content_types()
        field.label_from_instance = _content_type_label  # type: ignore[method-assign, assignment]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def to_filter(self) -> AuditFilter:
        d = self.cleaned_data if self.is_valid() else {}
        ct = d.get("content_type")
        return AuditFilter(
            q=d.get("q", ""),
            actor=d.get("actor", ""),
            action=d.get("action", ""),
            content_type=ct.pk if ct else None,
            object_id=d.get("object_id", ""),
            date_from=d.get("date_from"),
            date_to=d.get("date_to"),
        )


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    scope = forms.ChoiceField(label=_("Scope"), choices=TokenScope.choices)


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    next = forms.CharField(required=False, widget=forms.HiddenInput)
