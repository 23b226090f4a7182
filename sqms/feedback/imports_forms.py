"""Forms of the response import (see `sqms.feedback.imports`)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sqms.feedback.imports import MAX_BYTES
from sqms.feedback.models import ImportPolicy, Survey, SurveyStatus

ENCODING_CHOICES = [
    ("auto", _("Detect (UTF-8 or CP949)")),
    ("utf-8", "UTF-8"),
    ("cp949", "CP949 (EUC-KR)"),
]


class ImportUploadForm(forms.Form):
    survey = forms.ModelChoiceField(
        label=_("Survey"),
        queryset=Survey.objects.none(),
        help_text=_("Only active survey versions take imported responses."),
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV with a header row: external_id, submitted_at, service, site, channel, language "
            "and q1, q2, … for the questions in their order (qN_e for a SERVQUAL expectation). "
            "At most 10 MB."
        ),
    )
    policy = forms.ChoiceField(
        label=_("On errors"), choices=ImportPolicy.choices, initial=ImportPolicy.REJECT_ALL
    )
    encoding = forms.ChoiceField(label=_("Encoding"), choices=ENCODING_CHOICES, initial="auto")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["survey"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Survey.objects.filter(status=SurveyStatus.ACTIVE).order_by(
            "code", "-version"
        )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)d MB.") % {"mb": MAX_BYTES // (1024 * 1024)}
            )
        return upload
