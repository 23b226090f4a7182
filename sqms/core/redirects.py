"""Where a `next` parameter may send the user: only back into this site."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def same_site(request: HttpRequest, target: str | None) -> str | None:
    """`target` when it is a page of this site (on HTTPS, not a plain-HTTP one), else None."""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None
