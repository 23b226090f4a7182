"""Staff forms of the feedback app. The public survey page validates in `services.answers_clean`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sqms.feedback.models import (
    DistributionKind,
    Question,
    QuestionKind,
    ServqualMode,
    Survey,
    SurveyStatus,
)
from sqms.org.models import Channel, Employee, Service, Site, Team

MAX_LINKS = 500


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class SurveyFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *SurveyStatus.choices]
    )


class SurveyForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Survey
        fields = [
            "code",
            "title_ko",
            "title_en",
            "intro_ko",
            "intro_en",
            "service",
            "collect_contact",
            "retention_days",
        ]
        widgets = {
            "intro_ko": forms.Textarea(attrs={"rows": 3}),
            "intro_en": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["service"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Service.objects.filter(archived_at__isnull=True)
        self.fields["retention_days"].max_value = 3650  # type: ignore[attr-defined]
        if self.instance.pk:
            self.fields["code"].disabled = True


def _parse_choices(text: str) -> list[dict[str, str]]:
    out = []
    for n, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        parts = [p.strip() for p in line.split("|")]
        ko = parts[0]
        en = parts[1] if len(parts) > 1 and parts[1] else ko
        out.append({"value": str(n), "ko": ko[:200], "en": en[:200]})
    return out


class QuestionForm(forms.ModelForm):  # type: ignore[type-arg]
    choices_text = forms.CharField(
        label=_("Choices"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One choice per line: Korean | English."),
    )

    class Meta:
        model = Question
        fields = ["kind", "text_ko", "text_en", "required", "show_if", "show_if_max"]

    def __init__(self, *args: Any, survey: Survey, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)
        kind.choices = [c for c in QuestionKind.choices if c[0] != QuestionKind.SERVQUAL]
        if self.instance.pk and self.instance.kind == QuestionKind.SERVQUAL:
            kind.choices = QuestionKind.choices
        show_if = self.fields["show_if"]
        assert isinstance(show_if, forms.ModelChoiceField)
        qs = survey.questions.filter(
            kind__in=[QuestionKind.CSAT, QuestionKind.NPS, QuestionKind.CES, QuestionKind.RATING]
        )
        if self.instance.pk:
            qs = qs.filter(order__lt=self.instance.order)
        show_if.queryset = qs.order_by("order")
        if self.instance.pk and self.instance.choices:
            self.initial["choices_text"] = "\n".join(
                f"{c.get('ko', '')} | {c.get('en', '')}"
                for c in self.instance.choices
                if isinstance(c, dict)
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        choices = _parse_choices(data.get("choices_text", ""))
        if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE) and len(choices) < 2:
            self.add_error("choices_text", _("Give at least two choices."))
        data["choices"] = choices if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE) else []
        if data.get("show_if") is not None and data.get("show_if_max") is None:
            self.add_error("show_if_max", _("Give the score that shows the follow-up."))
        return data

    def fields_for_service(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "kind": d["kind"],
            "text_ko": d["text_ko"],
            "text_en": d["text_en"],
            "required": d["required"],
            "choices": d["choices"],
            "show_if": d.get("show_if"),
            "show_if_max": d.get("show_if_max") if d.get("show_if") else None,
        }


class ServqualForm(forms.Form):
    mode = forms.ChoiceField(label=_("Ask"), choices=ServqualMode.choices)


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=SurveyStatus.choices)


class DistributionForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[c for c in DistributionKind.choices if c[0] != DistributionKind.SINGLE_USE],
    )
    label = forms.CharField(label=_("Label"), required=False, max_length=120)
    expires_at = forms.DateTimeField(label=_("Expires"), required=False, widget=DateTimeInput())


class SingleUseForm(forms.Form):
    service = forms.ModelChoiceField(
        label=_("Service"), queryset=Service.objects.none(), required=False
    )
    site = forms.ModelChoiceField(label=_("Site"), queryset=Site.objects.none(), required=False)
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False)
    channel = forms.ChoiceField(
        label=_("Channel"), choices=[("", "—"), *Channel.choices], required=False
    )
    agent = forms.ModelChoiceField(
        label=_("Agent"), queryset=Employee.objects.none(), required=False
    )
    label = forms.CharField(label=_("Label"), required=False, max_length=120)
    count = forms.IntegerField(
        label=_("Number of links"), min_value=1, max_value=MAX_LINKS, initial=1
    )
    expires_at = forms.DateTimeField(label=_("Expires"), required=False, widget=DateTimeInput())

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        from sqms.org.access import (
            employees_visible_to,
            services_visible_to,
            sites_visible_to,
            teams_visible_to,
        )

        super().__init__(*args, **kwargs)
        for name, qs in (
            ("service", services_visible_to(user)),
            ("site", sites_visible_to(user)),
            ("team", teams_visible_to(user)),
            ("agent", employees_visible_to(user)),
        ):
            f = self.fields[name]
            assert isinstance(f, forms.ModelChoiceField)
            f.queryset = qs.filter(archived_at__isnull=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        site, team, agent = data.get("site"), data.get("team"), data.get("agent")
        if team and site and team.site_id != site.pk:
            self.add_error("team", _("This team is not at the chosen site."))
        if agent and site and agent.site_id != site.pk:
            self.add_error("agent", _("This employee is not at the chosen site."))
        return data
