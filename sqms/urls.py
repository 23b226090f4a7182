from typing import Any

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path

from sqms.api import api
from sqms.core import views as core_views
from sqms.core.api import problem_on_405


def _api_urls() -> tuple[list[Any], str, str]:
    """The API answers anonymous callers itself (401 problem+json), never with a login redirect."""
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        assert pattern.callback is not None
        pattern.callback = problem_on_405(pattern.callback)
        pattern.callback.login_required = False  # type: ignore[attr-defined]
    return patterns, app_name, namespace


api_urls = _api_urls()

urlpatterns = [
    path("", core_views.home, name="home"),
    path("accounts/login/", core_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/change/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path(
        "accounts/password/reset/",
        login_not_required(core_views.RateLimitedPasswordResetView.as_view()),
        name="password_reset",
    ),
    path(
        "accounts/password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("", include("sqms.core.urls")),
    path("org/", include("sqms.org.urls")),
    path("documents/", include("sqms.documents.urls")),
    path("standards/", include("sqms.standards.urls")),
    path("feedback/", include("sqms.feedback.urls")),
    path("monitoring/", include("sqms.monitoring.urls")),
    path("improvement/", include("sqms.improvement.urls")),
    path("policy/", include("sqms.policy.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api_urls),
]
