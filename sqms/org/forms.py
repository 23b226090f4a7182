from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sqms.core.forms import DateInput
from sqms.core.models import User
from sqms.org.access import employees_visible_to, sites_visible_to, teams_visible_to
from sqms.org.models import Channel, Employee, JobRole, Service, Site, Team
from sqms.org.selectors import OrgFilter


class _ScopedForm(forms.ModelForm):  # type: ignore[type-arg]
    """Choices of sites, teams and employees follow what the user may see."""

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        scoped = {
            "site": sites_visible_to(user).filter(archived_at__isnull=True),
            "sites": sites_visible_to(user).filter(archived_at__isnull=True),
            "team": teams_visible_to(user).filter(archived_at__isnull=True).select_related("site"),
            "owner": employees_visible_to(user).filter(archived_at__isnull=True),
        }
        for name, qs in scoped.items():
            field = self.fields.get(name)
            if isinstance(field, forms.ModelChoiceField):
                field.queryset = qs
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField) and not isinstance(
                field, forms.ModelMultipleChoiceField
            ):
                field.empty_label = _("Choose…") if field.required else _("(none)")


class SiteForm(_ScopedForm):
    class Meta:
        model = Site
        fields = ["code", "name", "address", "time_zone", "phone"]


class TeamForm(_ScopedForm):
    class Meta:
        model = Team
        fields = ["site", "code", "name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class JobRoleForm(_ScopedForm):
    class Meta:
        model = JobRole
        fields = ["code", "name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class EmployeeForm(_ScopedForm):
    class Meta:
        model = Employee
        fields = [
            "employee_no",
            "name",
            "site",
            "team",
            "job_role",
            "email",
            "phone",
            "hired_on",
            "user",
        ]
        widgets = {"hired_on": DateInput}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        login = self.fields["user"]
        assert isinstance(login, forms.ModelChoiceField)
        # A login belongs to one employee at most: offer the free ones and the current one.
        free = User.objects.filter(is_active=True, employee__isnull=True)
        if self.instance.user_id:
            free = free | User.objects.filter(pk=self.instance.user_id)
        login.queryset = free.order_by("username")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        team, site = data.get("team"), data.get("site")
        if team and site and team.site_id != site.pk:
            self.add_error("team", _("This team belongs to another site."))
        return data


class ServiceForm(_ScopedForm):
    channels = forms.MultipleChoiceField(
        label=_("Channels"),
        choices=Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Service
        fields = ["code", "name", "description", "owner", "channels", "sites"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "sites": forms.CheckboxSelectMultiple,
        }


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
        help_text=_("Recorded in the audit trail."),
    )


class OrgFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    site = forms.ModelChoiceField(
        label=_("Site"), required=False, queryset=Site.objects.none(), empty_label=_("All")
    )
    team = forms.ModelChoiceField(
        label=_("Team"), required=False, queryset=Team.objects.none(), empty_label=_("All")
    )
    job_role = forms.ModelChoiceField(
        label=_("Job role"), required=False, queryset=JobRole.objects.all(), empty_label=_("All")
    )
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("All")), *Channel.choices]
    )
    archived = forms.BooleanField(label=_("Archived only"), required=False)

    def __init__(self, *args: Any, user: Any, fields: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in list(self.fields):
            if name not in fields:
                del self.fields[name]
        if "site" in self.fields:
            self.fields["site"].queryset = sites_visible_to(user)  # type: ignore[attr-defined]
        if "team" in self.fields:
            self.fields["team"].queryset = teams_visible_to(user)  # type: ignore[attr-defined]

    def to_filter(self) -> OrgFilter:
        d = self.cleaned_data if self.is_valid() else {}
        return OrgFilter(
            q=d.get("q") or "",
            site=d["site"].pk if d.get("site") else None,
            team=d["team"].pk if d.get("team") else None,
            job_role=d["job_role"].pk if d.get("job_role") else None,
            channel=d.get("channel") or "",
            archived=bool(d.get("archived")),
        )
