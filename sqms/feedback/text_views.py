"""Text analytics pages: the analysis of comments, corrections, re-analysis and themes."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sqms.core.access import ensure
from sqms.core.exceptions import SqmsError
from sqms.core.models import User
from sqms.core.redirects import same_site
from sqms.core.roles import Area
from sqms.feedback import text_selectors as sel
from sqms.feedback import text_services as svc
from sqms.feedback.access import can_write
from sqms.feedback.models import Sentiment, SentimentMethod, Theme
from sqms.feedback.text_forms import CorrectionForm, TextFilterForm, ThemeForm

PAGE_SIZE = 25


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _back(request: HttpRequest) -> str:
    return same_site(request, request.POST.get("next")) or reverse("feedback:text_analytics")


@require_GET
def text_analytics(request: HttpRequest) -> HttpResponse:
    ensure(request.user, Area.FEEDBACK)
    form = TextFilterForm(request.GET or None)
    filters = form.filters()
    language = get_language() or "ko"
    dashboard = sel.text_dashboard(user=request.user, filters=filters, language=language)
    themes = {str(t.pk): t.name_for(language) for t in Theme.objects.all()}
    names = {
        **themes,
        sel.UNASSIGNED: _("Unassigned"),
        **{s.value: str(s.label) for s in Sentiment},
    }
    figures = sel.text_figures(
        dashboard,
        titles={
            "themes": _("Share of comments per theme by month (percent)"),
            "sentiment": _("Sentiment of comments by month"),
        },
        names=names,
    )
    page = Paginator(sel.text_annotations(user=request.user, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for ann in page.object_list:
        ann.display_text = sel.annotation_text(ann)  # type: ignore[attr-defined]
    query = request.GET.copy()
    query.pop("page", None)
    write = can_write(request.user)
    context = {
        "form": form,
        "d": dashboard,
        "figures": figures,
        "page": page,
        "query": query.urlencode(),
        "can_write": write,
        "correction_form": CorrectionForm() if write else None,
        "sentiments": Sentiment,
        "methods": dict(SentimentMethod.choices),
        "min_per_class": svc.min_per_class(),
        "theme_names": names,
        "sentiment_cards": [
            (s.label, dashboard.sentiment_counts.get(s.value, 0)) for s in Sentiment
        ],
        "keyword_tables": [
            (_("Keywords (Korean)"), dashboard.keywords_ko),
            (_("Keywords (English)"), dashboard.keywords_en),
        ],
    }
    return render(request, "feedback/text_analytics.html", context)


@require_POST
def text_correct(request: HttpRequest, pk: int) -> HttpResponse:
    ensure(request.user, Area.FEEDBACK)
    annotation = sel.annotations_visible_to(request.user).filter(pk=pk).first()
    if annotation is None:
        raise Http404
    if not can_write(request.user):
        raise PermissionDenied
    form = CorrectionForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            " ".join(str(e) for e in form.non_field_errors())
            or _("Choose a sentiment or a theme."),
        )
        return redirect(_back(request))
    try:
        svc.text_correct(
            actor=_actor(request),
            annotation=annotation,
            sentiment=form.cleaned_data["sentiment"],
            themes=form.themes(),
            reason=form.cleaned_data["reason"],
        )
    except (SqmsError, ValidationError) as exc:
        messages.error(
            request,
            str(exc.messages[0]) if isinstance(exc, ValidationError) else str(exc),
        )
    else:
        messages.success(request, _("The correction was saved; the next training will use it."))
    return redirect(_back(request))


@require_POST
def text_reanalyse(request: HttpRequest) -> HttpResponse:
    ensure(request.user, Area.FEEDBACK, write=True)
    from sqms.feedback.text_tasks import text_reanalyse_task

    text_reanalyse_task(_actor(request).pk)
    messages.success(
        request,
        _("The comments are being analysed again and the model retrained."),
    )
    return redirect(_back(request))


@require_http_methods(["GET", "POST"])
def theme_list(request: HttpRequest) -> HttpResponse:
    ensure(request.user, Area.FEEDBACK, write=True)
    form = ThemeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            theme = svc.theme_create(actor=_actor(request), **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            _relabel_later()
            messages.success(request, _("%(record)s was created.") % {"record": theme})
            return redirect("feedback:theme_list")
    dashboard = sel.text_dashboard(user=request.user, filters=sel.TextFilters())
    context = {
        "form": form,
        "themes": sel.theme_list_with_counts(user=request.user),
        "suggestions": dashboard.suggestions,
    }
    return render(request, "feedback/text_theme_list.html", context)


@require_http_methods(["GET", "POST"])
def theme_edit(request: HttpRequest, pk: int) -> HttpResponse:
    ensure(request.user, Area.FEEDBACK)
    theme = Theme.objects.filter(pk=pk).first()
    if theme is None:
        raise Http404
    ensure(request.user, Area.FEEDBACK, write=True)
    initial = {
        "name_ko": theme.name_ko,
        "name_en": theme.name_en,
        "keywords": ", ".join(theme.keywords or []),
        "active": theme.active,
    }
    form = ThemeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = svc.theme_update(actor=_actor(request), theme=theme, fields=form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            _relabel_later()
            messages.success(request, _("%(record)s was saved.") % {"record": saved})
            return redirect("feedback:theme_list")
    return render(request, "feedback/text_theme_form.html", {"form": form, "object": theme})


def _relabel_later() -> None:
    from sqms.feedback.text_tasks import text_relabel_task

    text_relabel_task()


def _add_errors(form: ThemeForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
