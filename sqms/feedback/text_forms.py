"""Forms of the text analytics pages: filters, corrections, themes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sqms.feedback.models import Sentiment, Survey, TextSource, Theme
from sqms.feedback.text_selectors import UNASSIGNED, TextFilters
from sqms.org.models import Service, Site

THEME_UNASSIGNED = UNASSIGNED


class TextFilterForm(forms.Form):
    survey = forms.ModelChoiceField(
        label=_("Survey"), queryset=Survey.objects.order_by("code", "-version"), required=False
    )
    service = forms.ModelChoiceField(
        label=_("Service"), queryset=Service.objects.order_by("name"), required=False
    )
    site = forms.ModelChoiceField(
        label=_("Site"), queryset=Site.objects.order_by("name"), required=False
    )
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    sentiment = forms.ChoiceField(
        label=_("Sentiment"), required=False, choices=[("", _("All")), *Sentiment.choices]
    )
    theme = forms.ChoiceField(label=_("Theme"), required=False)
    source = forms.ChoiceField(
        label=_("Source"), required=False, choices=[("", _("All")), *TextSource.choices]
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["theme"].choices = [  # type: ignore[attr-defined]
            ("", _("All")),
            (THEME_UNASSIGNED, _("Unassigned")),
            *[(str(t.pk), str(t)) for t in Theme.objects.order_by("name_ko")],
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", _("The end date must not be before the start date."))
        return data

    def filters(self) -> TextFilters:
        d = self.cleaned_data if self.is_valid() else {}
        theme_key = d.get("theme") or ""
        theme = None
        if theme_key and theme_key != THEME_UNASSIGNED:
            theme = Theme.objects.filter(pk=int(theme_key)).first()
        return TextFilters(
            survey=d.get("survey"),
            service=d.get("service"),
            site=d.get("site"),
            start=d.get("start"),
            end=d.get("end"),
            sentiment=d.get("sentiment") or "",
            theme=theme,
            unassigned=theme_key == THEME_UNASSIGNED,
            source=d.get("source") or "",
        )


class CorrectionForm(forms.Form):
    sentiment = forms.ChoiceField(
        label=_("Sentiment"),
        required=False,
        choices=[("", _("(keep)")), *Sentiment.choices],
    )
    theme = forms.ChoiceField(label=_("Theme"), required=False)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["theme"].choices = [  # type: ignore[attr-defined]
            ("", _("(keep)")),
            (THEME_UNASSIGNED, _("Unassigned")),
            *[(str(t.pk), str(t)) for t in Theme.objects.filter(active=True)],
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("sentiment") and not data.get("theme"):
            raise forms.ValidationError(_("Choose a sentiment or a theme."))
        return data

    def themes(self) -> list[Theme] | None:
        key = self.cleaned_data.get("theme") or ""
        if not key:
            return None
        if key == THEME_UNASSIGNED:
            return []
        return list(Theme.objects.filter(pk=int(key)))


class ThemeForm(forms.Form):
    name_ko = forms.CharField(label=_("Name (Korean)"), max_length=100)
    name_en = forms.CharField(label=_("Name (English)"), max_length=100, required=False)
    keywords = forms.CharField(
        label=_("Keywords"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Separated by commas. Korean nouns as they appear in comments (대기, 수수료) and "
            "English words (wait, fee). A phrase of several words matches when a comment "
            "contains all of them."
        ),
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def clean_name_ko(self) -> str:
        name = " ".join(self.cleaned_data["name_ko"].split())
        if not name:
            raise forms.ValidationError(_("This field is required."))
        return name
