"""Improvement pages. Thin: access helpers, selectors and services do the work."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sqms.core.access import ensure, role_of
from sqms.core.exceptions import ReasonRequired, SqmsError
from sqms.core.models import User
from sqms.core.ratelimit import too_many_requests
from sqms.core.roles import Area, Role
from sqms.core.selectors import audit_entries_for_object
from sqms.improvement import access, rules, selectors, services
from sqms.improvement.diagrams import fishbone_svg, pareto_figure
from sqms.improvement.forms import (
    ActionForm,
    ActionStatusForm,
    ArchiveForm,
    CategoryForm,
    CauseForm,
    CheckForm,
    CloseForm,
    EvidenceForm,
    FishboneForm,
    NcFilterForm,
    NcForm,
    NoteForm,
    ParetoForm,
    RootCauseForm,
    TransitionForm,
    WhyForm,
)
from sqms.improvement.models import (
    Cause,
    CauseCategory,
    FishboneCause,
    NcStatus,
    Nonconformance,
    WhyStep,
)

PAGE_SIZE = 25
TABS = ("details", "containment", "rootcause", "actions", "effectiveness", "history")


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _add_errors(form: Any, exc: Exception) -> None:
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, str(exc.messages[0] if isinstance(exc, ValidationError) else exc))


def _to_nc(nc: Nonconformance | int, tab: str = "details") -> HttpResponse:
    pk = nc if isinstance(nc, int) else nc.pk
    return redirect(f"{reverse('improvement:nonconformance_detail', kwargs={'pk': pk})}?tab={tab}")


# --- nonconformances --------------------------------------------------------------------------


@require_GET
def nonconformance_list(request: HttpRequest) -> HttpResponse:
    ensure(request.user, Area.IMPROVEMENT)
    form = NcFilterForm(request.GET or None, user=request.user)
    qs = selectors.nonconformance_list(user=request.user, filters=form.to_filter())
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "can_write": access.can_write(request.user),
    }
    return render(request, "improvement/nonconformance_list.html", context)


@require_http_methods(["GET", "POST"])
def nonconformance_create(request: HttpRequest) -> HttpResponse:
    ensure(request.user, Area.IMPROVEMENT)
    reporter_only = not access.can_write(request.user)
    form = NcForm(request.POST or None, user=request.user, reporter_only=reporter_only)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = dict(form.cleaned_data)
            data.setdefault("source_type", "staff_report")
            try:
                nc = services.nonconformance_report(actor=_actor(request), **data)
            except (SqmsError, ValidationError) as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("%(record)s was reported.") % {"record": nc.number})
                if nc.recurrence_of_id:
                    messages.warning(request, _("This looks like a recurrence; it was linked."))
                if access.nonconformances_visible_to(request.user).filter(pk=nc.pk).exists():
                    return _to_nc(nc)
                return redirect("improvement:nonconformance_list")
    context = {"form": form, "object": None, "reporter_only": reporter_only}
    return render(request, "improvement/nonconformance_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
def nonconformance_edit(request: HttpRequest, pk: int) -> HttpResponse:
    nc = access.nonconformance_get_for_user(user=request.user, pk=pk, write=True)
    form = NcForm(request.POST or None, instance=nc, user=request.user)
    status = 200
    if nc.is_terminal:
        form.add_error(None, _("This nonconformance can no longer be changed."))
    elif request.method == "POST":
        status = 400
        if form.is_valid():
            fields = {k: form.cleaned_data[k] for k in form.changed_data if k in form.cleaned_data}
            try:
                services.nonconformance_update(actor=_actor(request), nc=nc, fields=fields)
            except (SqmsError, ValidationError) as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("%(record)s was saved.") % {"record": nc.number})
                return _to_nc(nc)
    context = {"form": form, "object": nc, "reporter_only": False}
    return render(request, "improvement/nonconformance_form.html", context, status=status)


def _moves(user: Any, nc: Nonconformance) -> list[dict[str, Any]]:
    moves = []
    for to in rules.TRANSITIONS.get(nc.status, frozenset()):
        if to in rules.SIGNED:
            continue
        moves.append(
            {
                "to": to,
                "label": NcStatus(to).label,
                "requires": rules.REQUIRES.get(to, ""),
                "problem": services.requirement_problem(nc, to),
                "may": access.can_move(user, to),
            }
        )
    order = list(NcStatus.values)
    return sorted((m for m in moves if m["may"]), key=lambda m: order.index(m["to"]))


@require_GET
def nonconformance_detail(request: HttpRequest, pk: int) -> HttpResponse:
    nc = access.nonconformance_get_for_user(user=request.user, pk=pk)
    tab = request.GET.get("tab", "details")
    tab = tab if tab in TABS else "details"
    whys = list(WhyStep.objects.filter(nonconformance=nc))
    fishbone = list(FishboneCause.objects.filter(nonconformance=nc))
    context: dict[str, Any] = {
        "nc": nc,
        "tab": tab,
        "tabs": [
            ("details", _("Details")),
            ("containment", _("Containment")),
            ("rootcause", _("Root cause")),
            ("actions", _("Actions")),
            ("effectiveness", _("Effectiveness")),
            ("history", _("History")),
        ],
        "can_write": access.can_write(request.user),
        "moves": _moves(request.user, nc),
        "can_close": nc.status == NcStatus.VERIFIED
        and role_of(request.user) in (Role.QUALITY_MANAGER, Role.ADMIN),
        "close_requires": rules.REQUIRES[NcStatus.CLOSED],
        "signatures": selectors.nonconformance_signatures(nc=nc),
        "changes": list(nc.changes.select_related("actor")),
        "recurrences": list(nc.recurrences.only("pk", "number", "title")),
        "chains": [(k, list(g)) for k, g in groupby(whys, key=lambda w: w.chain)],
        "fishbone_causes": fishbone,
        "fishbone": fishbone_svg(
            problem=nc.title, causes=fishbone, title=_("Fishbone diagram of %s") % nc.number
        ),
        "actions": list(nc.actions.select_related("owner")),
        "checks": list(nc.checks.select_related("metric", "created_by")),
        "history": audit_entries_for_object(obj=nc) if tab == "history" else None,
        "transition_form": TransitionForm(),
    }
    return render(request, "improvement/nonconformance_detail.html", context)


@require_POST
def nonconformance_transition(request: HttpRequest, pk: int) -> HttpResponse:
    nc = access.nonconformance_get_for_user(user=request.user, pk=pk, write=True)
    form = TransitionForm(request.POST)
    if form.is_valid():
        try:
            services.nonconformance_transition(
                actor=_actor(request),
                nc=nc,
                to=form.cleaned_data["to"],
                reason=form.cleaned_data["reason"],
            )
        except SqmsError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The status was changed."))
    else:
        messages.error(request, _("This status change is not possible."))
    return _to_nc(nc)


@require_http_methods(["GET", "POST"])
def nonconformance_close(request: HttpRequest, pk: int) -> HttpResponse:
    nc = access.nonconformance_get_for_user(user=request.user, pk=pk, write=True)
    if role_of(request.user) not in (Role.QUALITY_MANAGER, Role.ADMIN):
        raise PermissionDenied
    actor = _actor(request)
    form = CloseForm(
        request.POST or None, initial={"printed_name": actor.get_full_name() or actor.username}
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.nonconformance_close(actor=actor, nc=nc, **form.cleaned_data)
            except services.SigningThrottled:
                return too_many_requests(request)
            except SqmsError as exc:
                field = "password" if isinstance(exc, services.WrongPassword) else None
                if isinstance(exc, ReasonRequired):
                    field = "justification"
                form.add_error(field, str(exc))
            else:
                messages.success(request, _("The nonconformance was closed and signed."))
                return _to_nc(nc)
    context = {
        "form": form,
        "nc": nc,
        "content_hash": services.nonconformance_content_hash(nc),
        "check": services.latest_check(nc),
        "needs_justification": services.needs_justification(nc),
    }
    return render(request, "improvement/nonconformance_close.html", context, status=status)


@require_http_methods(["GET", "POST"])
def nonconformance_analysis(request: HttpRequest, pk: int) -> HttpResponse:
    """The root-cause tab's editor: 5-Whys steps, fishbone causes and the classified cause."""
    nc = access.nonconformance_get_for_user(user=request.user, pk=pk, write=True)
    actor = _actor(request)
    op = request.POST.get("op", "")
    why_form = WhyForm(request.POST if op == "why" else None)
    bone_form = FishboneForm(request.POST if op == "fishbone" else None)
    cause_form = RootCauseForm(
        request.POST if op == "rootcause" else None,
        initial={"cause": nc.root_cause_id, "statement": nc.root_cause_statement},
    )
    status = 200
    if request.method == "POST":
        status = 400
        try:
            if op == "why" and why_form.is_valid():
                services.why_add(actor=actor, nc=nc, **why_form.cleaned_data)
            elif op == "fishbone" and bone_form.is_valid():
                services.fishbone_add(actor=actor, nc=nc, **bone_form.cleaned_data)
            elif op == "rootcause" and cause_form.is_valid():
                services.root_cause_set(actor=actor, nc=nc, **cause_form.cleaned_data)
            elif op == "why_remove" and request.POST.get("item", "").isdigit():
                step = WhyStep.objects.filter(nonconformance=nc, pk=request.POST["item"]).first()
                if step is None:
                    raise Http404
                services.why_remove(actor=actor, step=step)
            elif op == "fishbone_remove" and request.POST.get("item", "").isdigit():
                item = FishboneCause.objects.filter(nonconformance=nc, pk=request.POST["item"])
                cause = item.first()
                if cause is None:
                    raise Http404
                services.fishbone_remove(actor=actor, cause=cause)
            else:
                raise SqmsError(_("Please correct the errors below."))
        except (SqmsError, ValidationError) as exc:
            messages.error(
                request, str(exc.messages[0] if isinstance(exc, ValidationError) else exc)
            )
        else:
            messages.success(request, _("The analysis was saved."))
            return redirect("improvement:nonconformance_analysis", pk=nc.pk)
    whys = list(WhyStep.objects.filter(nonconformance=nc))
    fishbone = list(FishboneCause.objects.filter(nonconformance=nc))
    context = {
        "nc": nc,
        "why_form": why_form,
        "bone_form": bone_form,
        "cause_form": cause_form,
        "chains": [(k, list(g)) for k, g in groupby(whys, key=lambda w: w.chain)],
        "fishbone_causes": fishbone,
        "fishbone": fishbone_svg(
            problem=nc.title, causes=fishbone, title=_("Fishbone diagram of %s") % nc.number
        ),
    }
    return render(request, "improvement/nonconformance_analysis.html", context, status=status)


# --- actions ----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def action_create(request: HttpRequest, pk: int) -> HttpResponse:
    nc = access.nonconformance_get_for_user(user=request.user, pk=pk, write=True)
    form = ActionForm(request.POST or None, initial={"owner": request.user.pk})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.action_create(actor=_actor(request), nc=nc, **form.cleaned_data)
            except (SqmsError, ValidationError) as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("The action was added."))
                return _to_nc(nc, "actions")
    context = {"form": form, "nc": nc}
    return render(request, "improvement/action_form.html", context, status=status)


@require_GET
def action_detail(request: HttpRequest, pk: int) -> HttpResponse:
    action = access.action_get_for_user(user=request.user, pk=pk)
    may_update = access.can_write(request.user) or action.owner_id == request.user.pk
    context = {
        "action": action,
        "nc": action.nonconformance,
        "notes": list(action.notes.select_related("author")),
        "evidence": list(action.evidence.all()),
        "may_update": may_update,
        "status_form": ActionStatusForm(initial={"status": action.status}),
        "note_form": NoteForm(),
        "evidence_form": EvidenceForm(),
    }
    return render(request, "improvement/action_detail.html", context)


@require_POST
def action_update(request: HttpRequest, pk: int) -> HttpResponse:
    """Progress by the owner or a writer: a status, a note, or an evidence file."""
    action = access.action_get_for_user(user=request.user, pk=pk, write=True)
    actor = _actor(request)
    op = request.POST.get("op", "")
    try:
        if op == "status":
            status_form = ActionStatusForm(request.POST)
            if not status_form.is_valid():
                raise SqmsError(_("Choose a status."))
            services.action_set_status(
                actor=actor, action=action, status=status_form.cleaned_data["status"]
            )
        elif op == "note":
            note_form = NoteForm(request.POST)
            if not note_form.is_valid():
                raise SqmsError(_("Write a note."))
            services.action_note_add(
                actor=actor, action=action, text=note_form.cleaned_data["text"]
            )
        elif op == "evidence":
            evidence_form = EvidenceForm(request.POST, request.FILES)
            if not evidence_form.is_valid():
                errors = evidence_form.errors.get("file") or [_("Choose a file.")]
                raise SqmsError(str(errors[0]))
            services.action_evidence_add(
                actor=actor, action=action, upload=evidence_form.cleaned_data["file"]
            )
        else:
            raise SqmsError(_("This change is not possible."))
    except (SqmsError, ValidationError) as exc:
        messages.error(request, str(exc.messages[0] if isinstance(exc, ValidationError) else exc))
    else:
        messages.success(request, _("The action was updated."))
    return redirect("improvement:action_detail", pk=action.pk)


@require_GET
def evidence_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    evidence = access.evidence_get_for_user(user=request.user, pk=pk)
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(
        handle, as_attachment=True, filename=evidence.original_name, content_type=evidence.mime
    )


@require_GET
def action_list(request: HttpRequest) -> HttpResponse:
    """My actions: the actions the user owns."""
    ensure(request.user, Area.IMPROVEMENT)
    rows = list(selectors.my_actions(user=request.user))
    context = {
        "open": [a for a in rows if not a.is_finished],
        "finished": [a for a in rows if a.is_finished],
    }
    return render(request, "improvement/action_list.html", context)


# --- effectiveness ----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def check_create(request: HttpRequest, pk: int) -> HttpResponse:
    nc = access.nonconformance_get_for_user(user=request.user, pk=pk, write=True)
    b_from, b_to, a_from, a_to = services.proposed_windows(nc)
    initial = {"before_from": b_from, "before_to": b_to, "after_from": a_from, "after_to": a_to}
    form = CheckForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                check = services.effectiveness_check_create(
                    actor=_actor(request), nc=nc, **form.cleaned_data
                )
            except (SqmsError, ValidationError) as exc:
                _add_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("The effectiveness check proposes: %(verdict)s.")
                    % {"verdict": check.get_verdict_display()},
                )
                return _to_nc(nc, "effectiveness")
    context = {"form": form, "nc": nc}
    return render(request, "improvement/check_form.html", context, status=status)


# --- cause taxonomy and Pareto ----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def cause_list(request: HttpRequest) -> HttpResponse:
    ensure(request.user, Area.IMPROVEMENT)
    can_write = access.can_write(request.user)
    op = request.POST.get("op", "")
    category_form = CategoryForm(request.POST if op == "category" else None, prefix="cat")
    cause_form = CauseForm(request.POST if op == "cause" else None, prefix="cause")
    status = 200
    if request.method == "POST":
        ensure(request.user, Area.IMPROVEMENT, write=True)
        status = 400
        actor = _actor(request)
        try:
            if op == "category" and category_form.is_valid():
                services.category_create(actor=actor, **category_form.cleaned_data)
            elif op == "cause" and cause_form.is_valid():
                services.cause_create(actor=actor, **cause_form.cleaned_data)
            elif op == "archive":
                archive = ArchiveForm(request.POST)
                if not archive.is_valid():
                    raise SqmsError(_("Please give a reason."))
                model = CauseCategory if archive.cleaned_data["kind"] == "category" else Cause
                obj = model.objects.filter(pk=archive.cleaned_data["pk"]).first()
                if obj is None:
                    raise Http404
                services.taxonomy_archive(
                    actor=actor, obj=obj, reason=archive.cleaned_data["reason"]
                )
            else:
                raise SqmsError(_("Please correct the errors below."))
        except (SqmsError, ValidationError) as exc:
            messages.error(
                request, str(exc.messages[0] if isinstance(exc, ValidationError) else exc)
            )
        else:
            messages.success(request, _("The taxonomy was saved."))
            return redirect("improvement:cause_list")
    categories = list(CauseCategory.objects.prefetch_related("causes").order_by("code"))
    context = {
        "categories": categories,
        "can_write": can_write,
        "category_form": category_form,
        "cause_form": cause_form,
    }
    return render(request, "improvement/cause_list.html", context, status=status)


@require_GET
def cause_pareto(request: HttpRequest) -> HttpResponse:
    ensure(request.user, Area.IMPROVEMENT)
    form = ParetoForm(request.GET or None, user=request.user)
    result = selectors.cause_pareto(user=request.user, filters=form.to_filter())
    figure = (
        pareto_figure(result, count_label=_("Nonconformances"), cum_label=_("Cumulative %"))
        if result
        else None
    )
    context = {
        "form": form,
        "result": result,
        "figure": figure,
        "rate": selectors.effectiveness_rate(user=request.user),
    }
    return render(request, "improvement/cause_pareto.html", context)
