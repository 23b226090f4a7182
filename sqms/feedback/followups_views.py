"""Follow-up pages: the list (mine / open / overdue / all), the detail, closing with an outcome."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from sqms.core.access import ensure
from sqms.core.exceptions import SqmsError
from sqms.core.models import User
from sqms.core.roles import Area
from sqms.core.selectors import audit_entries_for_object
from sqms.feedback import followups
from sqms.feedback.complaints_access import can_work_on_followup, followup_get_for_user
from sqms.feedback.models import FollowUpOutcome, FollowUpStatus
from sqms.feedback.selectors import response_answers

VIEWS = ("mine", "open", "overdue", "all")


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(label=gettext_lazy("Outcome"), choices=FollowUpOutcome.choices)
    notes = forms.CharField(
        label=gettext_lazy("Notes"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


@require_GET
def followup_list(request: HttpRequest) -> HttpResponse:
    ensure(request.user, Area.FEEDBACK)
    view = request.GET.get("view", "mine")
    view = view if view in VIEWS else "mine"
    qs = followups.followup_list(user=request.user, filters=followups.FollowUpFilter(view=view))
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "query": f"view={view}",
        "view": view,
        "views": [
            ("mine", _("Mine")),
            ("open", _("Open")),
            ("overdue", _("Overdue")),
            ("all", _("All")),
        ],
        "now": timezone.now(),
    }
    return render(request, "feedback/followup_list.html", context)


@require_http_methods(["GET", "POST"])
def followup_detail(request: HttpRequest, pk: int) -> HttpResponse:
    followup = followup_get_for_user(user=request.user, pk=pk)
    may_work = can_work_on_followup(request.user, followup)
    contact_allowed = followups.may_contact(followup)
    form = CloseForm(
        request.POST or None,
        initial={"outcome": "" if contact_allowed else FollowUpOutcome.NO_CONSENT},
    )
    status = 200
    if request.method == "POST":
        followup = followup_get_for_user(user=request.user, pk=pk, write=True)
        status = 400
        if form.is_valid():
            assert isinstance(request.user, User)
            try:
                followups.followup_close(actor=request.user, followup=followup, **form.cleaned_data)
            except ValidationError as exc:
                for name, errs in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, errs)
            except SqmsError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("The follow-up was closed."))
                return redirect("feedback:followup_detail", pk=followup.pk)
    context = {
        "f": followup,
        "r": followup.response,
        "answers": response_answers(response=followup.response),
        "contact_allowed": contact_allowed,
        "may_work": may_work and followup.status == FollowUpStatus.OPEN,
        "form": form,
        "overdue": followup.status == FollowUpStatus.OPEN and followup.due_at < timezone.now(),
        "history": audit_entries_for_object(obj=followup),
    }
    return render(request, "feedback/followup_detail.html", context, status=status)
