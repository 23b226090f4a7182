from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sqms.core import ratelimit, selectors, services
from sqms.core.access import ensure
from sqms.core.csvexport import csv_response
from sqms.core.forms import ApiTokenForm, AuditFilterForm, LanguageForm
from sqms.core.models import ApiToken, User
from sqms.core.redirects import same_site
from sqms.core.roles import Area

AUDIT_PAGE_SIZE = 50


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    recent = selectors.audit_entry_list(filters=selectors.AuditFilter(actor=user.username))[:10]
    return render(request, "core/home.html", {"recent": recent})


@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    ensure(request.user, Area.AUDIT)
    form = AuditFilterForm(request.GET or None)
    entries = selectors.audit_entry_list(filters=form.to_filter())
    page = Paginator(entries, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "core/audit_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@require_GET
def audit_export(request: HttpRequest) -> StreamingHttpResponse:
    ensure(request.user, Area.AUDIT)
    form = AuditFilterForm(request.GET or None)
    entries = selectors.audit_entry_list(filters=form.to_filter()).iterator(chunk_size=2000)
    header = [
        _("Sequence"),
        _("Time (UTC)"),
        _("User"),
        _("Action"),
        _("Record type"),
        _("Record id"),
        _("Record"),
        _("Changes"),
        _("Reason"),
        _("Hash"),
    ]
    rows = (
        [
            e.seq,
            e.created_at.isoformat(),
            e.actor_label,
            e.get_action_display(),
            f"{e.content_type.app_label}.{e.content_type.model}",
            e.object_id,
            e.object_repr,
            e.changes,
            e.reason,
            e.hash,
        ]
        for e in entries
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    return csv_response(filename=f"sqms-audit-{stamp}.csv", header=header, rows=rows)


@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = ApiTokenForm(request.POST or None)
    issued = None
    if request.method == "POST" and form.is_valid():
        issued = services.api_token_create(
            user=user, name=form.cleaned_data["name"], scope=form.cleaned_data["scope"]
        )
        messages.success(request, _("Token created. Copy it now: it will not be shown again."))
        form = ApiTokenForm()
    tokens = selectors.api_tokens_for_user(user=user)
    return render(
        request,
        "core/profile.html",
        {
            "form": form,
            "tokens": tokens,
            "issued": issued,
            "language_form": LanguageForm(
                initial={"language": user.language or translation.get_language()}
            ),
        },
    )


@require_POST
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    # Tokens belong to one user: anybody else's token is simply not found.
    token = get_object_or_404(ApiToken, pk=pk, user=user)
    services.api_token_revoke(actor=user, token=token)
    messages.success(request, _("Token revoked."))
    return redirect("core:profile")


@login_not_required
@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    form = LanguageForm(request.POST)
    target = same_site(request, request.POST.get("next")) or "/"
    response = HttpResponseRedirect(target)
    if form.is_valid():
        language = form.cleaned_data["language"]
        if isinstance(request.user, User) and request.user.language != language:
            services.user_set_language(user=request.user, language=language)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response


class LoginView(auth_views.LoginView):
    """Django's login, plus: the user's saved language follows them to any browser."""

    redirect_authenticated_user = True

    def form_valid(self, form):  # type: ignore[no-untyped-def]
        response = super().form_valid(form)
        language = getattr(form.get_user(), "language", "")
        if language:
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax")
        return response


class RateLimitedPasswordResetView(auth_views.PasswordResetView):
    """Password reset e-mails are public: at most 5 requests per IP in 15 minutes."""

    def post(self, request, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not ratelimit.hit(
            scope="password-reset", key=ratelimit.client_ip(request), limit=5, window_seconds=900
        ):
            return ratelimit.too_many_requests(request)
        return super().post(request, *args, **kwargs)


@login_not_required
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", status=403)
