"""Staff pages of complaint handling. Thin: access helpers, selectors and services do the work."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sqms.core.access import can, ensure
from sqms.core.exceptions import SqmsError
from sqms.core.models import User
from sqms.core.roles import Area
from sqms.core.selectors import audit_entries_for_object
from sqms.feedback import complaints as services
from sqms.feedback import complaints_selectors as selectors
from sqms.feedback.complaint_targets import can_manage_targets
from sqms.feedback.complaints_access import (
    can_work_on,
    can_write,
    category_get_for_user,
    complaint_get_for_user,
    complaints_visible_to,
)
from sqms.feedback.complaints_forms import (
    CategoryForm,
    ComplaintFilterForm,
    ComplaintForm,
    NoteForm,
    ReplyForm,
    SatisfactionForm,
    TransitionForm,
)
from sqms.feedback.models import Complaint, ComplaintCategory, ComplaintIntake, ComplaintStatus

PAGE_SIZE = 25


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _add_errors(form: Any, exc: Exception) -> None:
    if isinstance(exc, services.ComplaintInvalid):
        for name, message in exc.errors.items():
            form.add_error(name if name in form.fields else None, message)
    elif isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, str(exc.messages[0] if isinstance(exc, ValidationError) else exc))


def _to(complaint: Complaint | int, anchor: str = "") -> HttpResponse:
    pk = complaint if isinstance(complaint, int) else complaint.pk
    url = reverse("feedback:complaint_detail", kwargs={"pk": pk})
    return redirect(f"{url}#{anchor}" if anchor else url)


@require_GET
def complaint_list(request: HttpRequest) -> HttpResponse:
    ensure(request.user, Area.FEEDBACK)
    form = ComplaintFilterForm(request.GET or None, user=request.user)
    qs = selectors.complaint_list(user=request.user, filters=form.to_filter())
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    selectors.attach_clocks(list(page.object_list))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "can_write": can_write(request.user),
        "can_manage_targets": can_manage_targets(request.user),
    }
    return render(request, "feedback/complaint_list.html", context)


@require_http_methods(["GET", "POST"])
def complaint_create(request: HttpRequest) -> HttpResponse:
    """Anyone who reads the feedback area may log a complaint they received."""
    ensure(request.user, Area.FEEDBACK)
    form = ComplaintForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            try:
                complaint = services.complaint_receive(
                    actor=_actor(request),
                    intake=ComplaintIntake.STAFF,
                    language=_actor(request).language or "ko",
                    **d,
                )
            except (SqmsError, ValidationError) as exc:
                _add_errors(form, exc)
            else:
                messages.success(
                    request, _("Complaint %(ref)s was recorded.") % {"ref": complaint.reference}
                )
                if complaints_visible_to(request.user).filter(pk=complaint.pk).exists():
                    return _to(complaint)
                return redirect("feedback:complaint_list")
    return render(
        request, "feedback/complaint_form.html", {"form": form, "object": None}, status=status
    )


@require_http_methods(["GET", "POST"])
def complaint_edit(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = complaint_get_for_user(user=request.user, pk=pk, write=True)
    initial = {name: getattr(complaint, name) for name in services.EDITABLE}
    form = ComplaintForm(request.POST or None, user=request.user, editing=True, initial=initial)
    status = 200
    if not complaint.is_open:
        form.add_error(
            None, _("A closed or withdrawn complaint cannot be changed; reopen it first.")
        )
    elif request.method == "POST":
        status = 400
        if form.is_valid():
            fields = {k: form.cleaned_data[k] for k in form.changed_data if k in services.EDITABLE}
            try:
                services.complaint_update(actor=_actor(request), complaint=complaint, fields=fields)
            except (SqmsError, ValidationError) as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("%(record)s was saved.") % {"record": complaint})
                return _to(complaint)
    return render(
        request, "feedback/complaint_form.html", {"form": form, "object": complaint}, status=status
    )


def _raise_url(request: HttpRequest, complaint: Complaint) -> str:
    if not can(request.user, Area.IMPROVEMENT, write=True):
        return ""
    try:
        return reverse("improvement:complaint_raise", kwargs={"pk": complaint.pk})
    except NoReverseMatch:
        return ""


@require_GET
def complaint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = complaint_get_for_user(user=request.user, pk=pk)
    may_work = can_work_on(request.user, complaint)
    show_history = request.GET.get("tab") == "history"
    satisfaction_url = ""
    if complaint.satisfaction_token and complaint.satisfaction is None:
        satisfaction_url = request.build_absolute_uri(
            reverse(
                "feedback:public_complaint_satisfaction",
                kwargs={"token": complaint.satisfaction_token},
            )
        )
    context = {
        "c": complaint,
        "clocks": selectors.complaint_clocks(complaint, now=timezone.now()),
        "moves": selectors.complaint_moves(complaint) if may_work else [],
        "may_work": may_work,
        "can_write": can_write(request.user),
        "reply_form": ReplyForm(initial={"reply": complaint.reply}),
        "reply_editable": complaint.status
        not in (ComplaintStatus.RESPONDED, ComplaintStatus.CLOSED, ComplaintStatus.WITHDRAWN),
        "note_form": NoteForm(),
        "satisfaction_form": SatisfactionForm(initial={"satisfaction": complaint.satisfaction}),
        "satisfaction_open": complaint.status
        in (ComplaintStatus.RESPONDED, ComplaintStatus.CLOSED),
        "satisfaction_url": satisfaction_url,
        "notes": list(complaint.notes.select_related("author")),
        "changes": list(complaint.changes.select_related("actor")),
        "raise_url": _raise_url(request, complaint),
        "show_history": show_history,
        "history": audit_entries_for_object(obj=complaint) if show_history else None,
        "needs": list(complaint.customer_needs.filter(archived_at__isnull=True)),
    }
    return render(request, "feedback/complaint_detail.html", context)


@require_POST
def complaint_transition(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = complaint_get_for_user(user=request.user, pk=pk, write=True)
    form = TransitionForm(request.POST)
    if form.is_valid():
        try:
            services.complaint_transition(
                actor=_actor(request),
                complaint=complaint,
                to=form.cleaned_data["to"],
                reason=form.cleaned_data["reason"],
            )
        except SqmsError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The status was changed."))
    else:
        messages.error(request, _("This status change is not possible."))
    return _to(complaint)


@require_POST
def complaint_reply(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = complaint_get_for_user(user=request.user, pk=pk, write=True)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            services.complaint_reply_set(
                actor=_actor(request), complaint=complaint, reply=form.cleaned_data["reply"]
            )
        except (SqmsError, ValidationError) as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, _("The reply was saved."))
            return _to(complaint, "reply")
    else:
        messages.error(request, _("Reply to the complainant: %(error)s") % _first_error(form))
    return _to(complaint, "reply")


@require_POST
def complaint_note(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = complaint_get_for_user(user=request.user, pk=pk, write=True)
    form = NoteForm(request.POST)
    if form.is_valid():
        services.complaint_note_add(
            actor=_actor(request), complaint=complaint, text=form.cleaned_data["text"]
        )
        messages.success(request, _("The note was added."))
    else:
        messages.error(request, _("Internal note: %(error)s") % _first_error(form))
    return _to(complaint, "notes")


@require_POST
def complaint_satisfaction(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = complaint_get_for_user(user=request.user, pk=pk, write=True)
    form = SatisfactionForm(request.POST)
    if form.is_valid():
        try:
            services.complaint_satisfaction_record(
                actor=_actor(request),
                complaint=complaint,
                score=form.cleaned_data["satisfaction"],
            )
        except (SqmsError, ValidationError) as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, _("The satisfaction was recorded."))
    else:
        messages.error(request, _("Satisfaction with the handling: %(error)s") % _first_error(form))
    return _to(complaint, "satisfaction")


def _first_error(form: Any) -> dict[str, str]:
    for errors in form.errors.values():
        return {"error": str(errors[0])}
    return {"error": ""}  # pragma: no cover


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return str(exc.messages[0])
    return str(exc)


@require_http_methods(["GET", "POST"])
def complaint_category_list(request: HttpRequest) -> HttpResponse:
    ensure(request.user, Area.FEEDBACK)
    form = CategoryForm(request.POST or None)
    status = 200
    if request.method == "POST":
        ensure(request.user, Area.FEEDBACK, write=True)
        status = 400
        if form.is_valid():
            try:
                services.category_create(actor=_actor(request), **form.cleaned_data)
            except (SqmsError, ValidationError) as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("The category was added."))
                return redirect("feedback:complaint_category_list")
    context = {
        "form": form,
        "categories": list(ComplaintCategory.objects.order_by("archived_at", "code")),
        "can_write": can_write(request.user),
    }
    return render(request, "feedback/complaint_categories.html", context, status=status)


@require_POST
def complaint_category_archive(request: HttpRequest, pk: int) -> HttpResponse:
    category = category_get_for_user(user=request.user, pk=pk, write=True)
    services.category_archive(actor=_actor(request), category=category)
    messages.success(request, _("The category is no longer offered."))
    return redirect("feedback:complaint_category_list")
