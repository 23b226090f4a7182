"""Public survey pages: no login, the respondent's language, plain POST without JavaScript.

Abuse protection: a per-IP rate limit on submissions, a honeypot field, single-use links,
size limits (in `services.answers_clean`). The IP address is stored only as a salted hash.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csp import csp_override
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from sqms.core.ratelimit import client_ip, hit
from sqms.feedback import prepared, services
from sqms.feedback.models import Distribution, Question, QuestionKind, Survey, SurveyStatus

HONEYPOT = "website"
RATE_LIMIT = 30
RATE_WINDOW = 600
LANGS = ("ko", "en")
LINK_TTL = 10.0  # seconds a kept link serves, e.g. its title on the embedded thank-you page
QUESTIONS_TTL = 60.0
KEPT_MAX = 256

EMBED_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "frame-ancestors": ["*"],
    "form-action": ["'self'"],
}


def _distribution(token: str) -> Distribution:
    found = (
        Distribution.objects.select_related("survey").filter(token=token[:64]).first()
        if token
        else None
    )
    if found is None or found.survey.status == SurveyStatus.DRAFT:
        raise Http404
    return found


# Kept in process memory after a response through them has committed here, so that the next
# respondents' submits skip reading them:
# - a shared link with its survey, for LINK_TTL seconds; the insert checks in the same statement
#   that both are unchanged and open (`prepared.response_insert(guard=...)`);
# - the questions of a survey version with responses, which are never changed (services make a
#   new version instead); keyed by the version's creation time too, as a test database reuses
#   ids. QUESTIONS_TTL bounds what an edit racing the first response could leave unseen.
_links_kept: dict[str, tuple[float, Distribution]] = {}
_questions_kept: dict[tuple[int, dt.datetime], tuple[float, list[Question]]] = {}


def _kept_link(token: str) -> Distribution | None:
    kept = _links_kept.get(token)
    return kept[1] if kept is not None and kept[0] > time.monotonic() else None


def _kept_questions(survey: Survey) -> list[Question] | None:
    kept = _questions_kept.get((survey.pk, survey.created_at))
    return kept[1] if kept is not None and kept[0] > time.monotonic() else None


def _questions(survey: Survey) -> list[Question]:
    kept = _kept_questions(survey)
    return kept if kept is not None else list(survey.questions.order_by("order", "pk"))


def _keep(link: Distribution, questions: list[Question]) -> None:
    """After a commit: keep a shared link and its survey's questions."""
    if link.is_single_use:
        return
    at = time.monotonic()
    for kept in (_links_kept, _questions_kept):
        if len(kept) >= KEPT_MAX:
            kept.clear()
    _links_kept[link.token] = (at + LINK_TTL, link)
    survey = link.survey
    if _kept_questions(survey) is None:
        _questions_kept[(survey.pk, survey.created_at)] = (at + QUESTIONS_TTL, questions)


def _language(request: HttpRequest) -> str:
    asked = request.GET.get("lang") or request.POST.get("lang") or ""
    if asked in LANGS:
        return asked
    current = translation.get_language() or "ko"
    return current[:2] if current[:2] in LANGS else "ko"


@dataclass
class Option:
    value: str
    label: str
    checked: bool


@dataclass
class Item:
    key: str
    number: int
    text: str
    kind: str
    required: bool
    options: list[Option] = field(default_factory=list)
    expectation: list[Option] = field(default_factory=list)
    multiple: bool = False
    text_value: str = ""
    error: str = ""
    expectation_error: str = ""
    note: str = ""
    low_label: str = ""
    high_label: str = ""


def _scale_options(low: int, high: int, picked: str) -> list[Option]:
    return [Option(str(n), str(n), str(n) == picked) for n in range(low, high + 1)]


def _items(
    questions: list[Question], lang: str, raw: dict[str, list[str]], errors: dict[str, str]
) -> list[Item]:
    numbers = {q.pk: n for n, q in enumerate(questions, start=1)}
    out = []
    for n, q in enumerate(questions, start=1):
        key = f"q{q.pk}"
        picked = raw.get(key, [])
        item = Item(
            key=key,
            number=n,
            text=q.text_for(lang),
            kind=q.kind,
            required=q.required,
            error=errors.get(key, ""),
            expectation_error=errors.get(f"{key}_e", ""),
        )
        if q.scale:
            low, high = q.scale
            item.options = _scale_options(low, high, picked[0] if picked else "")
            if q.is_pair:
                e = raw.get(f"{key}_e", [])
                item.expectation = _scale_options(low, high, e[0] if e else "")
            if q.kind == QuestionKind.NPS:
                item.low_label, item.high_label = _("Not at all likely"), _("Extremely likely")
            elif q.kind == QuestionKind.CES or q.kind == QuestionKind.SERVQUAL:
                item.low_label, item.high_label = _("Strongly disagree"), _("Strongly agree")
            else:
                item.low_label, item.high_label = _("Very dissatisfied"), _("Very satisfied")
        elif q.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            item.multiple = q.kind == QuestionKind.MULTIPLE
            item.options = [Option(v, label, v in picked) for v, label in q.choice_labels(lang)]
        else:
            item.text_value = picked[0] if picked else ""
        if q.show_if_id is not None and q.show_if_max is not None:
            item.note = _(
                "Answer this only if you gave question %(n)d a score of %(max)d or lower."
            ) % {"n": numbers.get(q.show_if_id, 0), "max": q.show_if_max}
        out.append(item)
    return out


def _problem_page(request: HttpRequest, problem: str, lang: str, *, embed: bool) -> HttpResponse:
    status = 200 if problem == "used" else 410
    return render(
        request,
        "feedback/public_unavailable.html",
        {"problem": problem, "lang": lang, "embed": embed},
        status=status,
    )


def _raw(request: HttpRequest) -> dict[str, list[str]]:
    return {k: [str(v)[: services.MAX_TEXT + 1] for v in vs] for k, vs in request.POST.lists()}


def _within_limit(request: HttpRequest) -> bool:
    return hit(scope="survey", key=client_ip(request), limit=RATE_LIMIT, window_seconds=RATE_WINDOW)


def _limited(request: HttpRequest, lang: str, embed: bool) -> HttpResponse:
    return render(
        request, "feedback/public_limited.html", {"lang": lang, "embed": embed}, status=429
    )


def _submit(
    request: HttpRequest,
    distribution: Distribution,
    questions: list[Question],
    raw: dict[str, list[str]],
    lang: str,
    *,
    embed: bool,
    kept: bool,
) -> HttpResponse:
    """Store the response (raises like `services.response_submit`); the thank-you."""
    # A URL, not a view name: `redirect()` would first try (and fail) to reverse it.
    thanks = HttpResponseRedirect(
        reverse("feedback:public_thanks", kwargs={"token": distribution.token}) + f"?lang={lang}"
    )
    if request.POST.get(HONEYPOT):
        # A bot filled the hidden field: it sees the usual thank-you, nothing is stored.
        return thanks
    services.response_submit(
        distribution=distribution,
        raw=raw,
        language=lang,
        ip=client_ip(request),
        questions=questions,
        defer_effects=True,
        kept_link=kept,
    )
    if not kept:
        transaction.on_commit(lambda: _keep(distribution, questions))
    if embed:
        return render(
            request,
            "feedback/public_thanks.html",
            {"lang": lang, "embed": True, "survey": distribution.survey},
        )
    return thanks


def _survey_page(request: HttpRequest, token: str, *, embed: bool) -> HttpResponse:
    lang = _language(request)
    counted = False
    kept = _kept_link(token[:64]) if request.method == "POST" else None
    if kept is not None:
        if not _within_limit(request):
            return _limited(request, lang, embed)
        counted = True
        with translation.override(lang):
            try:
                questions = _questions(kept.survey)
                return _submit(
                    request, kept, questions, _raw(request), lang, embed=embed, kept=True
                )
            except (prepared.LinkChanged, services.LinkUnavailable, services.AnswersInvalid):
                # Changed, closed or answered wrongly: answer from the link as it is now.
                _links_kept.pop(kept.token, None)
    distribution = _distribution(token)
    with translation.override(lang):
        problem = services.link_problem(distribution)
        if problem:
            return _problem_page(request, problem, lang, embed=embed)
        survey = distribution.survey
        questions = _questions(survey)
        raw: dict[str, list[str]] = {}
        errors: dict[str, str] = {}
        if request.method == "POST":
            if not counted and not _within_limit(request):
                return _limited(request, lang, embed)
            raw = _raw(request)
            try:
                return _submit(request, distribution, questions, raw, lang, embed=embed, kept=False)
            except services.LinkUnavailable as exc:
                return _problem_page(request, exc.reason, lang, embed=embed)
            except services.AnswersInvalid as exc:
                errors = exc.errors
        context = {
            "survey": survey,
            "title": survey.title_for(lang),
            "intro": survey.intro_for(lang),
            "items": _items(questions, lang, raw, errors),
            "errors": errors,
            "contact": {
                k: (raw.get(k) or [""])[0]
                for k in ("contact_name", "contact_phone", "contact_email")
            },
            "consent_checked": bool(raw.get("consent")),
            "lang": lang,
            "other_lang": "en" if lang == "ko" else "ko",
            "embed": embed,
            "honeypot": HONEYPOT,
            "max_text": services.MAX_TEXT,
            "single_use": distribution.is_single_use,
        }
        status = 400 if errors else 200
        return render(request, "feedback/public_survey.html", context, status=status)


@login_not_required
@require_http_methods(["GET", "POST"])
def public_survey(request: HttpRequest, token: str) -> HttpResponse:
    return _survey_page(request, token, embed=False)


@login_not_required
@csrf_exempt  # framed on other sites, where the CSRF cookie is not sent; see module docstring
@xframe_options_exempt
@csp_override(EMBED_CSP)
@require_http_methods(["GET", "POST"])
def public_embed(request: HttpRequest, token: str) -> HttpResponse:
    return _survey_page(request, token, embed=True)


@login_not_required
@require_GET
def public_thanks(request: HttpRequest, token: str) -> HttpResponse:
    distribution = _distribution(token)
    lang = _language(request)
    with translation.override(lang):
        return render(
            request,
            "feedback/public_thanks.html",
            {"lang": lang, "embed": False, "survey": distribution.survey},
        )
