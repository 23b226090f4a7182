"""Improvement pages. Thin: access helpers, selectors and services do the work."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
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
    CommentForm,
    EvidenceForm,
    FishboneForm,
    InitiativeFilterForm,
    InitiativeForm,
    LessonForm,
    LessonSearchForm,
    NcFilterForm,
    NcForm,
    NoteForm,
    ParetoForm,
    RaiseRuleForm,
    RootCauseForm,
    StageForm,
    SuggestionFilterForm,
    SuggestionForm,
    TransitionForm,
    TriageForm,
    WhyForm,
)
from sqms.improvement.models import (
    Cause,
    CauseCategory,
    DataSource,
    FishboneCause,
    Initiative,
    NcStatus,
    Nonconformance,
    Priority,
    RaiseRule,
    Stage,
    Suggestion,
    SuggestionStatus,
    SuggestionVote,
    WhyStep,
)
from sqms.org.access import scoped_site_ids

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
            data = {k: v for k, v in form.cleaned_data.items() if k != "seen_updated_at"}
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
            fields = {
                k: form.cleaned_data[k]
                for k in form.changed_data
                if k in form.cleaned_data and k != "seen_updated_at"
            }
            try:
                services.nonconformance_update(
                    actor=_actor(request),
                    nc=nc,
                    fields=fields,
                    seen_updated_at=form.cleaned_data.get("seen_updated_at") or "",
                )
            except services.EditConflict as exc:
                _add_errors(form, exc)
                status = 409
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
        "similar_lessons": selectors.similar_lessons(user=request.user, nc=nc)
        if nc.status == NcStatus.OPEN
        else [],
        "lessons": list(nc.lessons.all()),
        "can_publish": access.can_write(request.user) and nc.status == NcStatus.CLOSED,
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
    # Both forms have a "text" field: distinct ids keep each label on its own field.
    why_form = WhyForm(request.POST if op == "why" else None, auto_id="id_why_%s")
    bone_form = FishboneForm(request.POST if op == "fishbone" else None, auto_id="id_bone_%s")
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
    overdue = request.GET.get("overdue") == "1"
    if overdue:
        rows = list(selectors.overdue_actions(user=request.user))
    else:
        rows = list(selectors.my_actions(user=request.user))
    context = {
        "open": [a for a in rows if not a.is_finished],
        "finished": [a for a in rows if a.is_finished],
        "overdue": overdue,
    }
    return render(request, "improvement/action_list.html", context)


# --- effectiveness ----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def check_create(request: HttpRequest, pk: int) -> HttpResponse:
    nc = access.nonconformance_get_for_user(user=request.user, pk=pk, write=True)
    b_from, b_to, a_from, a_to = services.proposed_windows(nc)
    initial: dict[str, Any] = {
        "before_from": b_from,
        "before_to": b_to,
        "after_from": a_from,
        "after_to": a_to,
    }
    if nc.standard_version_id:
        initial["data_source"] = DataSource.METRIC_RESULTS
    form = CheckForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = dict(form.cleaned_data)
            source = data.pop("data_source")
            try:
                if source == DataSource.METRIC_RESULTS:
                    check = services.effectiveness_check_from_results(
                        actor=_actor(request),
                        nc=nc,
                        metric_label=data["metric_label"],
                        **{
                            k: data[k]
                            for k in ("before_from", "before_to", "after_from", "after_to")
                        },
                    )
                else:
                    data["before"], data["after"] = data["before"] or "", data["after"] or ""
                    check = services.effectiveness_check_create(
                        actor=_actor(request), nc=nc, **data
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


# --- dashboard --------------------------------------------------------------------------------


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    ensure(request.user, Area.IMPROVEMENT)
    data = selectors.dashboard(user=request.user)
    biggest = max((n for _pk, _name, n in data.pareto), default=0)
    context = {
        "d": data,
        "pareto": [
            (pk, name, n, 100 * n // biggest if biggest else 0) for pk, name, n in data.pareto
        ],
        "can_write": access.can_write(request.user),
    }
    return render(request, "improvement/dashboard.html", context)


# --- improvement initiatives ------------------------------------------------------------------


def _stage_moves(user: Any, initiative: Initiative) -> list[dict[str, Any]]:
    if not access.can_write(user):
        return []
    order = list(Stage.values)
    moves = [
        {
            "to": to,
            "label": Stage(to).label,
            "requires": rules.STAGE_REQUIRES.get(to, ""),
            "problem": services.stage_problem(initiative, to),
            "needs_reason": to == Stage.CANCELLED or (initiative.stage, to) in services._BACKWARDS,
        }
        for to in rules.STAGES.get(initiative.stage, frozenset())
    ]
    return sorted(moves, key=lambda m: order.index(m["to"]))


@require_GET
def initiative_list(request: HttpRequest) -> HttpResponse:
    ensure(request.user, Area.IMPROVEMENT)
    form = InitiativeFilterForm(request.GET or None, user=request.user)
    qs = selectors.initiative_list(user=request.user, filters=form.to_filter())
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "can_write": access.can_write(request.user),
    }
    return render(request, "improvement/initiative_list.html", context)


@require_GET
def initiative_board(request: HttpRequest) -> HttpResponse:
    ensure(request.user, Area.IMPROVEMENT)
    form = InitiativeFilterForm(request.GET or None, user=request.user)
    columns = selectors.initiative_board(user=request.user, filters=form.to_filter())
    can_write = access.can_write(request.user)
    board = [
        (key, label, [(i, _stage_moves(request.user, i) if can_write else []) for i in items])
        for key, label, items in columns
    ]
    context = {"form": form, "board": board, "can_write": can_write}
    return render(request, "improvement/initiative_board.html", context)


@require_http_methods(["GET", "POST"])
def initiative_create(request: HttpRequest) -> HttpResponse:
    ensure(request.user, Area.IMPROVEMENT, write=True)
    initial: dict[str, Any] = {"owner": request.user.pk}
    nc_pk = request.GET.get("nonconformance", "")
    nc = None
    if nc_pk.isdigit():
        nc = access.nonconformances_visible_to(request.user).filter(pk=int(nc_pk)).first()
    form = InitiativeForm(request.POST or None, user=request.user, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "seen_updated_at"}
            try:
                initiative = services.initiative_create(
                    actor=_actor(request), nonconformance=nc, **data
                )
            except (SqmsError, ValidationError) as exc:
                _add_errors(form, exc)
            else:
                messages.success(
                    request, _("%(record)s was created.") % {"record": initiative.number}
                )
                return redirect("improvement:initiative_detail", pk=initiative.pk)
    context = {"form": form, "object": None}
    return render(request, "improvement/initiative_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
def initiative_edit(request: HttpRequest, pk: int) -> HttpResponse:
    initiative = access.initiative_get_for_user(user=request.user, pk=pk, write=True)
    form = InitiativeForm(request.POST or None, instance=initiative, user=request.user)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            fields = {
                k: form.cleaned_data[k]
                for k in form.changed_data
                if k in form.cleaned_data and k != "seen_updated_at"
            }
            try:
                services.initiative_update(
                    actor=_actor(request),
                    initiative=initiative,
                    fields=fields,
                    seen_updated_at=form.cleaned_data.get("seen_updated_at") or "",
                )
            except services.EditConflict as exc:
                _add_errors(form, exc)
                status = 409
            except (SqmsError, ValidationError) as exc:
                _add_errors(form, exc)
            else:
                messages.success(
                    request, _("%(record)s was saved.") % {"record": initiative.number}
                )
                return redirect("improvement:initiative_detail", pk=initiative.pk)
    context = {"form": form, "object": initiative}
    return render(request, "improvement/initiative_form.html", context, status=status)


@require_GET
def initiative_detail(request: HttpRequest, pk: int) -> HttpResponse:
    initiative = access.initiative_get_for_user(user=request.user, pk=pk)
    can_write = access.can_write(request.user)
    context = {
        "i": initiative,
        "can_write": can_write,
        "moves": _stage_moves(request.user, initiative),
        "changes": list(initiative.changes.select_related("actor")),
        "suggestions": list(initiative.suggestions.all()),
        "lessons": list(initiative.lessons.all()),
        "history": audit_entries_for_object(obj=initiative),
        "can_publish": can_write and initiative.stage == Stage.COMPLETED,
    }
    return render(request, "improvement/initiative_detail.html", context)


@require_POST
def initiative_move(request: HttpRequest, pk: int) -> HttpResponse:
    initiative = access.initiative_get_for_user(user=request.user, pk=pk, write=True)
    form = StageForm(request.POST)
    if form.is_valid():
        try:
            services.initiative_move(
                actor=_actor(request),
                initiative=initiative,
                to=form.cleaned_data["to"],
                reason=form.cleaned_data["reason"],
            )
        except SqmsError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                _("%(record)s moved to %(stage)s.")
                % {"record": initiative.number, "stage": Stage(form.cleaned_data["to"]).label},
            )
    else:
        messages.error(request, _("This stage change is not possible."))
    if request.POST.get("next") == "board":
        return redirect("improvement:initiative_board")
    return redirect("improvement:initiative_detail", pk=initiative.pk)


# --- suggestions ------------------------------------------------------------------------------


@require_GET
def suggestion_list(request: HttpRequest) -> HttpResponse:
    ensure(request.user, Area.IMPROVEMENT)
    form = SuggestionFilterForm(request.GET or None)
    qs = selectors.suggestion_list(user=request.user, filters=form.to_filter())
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    voted = set(
        SuggestionVote.objects.filter(
            user_id=_actor(request).pk, suggestion__in=[s.pk for s in page]
        ).values_list("suggestion_id", flat=True)
    )
    context = {"form": form, "page": page, "query": query.urlencode(), "voted": voted}
    return render(request, "improvement/suggestion_list.html", context)


@require_http_methods(["GET", "POST"])
def suggestion_create(request: HttpRequest) -> HttpResponse:
    ensure(request.user, Area.IMPROVEMENT)
    form = SuggestionForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                suggestion = services.suggestion_submit(actor=_actor(request), **form.cleaned_data)
            except (SqmsError, ValidationError) as exc:
                _add_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Thank you! Your suggestion %(record)s was submitted.")
                    % {"record": suggestion.number},
                )
                return redirect("improvement:suggestion_detail", pk=suggestion.pk)
    return render(request, "improvement/suggestion_form.html", {"form": form}, status=status)


def _suggestion_context(request: HttpRequest, suggestion: Suggestion) -> dict[str, Any]:
    return {
        "s": suggestion,
        "votes": suggestion.votes.count(),
        "voted": suggestion.votes.filter(user_id=_actor(request).pk).exists(),
        "own": suggestion.submitter_id == request.user.pk,
        "comments": list(suggestion.comments.select_related("author")),
        "comment_form": CommentForm(),
        "can_triage": access.can_write(request.user)
        and suggestion.status == SuggestionStatus.SUBMITTED,
        "merged": list(suggestion.merged.only("pk", "number", "title")),
    }


@require_GET
def suggestion_detail(request: HttpRequest, pk: int) -> HttpResponse:
    suggestion = access.suggestion_get_for_user(user=request.user, pk=pk)
    context = _suggestion_context(request, suggestion)
    return render(request, "improvement/suggestion_detail.html", context)


@require_POST
def suggestion_vote(request: HttpRequest, pk: int) -> HttpResponse:
    suggestion = access.suggestion_get_for_user(user=request.user, pk=pk)
    try:
        voted = services.suggestion_vote_toggle(actor=_actor(request), suggestion=suggestion)
    except SqmsError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("Your vote was counted.") if voted else _("Your vote was taken back.")
        )
    if request.POST.get("next") == "list":
        return redirect("improvement:suggestion_list")
    return redirect("improvement:suggestion_detail", pk=suggestion.pk)


@require_POST
def suggestion_comment(request: HttpRequest, pk: int) -> HttpResponse:
    suggestion = access.suggestion_get_for_user(user=request.user, pk=pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.suggestion_comment_add(
                actor=_actor(request), suggestion=suggestion, text=form.cleaned_data["text"]
            )
        except SqmsError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Your comment was added."))
    else:
        messages.error(request, _("Write a comment."))
    return redirect("improvement:suggestion_detail", pk=suggestion.pk)


@require_http_methods(["GET", "POST"])
def suggestion_triage(request: HttpRequest, pk: int) -> HttpResponse:
    suggestion = access.suggestion_get_for_user(user=request.user, pk=pk, write=True)
    actor = _actor(request)
    form = TriageForm(
        request.POST or None,
        suggestion=suggestion,
        user=request.user,
        initial={"owner": actor.pk},
    )
    status = 200
    if suggestion.status != SuggestionStatus.SUBMITTED:
        form.add_error(None, _("This suggestion was already decided."))
        status = 400 if request.method == "POST" else 200
    elif request.method == "POST":
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            try:
                if d["decision"] == "accept":
                    initiative = services.suggestion_accept(
                        actor=actor,
                        suggestion=suggestion,
                        owner=d.get("owner"),
                        priority=d.get("priority") or Priority.MEDIUM,
                    )
                    messages.success(
                        request,
                        _("Accepted: %(record)s was created.") % {"record": initiative.number},
                    )
                    return redirect("improvement:initiative_detail", pk=initiative.pk)
                if d["decision"] == "merge":
                    services.suggestion_merge(actor=actor, suggestion=suggestion, into=d["into"])
                    messages.success(request, _("The suggestion was merged."))
                else:
                    services.suggestion_decline(
                        actor=actor, suggestion=suggestion, reason=d["reason"]
                    )
                    messages.success(request, _("The suggestion was declined."))
            except (SqmsError, ValidationError) as exc:
                field = "reason" if isinstance(exc, ReasonRequired) else None
                form.add_error(
                    field, str(exc.messages[0] if isinstance(exc, ValidationError) else exc)
                )
            else:
                return redirect("improvement:suggestion_detail", pk=suggestion.pk)
    context = {"form": form, "s": suggestion}
    return render(request, "improvement/suggestion_triage.html", context, status=status)


@require_GET
def suggestion_participation(request: HttpRequest) -> HttpResponse:
    ensure(request.user, Area.IMPROVEMENT)
    rows = selectors.participation(user=request.user)
    context = {
        "rows": rows,
        "people": sum(r.participants for r in rows),
        "headcount": sum(r.headcount for r in rows),
    }
    return render(request, "improvement/suggestion_participation.html", context)


# --- lessons learned --------------------------------------------------------------------------


@require_GET
def lesson_list(request: HttpRequest) -> HttpResponse:
    ensure(request.user, Area.IMPROVEMENT)
    form = LessonSearchForm(request.GET or None)
    d = form.cleaned_data if form.is_valid() else {}
    qs = selectors.lesson_search(user=request.user, q=d.get("q", ""), tag=d.get("tag", ""))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    return render(request, "improvement/lesson_list.html", context)


@require_GET
def lesson_detail(request: HttpRequest, pk: int) -> HttpResponse:
    lesson = access.lesson_get_for_user(user=request.user, pk=pk)
    return render(request, "improvement/lesson_detail.html", {"lesson": lesson})


def _lesson_form(
    request: HttpRequest, *, nc: Nonconformance | None, initiative: Initiative | None
) -> HttpResponse:
    source = nc or initiative
    assert source is not None
    initial = {"title": source.title}
    if nc is not None:
        initial |= {
            "what_happened": nc.description,
            "what_we_learned": nc.root_cause_statement,
            "tags": nc.root_cause.name if nc.root_cause else "",
        }
    elif initiative is not None:
        initial |= {"what_happened": initiative.description}
    form = LessonForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                lesson = services.lesson_publish(
                    actor=_actor(request),
                    nonconformance=nc,
                    initiative=initiative,
                    **form.cleaned_data,
                )
            except (SqmsError, ValidationError) as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("The lesson was published."))
                return redirect("improvement:lesson_detail", pk=lesson.pk)
    context = {"form": form, "source": source, "nc": nc, "initiative": initiative}
    return render(request, "improvement/lesson_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
def lesson_from_nonconformance(request: HttpRequest, pk: int) -> HttpResponse:
    nc = access.nonconformance_get_for_user(user=request.user, pk=pk, write=True)
    return _lesson_form(request, nc=nc, initiative=None)


@require_http_methods(["GET", "POST"])
def lesson_from_initiative(request: HttpRequest, pk: int) -> HttpResponse:
    initiative = access.initiative_get_for_user(user=request.user, pk=pk, write=True)
    return _lesson_form(request, nc=None, initiative=initiative)


# --- monitoring signals, complaints, automatic raising rules -----------------------------------


@require_POST
def signal_raise(request: HttpRequest, pk: int) -> HttpResponse:
    """Raise a nonconformance from a monitoring signal (once) and open it."""
    from sqms.monitoring.models import Signal

    ensure(request.user, Area.IMPROVEMENT, write=True)
    ensure(request.user, Area.MONITORING)
    ids = scoped_site_ids(request.user)
    qs = Signal.objects.select_related("standard", "version", "site")
    if ids is not None:
        qs = qs.filter(site_id__in=ids)
    signal = qs.filter(pk=pk).first()
    if signal is None:
        raise Http404
    try:
        with transaction.atomic():
            nc = services.nonconformance_raise_from_signal(actor=_actor(request), signal=signal)
    except (SqmsError, ValidationError) as exc:
        messages.error(request, str(exc.messages[0] if isinstance(exc, ValidationError) else exc))
        return redirect("improvement:nonconformance_list")
    assert nc is not None
    messages.success(request, _("%(record)s was raised from the signal.") % {"record": nc.number})
    return _to_nc(nc)


@require_POST
def complaint_raise(request: HttpRequest, pk: int) -> HttpResponse:
    """Raise a nonconformance from a customer complaint (once) and open it."""
    from sqms.feedback.complaints_access import complaint_get_for_user

    ensure(request.user, Area.IMPROVEMENT, write=True)
    complaint = complaint_get_for_user(user=request.user, pk=pk)
    try:
        with transaction.atomic():
            nc = services.nonconformance_raise_from_complaint(
                actor=_actor(request), complaint=complaint
            )
    except (SqmsError, ValidationError) as exc:
        messages.error(request, str(exc.messages[0] if isinstance(exc, ValidationError) else exc))
        return redirect("improvement:nonconformance_list")
    messages.success(
        request, _("%(record)s was raised from the complaint.") % {"record": nc.number}
    )
    return _to_nc(nc)


@require_http_methods(["GET", "POST"])
def raise_rule_list(request: HttpRequest) -> HttpResponse:
    """The automatic raising rules: per service standard, on or off, with a severity."""
    from sqms.standards.models import ServiceStandard

    ensure(request.user, Area.IMPROVEMENT)
    can_write = access.can_write(request.user)
    form = RaiseRuleForm(request.POST or None)
    status = 200
    if request.method == "POST":
        ensure(request.user, Area.IMPROVEMENT, write=True)
        status = 400
        if form.is_valid():
            try:
                services.raise_rule_save(actor=_actor(request), **form.cleaned_data)
            except (SqmsError, ValidationError) as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("The rule was saved."))
                return redirect("improvement:raise_rule_list")
    rules_by_standard = {r.standard_id: r for r in RaiseRule.objects.all()}
    standards = [
        (s, rules_by_standard.get(s.pk))
        for s in ServiceStandard.objects.filter(archived_at__isnull=True).select_related("service")
    ]
    context = {"form": form, "standards": standards, "can_write": can_write}
    return render(request, "improvement/raise_rule_list.html", context, status=status)
