"""Document-control pages. Thin: access helpers, selectors and services do the work."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sqms.core.access import ensure
from sqms.core.exceptions import SqmsError
from sqms.core.models import User
from sqms.core.ratelimit import too_many_requests
from sqms.core.roles import Area, Role
from sqms.core.selectors import audit_entries_for_object
from sqms.documents import access, rules, selectors, services
from sqms.documents.content import diff_table, render_markdown
from sqms.documents.forms import (
    DocumentFilterForm,
    DocumentForm,
    PublishForm,
    RevisionEditForm,
    RevisionStartForm,
    SignForm,
    TransitionForm,
)
from sqms.documents.models import Revision, RevisionStatus

PAGE_SIZE = 25


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _add_errors(form: Any, exc: Exception) -> None:
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, str(exc.messages[0] if isinstance(exc, ValidationError) else exc))


def _to_revision(revision: Revision) -> HttpResponse:
    url = reverse("documents:document_detail", kwargs={"pk": revision.document_id})
    return redirect(f"{url}?rev={revision.number}")


# --- documents --------------------------------------------------------------------------------


@require_GET
def document_list(request: HttpRequest) -> HttpResponse:
    ensure(request.user, Area.DOCUMENTS)
    form = DocumentFilterForm(request.GET or None)
    qs = selectors.document_list(user=request.user, filters=form.to_filter())
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "can_write": access.can_write(request.user),
        "statuses": RevisionStatus.choices,
    }
    return render(request, "documents/document_list.html", context)


@require_http_methods(["GET", "POST"])
def document_create(request: HttpRequest) -> HttpResponse:
    ensure(request.user, Area.DOCUMENTS, write=True)
    form = DocumentForm(request.POST or None, initial={"owner": request.user.pk})
    if request.method == "POST" and form.is_valid():
        try:
            document = services.document_create(actor=_actor(request), **form.cleaned_data)
        except (SqmsError, ValidationError) as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("%(record)s was created.") % {"record": document})
            return redirect("documents:document_detail", pk=document.pk)
    return render(request, "documents/document_form.html", {"form": form, "object": None})


@require_http_methods(["GET", "POST"])
def document_edit(request: HttpRequest, pk: int) -> HttpResponse:
    document = access.document_get_for_user(user=request.user, pk=pk, write=True)
    form = DocumentForm(request.POST or None, instance=document)
    if request.method == "POST" and form.is_valid():
        try:
            services.document_update(
                actor=_actor(request), document=document, fields=form.cleaned_data
            )
        except (SqmsError, ValidationError) as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("%(record)s was saved.") % {"record": document})
            return redirect("documents:document_detail", pk=document.pk)
    return render(request, "documents/document_form.html", {"form": form, "object": document})


@require_GET
def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    document = access.document_get_for_user(user=request.user, pk=pk)
    revisions = selectors.document_revisions(user=request.user, document=document)
    shown: Revision | None = None
    if request.GET.get("rev", "").isdigit():
        shown = next((r for r in revisions if r.number == int(request.GET["rev"])), None)
        if shown is None:
            raise Http404
    shown = shown or next((r for r in revisions if r.status == RevisionStatus.PUBLISHED), None)
    if shown is None and revisions and access.can_write(request.user):
        shown = revisions[0]
    tab = "history" if request.GET.get("tab") == "history" else "details"
    context = {
        "document": document,
        "revisions": revisions,
        "shown": shown,
        "body": render_markdown(shown.body) if shown else "",
        "signatures": selectors.revision_signatures(revision=shown) if shown else [],
        "campaigns": selectors.campaigns_for_revision(revision=shown) if shown else [],
        "changes": selectors.revision_status_changes(revision=shown) if shown else [],
        "files": list(shown.files.all()) if shown else [],
        "manual": sorted(rules.MANUAL.get(shown.status, ())) if shown else [],
        "tab": tab,
        "history": audit_entries_for_object(obj=document) if tab == "history" else None,
        "can_write": access.can_write(request.user),
        "transition_form": TransitionForm(),
    }
    return render(request, "documents/document_detail.html", context)


@require_POST
def document_review(request: HttpRequest, pk: int) -> HttpResponse:
    document = access.document_get_for_user(user=request.user, pk=pk, write=True)
    services.document_review_done(actor=_actor(request), document=document)
    messages.success(request, _("The periodic review was recorded."))
    return redirect("documents:document_detail", pk=document.pk)


@require_GET
def document_diff(request: HttpRequest, pk: int) -> HttpResponse:
    document = access.document_get_for_user(user=request.user, pk=pk)
    revisions = selectors.document_revisions(user=request.user, document=document)
    by_number = {r.number: r for r in revisions}
    numbers = sorted(by_number)

    def pick(key: str, default: int | None) -> Revision | None:
        raw = request.GET.get(key, "")
        return by_number.get(int(raw)) if raw.isdigit() else by_number.get(default or -1)

    new = pick("b", numbers[-1] if numbers else None)
    old = pick("a", numbers[-2] if len(numbers) > 1 else None)
    table = None
    if old and new:
        table = diff_table(
            old.body,
            new.body,
            _("Revision %(n)s") % {"n": old.number},
            _("Revision %(n)s") % {"n": new.number},
        )
    context = {"document": document, "revisions": revisions, "old": old, "new": new, "table": table}
    return render(request, "documents/document_diff.html", context)


# --- revisions --------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def revision_create(request: HttpRequest, pk: int) -> HttpResponse:
    document = access.document_get_for_user(user=request.user, pk=pk, write=True)
    form = RevisionStartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            revision = services.revision_start(
                actor=_actor(request),
                document=document,
                change_summary=form.cleaned_data["change_summary"],
            )
        except SqmsError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Revision %(n)s was started.") % {"n": revision.number})
            return redirect("documents:revision_edit", pk=revision.pk)
    return render(request, "documents/revision_create.html", {"form": form, "document": document})


@require_http_methods(["GET", "POST"])
def revision_edit(request: HttpRequest, pk: int) -> HttpResponse:
    revision = access.revision_get_for_user(user=request.user, pk=pk, write=True)
    initial = {"body": revision.body, "change_summary": revision.change_summary}
    form = RevisionEditForm(request.POST or None, request.FILES or None, initial=initial)
    if not revision.is_editable:
        form.add_error(
            None,
            _(
                "Revision %(n)s is %(status)s and can no longer be changed. "
                "Start a new revision to change the document."
            )
            % {"n": revision.number, "status": revision.get_status_display()},
        )
    elif request.method == "POST" and form.is_valid():
        try:
            actor = _actor(request)
            services.revision_update(
                actor=actor,
                revision=revision,
                body=form.cleaned_data["body"],
                change_summary=form.cleaned_data["change_summary"],
            )
            if form.cleaned_data.get("file"):
                services.revision_file_add(
                    actor=actor, revision=revision, upload=form.cleaned_data["file"]
                )
        except (SqmsError, ValidationError) as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The draft was saved."))
            return redirect("documents:revision_edit", pk=revision.pk)
    context = {
        "form": form,
        "revision": revision,
        "document": revision.document,
        "files": list(revision.files.all()),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "documents/revision_edit.html", context, status=status)


@require_POST
def revision_transition(request: HttpRequest, pk: int) -> HttpResponse:
    revision = access.revision_get_for_user(user=request.user, pk=pk, write=True)
    form = TransitionForm(request.POST)
    if form.is_valid() and form.cleaned_data["to"] in rules.MANUAL.get(revision.status, ()):
        try:
            services.revision_transition(
                actor=_actor(request),
                revision=revision,
                to=form.cleaned_data["to"],
                reason=form.cleaned_data["reason"],
            )
        except SqmsError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The status was changed."))
    else:
        messages.error(request, _("This status change is not possible."))
    return _to_revision(revision)


@require_http_methods(["GET", "POST"])
def revision_sign(request: HttpRequest, pk: int) -> HttpResponse:
    revision = access.revision_get_for_user(user=request.user, pk=pk, write=True)
    rule = rules.rule_for(revision.document.doc_type)
    actor = _actor(request)
    form = SignForm(
        request.POST or None, initial={"printed_name": actor.get_full_name() or actor.username}
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.revision_sign(actor=actor, revision=revision, **form.cleaned_data)
            except services.SigningThrottled:
                return too_many_requests(request)
            except SqmsError as exc:
                form.add_error(
                    "password" if isinstance(exc, services.WrongPassword) else None, str(exc)
                )
            else:
                messages.success(request, _("The revision was signed."))
                return _to_revision(revision)
    context = {
        "form": form,
        "revision": revision,
        "document": revision.document,
        "content_hash": services.revision_current_hash(revision),
        "body": render_markdown(revision.body),
        "rule": rule,
        "reviewers": ", ".join(str(Role(r).label) for r in Role.values if r in rule.reviewers),
        "approvers": ", ".join(str(Role(r).label) for r in Role.values if r in rule.approvers),
    }
    return render(request, "documents/revision_sign.html", context, status=status)


@require_http_methods(["GET", "POST"])
def revision_publish(request: HttpRequest, pk: int) -> HttpResponse:
    revision = access.revision_get_for_user(user=request.user, pk=pk, write=True)
    form = PublishForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                campaign = services.revision_publish(
                    actor=_actor(request), revision=revision, **form.cleaned_data
                )
            except SqmsError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("The revision was published."))
                if campaign is not None:
                    return redirect("documents:campaign_detail", pk=campaign.pk)
                return _to_revision(revision)
    context = {"form": form, "revision": revision, "document": revision.document}
    return render(request, "documents/revision_publish.html", context, status=status)


@require_GET
def file_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    attached = access.revision_file_get_for_user(user=request.user, pk=pk)
    try:
        handle = attached.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(
        handle, as_attachment=True, filename=attached.original_name, content_type=attached.mime
    )


@require_POST
def file_remove(request: HttpRequest, pk: int) -> HttpResponse:
    attached = access.revision_file_get_for_user(user=request.user, pk=pk, write=True)
    try:
        services.revision_file_remove(actor=_actor(request), attached=attached)
    except SqmsError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("%(name)s was removed.") % {"name": attached.original_name})
    return redirect("documents:revision_edit", pk=attached.revision_id)


# --- acknowledgements ---------------------------------------------------------------------------


@require_GET
def acknowledgement_list(request: HttpRequest) -> HttpResponse:
    ensure(request.user, Area.DOCUMENTS)
    rows = list(selectors.acknowledgements_for_user(user=request.user))
    context = {
        "open": [a for a in rows if a.acknowledged_at is None],
        "done": [a for a in rows if a.acknowledged_at is not None],
    }
    return render(request, "documents/acknowledgement_list.html", context)


@require_POST
def acknowledgement_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    ack = access.acknowledgement_get_for_user(user=request.user, pk=pk)
    services.acknowledgement_confirm(actor=_actor(request), acknowledgement=ack)
    messages.success(
        request,
        _("Thank you: you confirmed that you read and understood %(document)s.")
        % {"document": ack.campaign.revision.document},
    )
    return redirect("documents:acknowledgement_list")


@require_GET
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = access.campaign_get_for_user(user=request.user, pk=pk)
    context = {
        "campaign": campaign,
        "revision": campaign.revision,
        "document": campaign.revision.document,
        "report": selectors.campaign_report(campaign=campaign),
    }
    return render(request, "documents/campaign_detail.html", context)
