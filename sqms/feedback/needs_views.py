"""Customer needs pages: the register, a need with its evidence, and the QFD matrix."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sqms.core.access import ensure
from sqms.core.exceptions import SqmsError
from sqms.core.models import User
from sqms.core.roles import Area
from sqms.core.selectors import audit_entries_for_object
from sqms.feedback import needs
from sqms.feedback.complaints_access import can_write, need_get_for_user
from sqms.feedback.models import CustomerNeed
from sqms.feedback.text_selectors import theme_evidence
from sqms.org.models import Service


class NeedForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Code"), max_length=20)
    statement_ko = forms.CharField(label=gettext_lazy("Statement (Korean)"), max_length=300)
    statement_en = forms.CharField(
        label=gettext_lazy("Statement (English)"), max_length=300, required=False
    )
    importance = forms.TypedChoiceField(
        label=gettext_lazy("Importance"),
        coerce=int,
        choices=[(n, str(n)) for n in range(1, 6)],
        initial=3,
        help_text=gettext_lazy("1 = nice to have, 5 = essential."),
    )
    themes = forms.CharField(
        label=gettext_lazy("Themes"),
        required=False,
        max_length=2000,
        help_text=gettext_lazy("Separated by commas, e.g. waiting time, kindness."),
    )
    responses = forms.CharField(
        label=gettext_lazy("Survey responses (evidence)"),
        required=False,
        max_length=2000,
        help_text=gettext_lazy("Response numbers, separated by commas."),
    )
    complaints = forms.CharField(
        label=gettext_lazy("Complaints (evidence)"),
        required=False,
        max_length=2000,
        help_text=gettext_lazy("Reference numbers, separated by commas, e.g. C2026-00012."),
    )
    notes = forms.CharField(
        label=gettext_lazy("Notes"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _save(request: HttpRequest, form: NeedForm, need: CustomerNeed | None) -> CustomerNeed | None:
    d = form.cleaned_data
    try:
        response_ids = needs.parse_ids(d["responses"], field_name="responses")
        refs = [r for r in d["complaints"].replace("\n", ",").replace(" ", ",").split(",") if r]
        r_ids, c_ids = needs.evidence_resolve(
            user=request.user, response_ids=response_ids, complaint_refs=refs
        )
        fields: dict[str, Any] = {
            "code": d["code"],
            "statement_ko": d["statement_ko"],
            "statement_en": d["statement_en"],
            "importance": d["importance"],
            "themes": needs.parse_themes(d["themes"]),
            "notes": d["notes"],
        }
        if need is None:
            return needs.need_create(
                actor=_actor(request), response_ids=r_ids, complaint_ids=c_ids, **fields
            )
        return needs.need_update(
            actor=_actor(request),
            need=need,
            fields=fields,
            response_ids=r_ids,
            complaint_ids=c_ids,
        )
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            form.add_error(None, exc.messages[0])
    except SqmsError as exc:
        form.add_error(None, str(exc))
    return None


@require_GET
def need_list(request: HttpRequest) -> HttpResponse:
    ensure(request.user, Area.FEEDBACK)
    qs = CustomerNeed.objects.order_by("archived_at", "-importance", "code")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    context = {"page": page, "query": "", "can_write": can_write(request.user)}
    return render(request, "feedback/need_list.html", context)


@require_http_methods(["GET", "POST"])
def need_create(request: HttpRequest) -> HttpResponse:
    ensure(request.user, Area.FEEDBACK, write=True)
    form = NeedForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid() and (need := _save(request, form, None)) is not None:
            messages.success(request, _("%(record)s was created.") % {"record": need.code})
            return redirect("feedback:need_detail", pk=need.pk)
    return render(request, "feedback/need_form.html", {"form": form, "object": None}, status=status)


@require_http_methods(["GET", "POST"])
def need_edit(request: HttpRequest, pk: int) -> HttpResponse:
    need = need_get_for_user(user=request.user, pk=pk, write=True)
    initial = {
        "code": need.code,
        "statement_ko": need.statement_ko,
        "statement_en": need.statement_en,
        "importance": need.importance,
        "themes": ", ".join(need.themes or []),
        "responses": ", ".join(str(i) for i in need.responses.values_list("pk", flat=True)),
        "complaints": ", ".join(need.complaints.values_list("reference", flat=True)),
        "notes": need.notes,
    }
    form = NeedForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid() and _save(request, form, need) is not None:
            messages.success(request, _("%(record)s was saved.") % {"record": need.code})
            return redirect("feedback:need_detail", pk=need.pk)
    return render(request, "feedback/need_form.html", {"form": form, "object": need}, status=status)


@require_GET
def need_detail(request: HttpRequest, pk: int) -> HttpResponse:
    need = need_get_for_user(user=request.user, pk=pk)
    from sqms.feedback.access import responses_visible_to
    from sqms.feedback.complaints_access import complaints_visible_to

    context = {
        "need": need,
        "responses": list(
            responses_visible_to(request.user)
            .filter(customer_needs=need)
            .select_related("survey")[:100]
        ),
        "complaints": list(complaints_visible_to(request.user).filter(customer_needs=need)[:100]),
        "links": list(need.links.select_related("standard__service").order_by("-strength")),
        "themes": theme_evidence(user=request.user, names=list(need.themes or [])),
        "can_write": can_write(request.user),
        "history": audit_entries_for_object(obj=need),
    }
    return render(request, "feedback/need_detail.html", context)


@require_POST
def need_archive(request: HttpRequest, pk: int) -> HttpResponse:
    need = need_get_for_user(user=request.user, pk=pk, write=True)
    needs.need_archive(actor=_actor(request), need=need)
    messages.success(request, _("%(record)s was archived.") % {"record": need.code})
    return redirect("feedback:need_list")


@require_http_methods(["GET", "POST"])
def need_matrix(request: HttpRequest) -> HttpResponse:
    ensure(request.user, Area.FEEDBACK)
    raw_service = request.GET.get("service", "")
    service_id = int(raw_service) if raw_service.isdigit() and len(raw_service) < 18 else None
    error = ""
    status = 200
    if request.method == "POST":
        ensure(request.user, Area.FEEDBACK, write=True)
        try:
            cells = needs.cells_from_post(request.POST)
            changed = needs.need_matrix_save(actor=_actor(request), cells=cells)
        except ValidationError as exc:
            error = exc.messages[0]
            status = 400
        else:
            messages.success(request, _("%(n)d cells were saved.") % {"n": changed})
            suffix = f"?service={service_id}" if service_id else ""
            return redirect(f"{request.path}{suffix}")
    context = {
        "m": needs.qfd_matrix(service_id=service_id),
        "services": list(Service.objects.filter(archived_at__isnull=True).order_by("code")),
        "service_id": service_id,
        "error": error,
        "can_write": can_write(request.user),
        "strengths": [("", "·"), ("1", "1"), ("3", "3"), ("9", "9")],
    }
    return render(request, "feedback/need_matrix.html", context, status=status)
