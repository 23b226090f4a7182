"""Bench URL conf: every SQMS URL plus `bench-bare/`, a bare Django view that parses the same
form as the public survey page and inserts one row (model-free, through connection.cursor).

The public page's per-IP rate limit (`sqms.feedback.public.RATE_LIMIT`, a module constant: no
setting controls it) is raised to BENCH_RATE_LIMIT, because every bench request comes from
127.0.0.1; the server still counts every request in the cache, as in production.
"""

from __future__ import annotations

import os

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

import sqms.feedback.public as public
from sqms.urls import urlpatterns as sqms_urlpatterns

public.RATE_LIMIT = int(os.environ.get("BENCH_RATE_LIMIT", "1000000000"))

TABLE = "bench_bare_response"


@login_not_required
@require_POST
def bare_submit(request: HttpRequest, token: str) -> HttpResponse:
    """Parse the form as Django does for any view and insert one row: the floor of a submit."""
    answers = {k: request.POST.getlist(k) for k in request.POST if k.startswith("q")}
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (token, answers, lang, submitted_at) VALUES (%s, %s, %s, %s)",  # noqa: S608
            [token[:64], repr(answers)[:4000], request.POST.get("lang", "ko")[:8], timezone.now()],
        )
    return HttpResponseRedirect(f"/feedback/s/{token}/thanks/")


urlpatterns = [
    path("bench-bare/<str:token>/", bare_submit, name="bench_bare_submit"),
    *sqms_urlpatterns,
]
