"""Staff pages of the feedback app. Thin: access helpers, selectors and services do the work."""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sqms.core.access import ensure
from sqms.core.exceptions import SqmsError
from sqms.core.models import User
from sqms.core.roles import Area
from sqms.feedback import access, exports, selectors, services
from sqms.feedback.forms import (
    DistributionForm,
    QuestionForm,
    ServqualForm,
    SingleUseForm,
    StatusForm,
    SurveyFilterForm,
    SurveyForm,
)
from sqms.feedback.models import DistributionKind, QuestionKind, Survey, SurveyStatus

PAGE_SIZE = 25


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _add_errors(form: Any, exc: Exception) -> None:
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, str(exc.messages[0] if isinstance(exc, ValidationError) else exc))


def _new_version_note(request: HttpRequest, before: Survey, after: Survey) -> None:
    if before.pk != after.pk:
        messages.info(
            request,
            _("The survey has responses, so the change was made in a new version (v%(v)d).")
            % {"v": after.version},
        )


def public_url(request: HttpRequest, token: str, *, embed: bool = False) -> str:
    name = "feedback:public_embed" if embed else "feedback:public_survey"
    return request.build_absolute_uri(reverse(name, kwargs={"token": token}))


# --- surveys ----------------------------------------------------------------------------------


@require_GET
def survey_list(request: HttpRequest) -> HttpResponse:
    ensure(request.user, Area.FEEDBACK)
    form = SurveyFilterForm(request.GET or None)
    d = form.cleaned_data if form.is_valid() else {}
    qs = selectors.survey_list(q=d.get("q", ""), status=d.get("status", ""))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = selectors.survey_response_counts(
        user=request.user, survey_ids=[s.pk for s in page.object_list]
    )
    for s in page.object_list:
        s.n_responses = counts.get(s.pk, 0)  # type: ignore[attr-defined]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "can_write": access.can_write(request.user),
    }
    return render(request, "feedback/survey_list.html", context)


@require_http_methods(["GET", "POST"])
def survey_create(request: HttpRequest) -> HttpResponse:
    ensure(request.user, Area.FEEDBACK, write=True)
    form = SurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            survey = services.survey_create(actor=_actor(request), **form.cleaned_data)
        except (SqmsError, ValidationError) as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("%(record)s was created.") % {"record": survey})
            return redirect("feedback:survey_detail", pk=survey.pk)
    return render(request, "feedback/survey_form.html", {"form": form, "object": None})


@require_http_methods(["GET", "POST"])
def survey_edit(request: HttpRequest, pk: int) -> HttpResponse:
    survey = access.survey_get_for_user(user=request.user, pk=pk, write=True)
    form = SurveyForm(request.POST or None, instance=Survey.objects.get(pk=survey.pk))
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "code"}
        try:
            saved = services.survey_update(actor=_actor(request), survey=survey, fields=fields)
        except (SqmsError, ValidationError) as exc:
            _add_errors(form, exc)
        else:
            _new_version_note(request, survey, saved)
            messages.success(request, _("%(record)s was saved.") % {"record": saved})
            return redirect("feedback:survey_detail", pk=saved.pk)
    return render(request, "feedback/survey_form.html", {"form": form, "object": survey})


@require_GET
def survey_detail(request: HttpRequest, pk: int) -> HttpResponse:
    survey = access.survey_get_for_user(user=request.user, pk=pk)
    context = {
        "survey": survey,
        "questions": selectors.survey_questions(survey=survey),
        "versions": selectors.survey_versions(survey=survey),
        "has_responses": services.survey_has_responses(survey),
        "can_write": access.can_write(request.user),
        "servqual_form": ServqualForm(),
        "statuses": SurveyStatus,
        "has_servqual": survey.questions.filter(kind=QuestionKind.SERVQUAL).exists(),
    }
    return render(request, "feedback/survey_detail.html", context)


@require_POST
def survey_status(request: HttpRequest, pk: int) -> HttpResponse:
    survey = access.survey_get_for_user(user=request.user, pk=pk, write=True)
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            services.survey_set_status(
                actor=_actor(request), survey=survey, status=form.cleaned_data["status"]
            )
        except SqmsError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The status was changed."))
    else:
        messages.error(request, _("This status change is not allowed."))
    return redirect("feedback:survey_detail", pk=survey.pk)


@require_POST
def survey_revise(request: HttpRequest, pk: int) -> HttpResponse:
    survey = access.survey_get_for_user(user=request.user, pk=pk, write=True)
    try:
        new = services.survey_revise(actor=_actor(request), survey=survey)
    except SqmsError as exc:
        messages.error(request, str(exc))
        return redirect("feedback:survey_detail", pk=survey.pk)
    messages.success(request, _("Version %(v)d was created.") % {"v": new.version})
    return redirect("feedback:survey_detail", pk=new.pk)


# --- questions --------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def question_add(request: HttpRequest, pk: int) -> HttpResponse:
    survey = access.survey_get_for_user(user=request.user, pk=pk, write=True)
    form = QuestionForm(request.POST or None, survey=survey)
    if request.method == "POST" and form.is_valid():
        try:
            q = services.question_add(
                actor=_actor(request), survey=survey, fields=form.fields_for_service()
            )
        except (SqmsError, ValidationError) as exc:
            _add_errors(form, exc)
        else:
            _new_version_note(request, survey, q.survey)
            return redirect("feedback:survey_detail", pk=q.survey_id)
    return render(
        request, "feedback/question_form.html", {"form": form, "survey": survey, "object": None}
    )


@require_http_methods(["GET", "POST"])
def question_edit(request: HttpRequest, pk: int) -> HttpResponse:
    question = access.question_get_for_user(user=request.user, pk=pk, write=True)
    survey = question.survey
    form = QuestionForm(request.POST or None, instance=question, survey=survey)
    if request.method == "POST" and form.is_valid():
        question.refresh_from_db()
        try:
            q = services.question_update(
                actor=_actor(request), question=question, fields=form.fields_for_service()
            )
        except (SqmsError, ValidationError) as exc:
            _add_errors(form, exc)
        else:
            _new_version_note(request, survey, q.survey)
            return redirect("feedback:survey_detail", pk=q.survey_id)
    return render(
        request,
        "feedback/question_form.html",
        {"form": form, "survey": survey, "object": question},
    )


@require_POST
def question_remove(request: HttpRequest, pk: int) -> HttpResponse:
    question = access.question_get_for_user(user=request.user, pk=pk, write=True)
    try:
        target = services.question_remove(actor=_actor(request), question=question)
    except SqmsError as exc:
        messages.error(request, str(exc))
        return redirect("feedback:survey_detail", pk=question.survey_id)
    _new_version_note(request, question.survey, target)
    return redirect("feedback:survey_detail", pk=target.pk)


@require_POST
def question_move(request: HttpRequest, pk: int) -> HttpResponse:
    question = access.question_get_for_user(user=request.user, pk=pk, write=True)
    try:
        target = services.question_move(
            actor=_actor(request), question=question, up=request.POST.get("direction") == "up"
        )
    except SqmsError as exc:
        messages.error(request, str(exc))
        return redirect("feedback:survey_detail", pk=question.survey_id)
    _new_version_note(request, question.survey, target)
    return redirect("feedback:survey_detail", pk=target.pk)


@require_POST
def servqual_add(request: HttpRequest, pk: int) -> HttpResponse:
    survey = access.survey_get_for_user(user=request.user, pk=pk, write=True)
    form = ServqualForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose what to ask."))
        return redirect("feedback:survey_detail", pk=survey.pk)
    try:
        target = services.servqual_battery_add(
            actor=_actor(request), survey=survey, mode=form.cleaned_data["mode"]
        )
    except SqmsError as exc:
        messages.error(request, str(exc))
        return redirect("feedback:survey_detail", pk=survey.pk)
    _new_version_note(request, survey, target)
    messages.success(request, _("The 22 SERVQUAL items were added."))
    return redirect("feedback:survey_detail", pk=target.pk)


# --- distribution -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def distribution_list(request: HttpRequest, pk: int) -> HttpResponse:
    survey = access.survey_get_for_user(user=request.user, pk=pk)
    form = DistributionForm(request.POST or None)
    if request.method == "POST":
        access.survey_get_for_user(user=request.user, pk=pk, write=True)
        if form.is_valid():
            try:
                services.distribution_create(
                    actor=_actor(request), survey=survey, **form.cleaned_data
                )
            except (SqmsError, ValidationError) as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("The link was created."))
                return redirect("feedback:distribution_list", pk=survey.pk)
    qs = selectors.survey_distributions(user=request.user, survey=survey)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    for d in page.object_list:
        d.url = public_url(request, d.token, embed=d.kind == DistributionKind.EMBED)  # type: ignore[attr-defined]
    context = {
        "survey": survey,
        "form": form,
        "page": page,
        "query": "",
        "can_write": access.can_write(request.user),
    }
    return render(request, "feedback/distribution_list.html", context)


@require_http_methods(["GET", "POST"])
def single_use_create(request: HttpRequest, pk: int) -> HttpResponse:
    survey = access.survey_get_for_user(user=request.user, pk=pk, write=True)
    form = SingleUseForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        ctx = services.LinkContext(
            service=d["service"],
            site=d["site"],
            team=d["team"],
            channel=d["channel"],
            agent=d["agent"],
            label=d["label"],
        )
        try:
            created = services.single_use_create_many(
                actor=_actor(request),
                survey=survey,
                contexts=[ctx] * d["count"],
                expires_at=d["expires_at"],
            )
        except (SqmsError, ValidationError) as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("%(n)d links were created.") % {"n": len(created)})
            return redirect("feedback:distribution_list", pk=survey.pk)
    return render(request, "feedback/single_use_form.html", {"form": form, "survey": survey})


@require_POST
def distribution_expire(request: HttpRequest, pk: int) -> HttpResponse:
    distribution = access.distribution_get_for_user(user=request.user, pk=pk, write=True)
    services.distribution_expire(actor=_actor(request), distribution=distribution)
    messages.success(request, _("The link no longer accepts responses."))
    return redirect("feedback:distribution_list", pk=distribution.survey_id)


@require_GET
def distribution_qr(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    import segno

    distribution = access.distribution_get_for_user(user=request.user, pk=pk)
    qr = segno.make(public_url(request, distribution.token), error="m")
    buffer = io.BytesIO()
    if fmt == "svg":
        qr.save(buffer, kind="svg", scale=8, border=2, title=str(distribution.survey))
        content_type = "image/svg+xml"
    elif fmt == "png":
        qr.save(buffer, kind="png", scale=10, border=2)
        content_type = "image/png"
    else:
        raise Http404
    response = HttpResponse(buffer.getvalue(), content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="survey-{distribution.pk}.{fmt}"'
    return response


# --- responses and analysis -------------------------------------------------------------------


@require_GET
def response_list(request: HttpRequest, pk: int) -> HttpResponse:
    survey = access.survey_get_for_user(user=request.user, pk=pk)
    qs = selectors.survey_responses(user=request.user, survey=survey)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "feedback/response_list.html", {"survey": survey, "page": page, "query": ""}
    )


@require_GET
def response_detail(request: HttpRequest, pk: int) -> HttpResponse:
    response = access.response_get_for_user(user=request.user, pk=pk)
    context = {
        "response": response,
        "survey": response.survey,
        "answers": selectors.response_answers(response=response),
        "can_write": access.can_write(request.user),
    }
    return render(request, "feedback/response_detail.html", context)


@require_GET
def survey_analysis(request: HttpRequest, pk: int) -> HttpResponse:
    survey = access.survey_get_for_user(user=request.user, pk=pk)
    analysis = selectors.survey_analysis(user=request.user, survey=survey)
    titles = {
        QuestionKind.NPS: _("Net Promoter Score (NPS) by month, with 95 percent intervals"),
        QuestionKind.CSAT: _(
            "Customer satisfaction (CSAT, share satisfied) by month, with 95 percent intervals"
        ),
        QuestionKind.CES: _(
            "Customer Effort Score (CES, share agreeing) by month, with 95 percent intervals"
        ),
        "servqual": _("SERVQUAL gap (perception − expectation) by dimension"),
    }
    context = {
        "survey": survey,
        "a": analysis,
        "figures": selectors.analysis_figures(analysis, titles),
        "alpha_warning": selectors.ALPHA_WARNING,
        "groups": [
            (_("By service"), analysis.by_service),
            (_("By site"), analysis.by_site),
            (_("By agent"), analysis.by_agent),
        ],
    }
    return render(request, "feedback/survey_analysis.html", context)


@require_GET
def response_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponseBase:
    survey = access.survey_get_for_user(user=request.user, pk=pk)
    if fmt not in ("csv", "xlsx"):
        raise Http404
    header, rows = exports.response_table(
        user=request.user, survey=survey, with_contact=access.can_write(request.user)
    )
    filename = f"{survey.code}-v{survey.version}-responses.{fmt}"
    if fmt == "csv":
        from sqms.core.csvexport import csv_response

        return csv_response(filename=filename, header=header, rows=rows)
    return exports.xlsx_response(filename=filename, header=header, rows=rows)
