from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from sqms.core.access import can
from sqms.core.navigation import nav_items_for
from sqms.core.roles import Area


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        "nav_items": nav_items_for(user),
        "can_read_audit": can(user, Area.AUDIT),
    }
