from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from sqms.core.access import can
from sqms.core.navigation import nav_items_for
from sqms.core.roles import Area


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    items = nav_items_for(user)
    # The current page is the child whose address is the longest prefix of this path.
    urls = [reverse(url_name) for item in items for _label, url_name in item.children]
    matches = [u for u in urls if request.path.startswith(u)]
    return {
        "nav_items": items,
        "nav_current": max(matches, key=len) if matches else "",
        "can_read_audit": can(user, Area.AUDIT),
    }
