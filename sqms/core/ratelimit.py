"""Fixed-window request limits for public endpoints, counted in the shared cache."""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def client_ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))


def hit(*, scope: str, key: str, limit: int, window_seconds: int) -> bool:
    """Count one request; True while the caller is within its limit."""
    window = int(time.time() // window_seconds)
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    cache_key = f"rl:{scope}:{digest}:{window}"
    # Increment first: every request but a window's first pays one read and one write.
    try:
        count = cache.incr(cache_key)
    except ValueError:  # the window's first request (or the count was evicted); `add` fails
        # when another process started the window meanwhile
        count = 1 if cache.add(cache_key, 1, timeout=window_seconds) else cache.incr(cache_key)
    return count <= limit


def too_many_requests(request: HttpRequest) -> HttpResponse:
    return render(request, "core/too_many_requests.html", status=429)
