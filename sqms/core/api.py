"""What every API router shares: token and session auth, write scope, problem+json errors."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import SessionAuth
from ninja.security.http import HttpBearer

from sqms.core.exceptions import SqmsError
from sqms.core.models import ApiToken, TokenScope, User
from sqms.core.services import token_digest

log = logging.getLogger(__name__)
PROBLEM = "application/problem+json"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class TokenAuth(HttpBearer):
    """Personal API tokens: `Authorization: Bearer sqms_…`."""

    def __call__(self, request: HttpRequest) -> Any:
        # Unlike the parent class, never log the header: it carries a secret.
        value = request.headers.get(self.header, "")
        scheme, _sep, token = value.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        return self.authenticate(request, token.strip())

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        row = (
            ApiToken.objects.select_related("user")
            .filter(token_hash=token_digest(token), revoked_at__isnull=True)
            .first()
        )
        if row is None or not row.user.is_active:
            return None
        if request.method not in SAFE_METHODS and row.scope != TokenScope.READ_WRITE:
            raise HttpError(403, _("This token may only read."))
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=timezone.now())
        request.user = row.user
        return row.user


def problem(status: int, title: str, detail: str = "", **extra: Any) -> JsonResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return JsonResponse(
        body, status=status, content_type=PROBLEM, json_dumps_params={"ensure_ascii": False}
    )


def _validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {
            "field": ".".join(str(p) for p in e.get("loc", ()) if p not in ("body", "payload")),
            "message": e.get("msg", ""),
            "type": e.get("type", ""),
        }
        for e in exc.errors
    ]
    return problem(
        422, _("The request is not valid."), _("See the errors for each field."), errors=errors
    )


def _django_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    errors: list[dict[str, str]] = []
    if hasattr(exc, "error_dict"):
        for field, items in exc.message_dict.items():
            errors += [{"field": field, "message": m} for m in items]
    else:
        errors = [{"field": "", "message": m} for m in exc.messages]
    return problem(
        400, _("The request is not valid."), _("See the errors for each field."), errors=errors
    )


def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    titles = {
        400: _("Bad request"),
        401: _("Authentication required"),
        403: _("Forbidden"),
        404: _("Not found"),
        405: _("Method not allowed"),
        429: _("Too many requests"),
    }
    # Every 400 carries `errors`, as validation errors do; an unparsable body names no field.
    extra = {"errors": [{"field": "", "message": str(exc)}]} if exc.status_code == 400 else {}
    return problem(exc.status_code, titles.get(exc.status_code, _("Error")), str(exc), **extra)


def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    if settings.DEBUG and not getattr(settings, "TESTING", False):
        raise exc
    log.exception("API error on %s %s", request.method, request.path)
    return problem(500, _("Server error"), _("The error has been logged."))


def _fixed(status: int, title: str, detail: str) -> Any:
    return lambda request, exc: problem(status, _(title), _(detail))


def _sqms_error(request: HttpRequest, exc: SqmsError) -> HttpResponse:
    return problem(400, _("Bad request"), str(exc), errors=[{"field": "", "message": str(exc)}])


def problem_on_405(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """ninja answers a wrong method before any exception handler runs; keep it problem+json."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and response.get("Content-Type", "") != PROBLEM:
            allowed = response.get("Allow", "")
            response = problem(
                405, _("Method not allowed"), _("Allowed: %(methods)s") % {"methods": allowed}
            )
            response["Allow"] = allowed
        return response

    return wrapped


def install_problem_handlers(api: NinjaAPI) -> None:
    handlers: list[tuple[type[Exception], Any]] = [
        (ValidationError, _validation),
        (DjangoValidationError, _django_validation),
        (HttpError, _http_error),
        (
            AuthenticationError,
            _fixed(
                401,
                gettext_noop("Authentication required"),
                gettext_noop("Log in or send a valid API token."),
            ),
        ),
        (Http404, _fixed(404, gettext_noop("Not found"), gettext_noop("No such record."))),
        (
            PermissionDenied,
            _fixed(403, gettext_noop("Forbidden"), gettext_noop("Your role does not allow this.")),
        ),
        (
            RequestDataTooBig,
            _fixed(
                413,
                gettext_noop("Request too large"),
                gettext_noop("The request body is larger than allowed."),
            ),
        ),
        (SqmsError, _sqms_error),
        (Exception, _unexpected),
    ]
    for exc_class, handler in handlers:
        api.add_exception_handler(exc_class, handler)


API_AUTH = [TokenAuth(), SessionAuth()]


def api_user(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user
