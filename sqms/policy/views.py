"""Pages of the policy app: the quality policy, objectives and management reviews. Thin views."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_datetime
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sqms.core.access import ensure
from sqms.core.exceptions import SqmsError
from sqms.core.models import User
from sqms.core.ratelimit import too_many_requests
from sqms.core.roles import Area
from sqms.core.selectors import audit_entries_for_object
from sqms.documents import selectors as document_selectors
from sqms.documents.content import render_markdown
from sqms.policy import access, rules, selectors, services
from sqms.policy.forms import (
    ArchiveForm,
    CommitmentForm,
    MinutesForm,
    ObjectiveForm,
    ReviewActionForm,
    ReviewForm,
    SignForm,
)
from sqms.policy.models import Commitment, Objective, Review, ReviewStatus
from sqms.policy.pdf import review_pdf
from sqms.policy.present import pack_sections


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _add_errors(form: Any, exc: Exception) -> None:
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, str(exc.messages[0] if isinstance(exc, ValidationError) else exc))


def _lang_en() -> bool:
    return (get_language() or "").startswith("en")


# --- the quality policy -----------------------------------------------------------------------


@require_GET
def policy(request: HttpRequest) -> HttpResponse:
    ensure(request.user, Area.POLICY)
    document = selectors.policy_document()
    revision = document_selectors.published_revision(document=document) if document else None
    context = {
        "document": document,
        "revision": revision,
        "body": render_markdown(revision.body) if revision else "",
        "signatures": document_selectors.revision_signatures(revision=revision) if revision else [],
        "ack": selectors.acknowledgement_rate(revision=revision) if revision else None,
        "commitments": selectors.commitments_for(document=document) if document else [],
        "can_write": access.can_write(request.user),
        "lang_en": _lang_en(),
    }
    return render(request, "policy/policy.html", context)


@require_http_methods(["GET", "POST"])
def commitment_create(request: HttpRequest) -> HttpResponse:
    ensure(request.user, Area.POLICY, write=True)
    document = selectors.policy_document()
    form = CommitmentForm(request.POST or None)
    if document is None:
        form.add_error(None, _("Create a controlled document of type policy first."))
    elif request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        objectives = data.pop("objectives")
        try:
            services.commitment_create(
                actor=_actor(request), document=document, objectives=objectives, **data
            )
        except (SqmsError, ValidationError) as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The commitment was added."))
            return redirect("policy:policy")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "policy/commitment_form.html", {"form": form, "object": None}, status=status
    )


@require_http_methods(["GET", "POST"])
def commitment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    commitment = access.commitment_get_for_user(user=request.user, pk=pk, write=True)
    form = CommitmentForm(request.POST or None, instance=commitment)
    archive = ArchiveForm(request.POST or None, prefix="archive")
    if request.method == "POST" and "archive-reason" in request.POST:
        if archive.is_valid():
            services.commitment_archive(
                actor=_actor(request), commitment=commitment, reason=archive.cleaned_data["reason"]
            )
            messages.success(request, _("The commitment was removed from the policy."))
            return redirect("policy:policy")
    elif request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        objectives = data.pop("objectives")
        try:
            services.commitment_update(
                actor=_actor(request), commitment=commitment, fields=data, objectives=objectives
            )
        except (SqmsError, ValidationError) as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The commitment was saved."))
            return redirect("policy:policy")
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "object": commitment, "archive": archive}
    return render(request, "policy/commitment_form.html", context, status=status)


# --- objectives -------------------------------------------------------------------------------


def _rule_text() -> str:
    return _(
        "On track: progress is at least the share of time elapsed minus %(slack)s points. "
        "Off track: progress lags the share of time elapsed by more than %(lag)s points, or the "
        "deadline passed before the target was reached. At risk: in between. No data: the "
        "standard has no results for this segment in the last %(days)s days."
    ) % {
        "slack": int(rules.ON_TRACK_SLACK),
        "lag": int(rules.OFF_TRACK_LAG),
        "days": rules.CURRENT_WINDOW_DAYS,
    }


@require_GET
def objective_list(request: HttpRequest) -> HttpResponse:
    ensure(request.user, Area.POLICY)
    include_closed = request.GET.get("all") == "1"
    objectives = selectors.objective_list(user=request.user, include_closed=include_closed)
    context = {
        "rows": selectors.objective_tree(objectives=objectives),
        "include_closed": include_closed,
        "can_write": access.can_write(request.user),
        "rule": _rule_text(),
        "lang_en": _lang_en(),
    }
    return render(request, "policy/objective_list.html", context)


@require_http_methods(["GET", "POST"])
def objective_create(request: HttpRequest) -> HttpResponse:
    ensure(request.user, Area.POLICY, write=True)
    initial: dict[str, Any] = {"owner": request.user.pk}
    if request.GET.get("parent", "").isdigit():
        initial["parent"] = int(request.GET["parent"])
    form = ObjectiveForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "status"}
        try:
            objective = services.objective_create(actor=_actor(request), **data)
        except (SqmsError, ValidationError) as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("%(record)s was created.") % {"record": objective})
            return redirect("policy:objective_detail", pk=objective.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "policy/objective_form.html", {"form": form, "object": None}, status=status
    )


@require_GET
def objective_detail(request: HttpRequest, pk: int) -> HttpResponse:
    objective = access.objective_get_for_user(user=request.user, pk=pk)
    progress = selectors.objective_progress(objective=objective, with_points=True)
    tab = "history" if request.GET.get("tab") == "history" else "details"
    children = list(
        access.objectives_visible_to(request.user).filter(
            parent=objective, archived_at__isnull=True
        )
    )
    context = {
        "objective": objective,
        "progress": progress,
        "figure": selectors.objective_figure(
            objective=objective,
            progress=progress,
            labels={"plan": _("Planned path"), "actual": _("Actual (weekly)")},
        ),
        "children": children,
        "commitments": list(
            Commitment.objects.filter(objectives=objective, archived_at__isnull=True)
        ),
        "tab": tab,
        "history": audit_entries_for_object(obj=objective) if tab == "history" else None,
        "can_write": access.can_write(request.user),
        "rule": _rule_text(),
        "archive": ArchiveForm(prefix="archive"),
        "unit": objective.standard.metric.get_unit_display(),
    }
    return render(request, "policy/objective_detail.html", context)


@require_http_methods(["GET", "POST"])
def objective_edit(request: HttpRequest, pk: int) -> HttpResponse:
    objective = access.objective_get_for_user(user=request.user, pk=pk, write=True)
    form = ObjectiveForm(request.POST or None, instance=Objective.objects.get(pk=objective.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.objective_update(
                actor=_actor(request), objective=objective, fields=dict(form.cleaned_data)
            )
        except (SqmsError, ValidationError) as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("%(record)s was saved.") % {"record": objective})
            return redirect("policy:objective_detail", pk=objective.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "policy/objective_form.html", {"form": form, "object": objective}, status=status
    )


@require_POST
def objective_archive(request: HttpRequest, pk: int) -> HttpResponse:
    objective = access.objective_get_for_user(user=request.user, pk=pk, write=True)
    form = ArchiveForm(request.POST, prefix="archive")
    if not form.is_valid():
        messages.error(request, _("Please give a reason."))
        return redirect("policy:objective_detail", pk=objective.pk)
    try:
        services.objective_archive(
            actor=_actor(request), objective=objective, reason=form.cleaned_data["reason"]
        )
    except SqmsError as exc:
        messages.error(request, str(exc))
        return redirect("policy:objective_detail", pk=objective.pk)
    messages.success(request, _("%(record)s was archived.") % {"record": objective})
    return redirect("policy:objective_list")


# --- management reviews -----------------------------------------------------------------------


@require_GET
def review_list(request: HttpRequest) -> HttpResponse:
    ensure(request.user, Area.POLICY)
    context = {"reviews": selectors.review_list(), "can_write": access.can_write(request.user)}
    return render(request, "policy/review_list.html", context)


@require_http_methods(["GET", "POST"])
def review_create(request: HttpRequest) -> HttpResponse:
    ensure(request.user, Area.POLICY, write=True)
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        attendees = data.pop("attendees")
        try:
            review = services.review_create(actor=_actor(request), attendees=attendees, **data)
        except (SqmsError, ValidationError) as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("%(record)s was created.") % {"record": review})
            return redirect("policy:review_detail", pk=review.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "policy/review_form.html", {"form": form, "object": None}, status=status)


@require_http_methods(["GET", "POST"])
def review_edit(request: HttpRequest, pk: int) -> HttpResponse:
    review = access.review_get_for_user(user=request.user, pk=pk, write=True)
    form = ReviewForm(request.POST or None, instance=Review.objects.get(pk=review.pk))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        attendees = data.pop("attendees")
        try:
            services.review_update(
                actor=_actor(request), review=review, fields=data, attendees=attendees
            )
        except (SqmsError, ValidationError) as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("%(record)s was saved.") % {"record": review})
            return redirect("policy:review_detail", pk=review.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "policy/review_form.html", {"form": form, "object": review}, status=status
    )


def _review_context(request: HttpRequest, review: Review) -> dict[str, Any]:
    pack = selectors.review_pack(review=review)
    return {
        "review": review,
        "pack": pack,
        "sections": pack_sections(pack, lang_en=_lang_en()),
        "compiled_at": parse_datetime(str(pack.get("compiled_at", ""))),
        "actions": list(services.review_action_qs(review).select_related("owner")),
        "signatures": selectors.review_signatures(review=review),
        "attendees": list(review.attendees.order_by("username")),
        "other_attendees": [n.strip() for n in review.other_attendees.splitlines() if n.strip()],
        "can_write": access.can_write(request.user),
        "minutes_html": render_markdown(review.minutes),
        "decisions_html": render_markdown(review.decisions),
    }


@require_GET
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    review = access.review_get_for_user(user=request.user, pk=pk)
    tab = "history" if request.GET.get("tab") == "history" else "details"
    context = _review_context(request, review) | {
        "tab": tab,
        "history": audit_entries_for_object(obj=review) if tab == "history" else None,
    }
    return render(request, "policy/review_detail.html", context)


@require_POST
def review_hold(request: HttpRequest, pk: int) -> HttpResponse:
    review = access.review_get_for_user(user=request.user, pk=pk, write=True)
    try:
        services.review_hold(actor=_actor(request), review=review)
    except SqmsError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("The meeting was recorded as held; the review pack is now frozen.")
        )
    return redirect("policy:review_detail", pk=review.pk)


@require_http_methods(["GET", "POST"])
def review_minutes(request: HttpRequest, pk: int) -> HttpResponse:
    review = access.review_get_for_user(user=request.user, pk=pk, write=True)
    initial = {"minutes": review.minutes, "decisions": review.decisions}
    form = MinutesForm(request.POST or None, initial=initial)
    if review.status == ReviewStatus.DRAFT:
        form.add_error(None, _("Record the minutes once the meeting has been held."))
    elif request.method == "POST" and form.is_valid():
        was_signed = review.status == ReviewStatus.SIGNED
        try:
            review = services.review_minutes_update(
                actor=_actor(request), review=review, **form.cleaned_data
            )
        except (SqmsError, ValidationError) as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The minutes were saved."))
            if was_signed and review.status != ReviewStatus.SIGNED:
                messages.warning(
                    request,
                    _("The minutes changed after signing: the signature is no longer valid."),
                )
            return redirect("policy:review_detail", pk=review.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "policy/review_minutes.html", {"form": form, "review": review}, status=status
    )


@require_http_methods(["GET", "POST"])
def review_action_create(request: HttpRequest, pk: int) -> HttpResponse:
    review = access.review_get_for_user(user=request.user, pk=pk, write=True)
    form = ReviewActionForm(request.POST or None)
    if review.status == ReviewStatus.DRAFT:
        form.add_error(None, _("Record the minutes once the meeting has been held."))
    elif request.method == "POST" and form.is_valid():
        try:
            services.review_action_create(actor=_actor(request), review=review, **form.cleaned_data)
        except (SqmsError, ValidationError) as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The action was added."))
            return redirect("policy:review_detail", pk=review.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "policy/review_action_form.html", {"form": form, "review": review}, status=status
    )


@require_http_methods(["GET", "POST"])
def review_sign(request: HttpRequest, pk: int) -> HttpResponse:
    review = access.review_get_for_user(user=request.user, pk=pk, write=True)
    actor = _actor(request)
    form = SignForm(
        request.POST or None, initial={"printed_name": actor.get_full_name() or actor.username}
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.review_sign(actor=actor, review=review, **form.cleaned_data)
            except services.SigningThrottled:
                return too_many_requests(request)
            except SqmsError as exc:
                form.add_error(
                    "password" if isinstance(exc, services.WrongPassword) else None, str(exc)
                )
            else:
                messages.success(request, _("The minutes were signed."))
                return redirect("policy:review_detail", pk=review.pk)
    context = _review_context(request, review) | {
        "form": form,
        "content_hash": services.minutes_hash(review),
    }
    return render(request, "policy/review_sign.html", context, status=status)


@require_GET
def review_pdf_view(request: HttpRequest, pk: int) -> HttpResponse:
    review = access.review_get_for_user(user=request.user, pk=pk)
    data = review_pdf(
        review=review,
        pack=selectors.review_pack(review=review),
        actions=list(services.review_action_qs(review).select_related("owner")),
        signatures=selectors.review_signatures(review=review),
    )
    response = HttpResponse(data, content_type="application/pdf")
    name = f"management-review-{review.meeting_date.isoformat()}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
