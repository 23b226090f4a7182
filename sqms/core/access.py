"""Role checks shared by every app's `<entity>_get_for_user` helpers and views."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from sqms.core.roles import GRANTS, Area, Level


def role_of(user: Any) -> str | None:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return str(user.effective_role)


def level(user: Any, area: Area) -> Level:
    role = role_of(user)
    if role is None:
        return Level.NONE
    return GRANTS.get(role, {}).get(area, Level.NONE)


def can(user: Any, area: Area, *, write: bool = False) -> bool:
    return level(user, area) >= (Level.WRITE if write else Level.READ)


def ensure(user: Any, area: Area, *, write: bool = False) -> None:
    """403 unless the user's role grants this level on the area."""
    if not can(user, area, write=write):
        raise PermissionDenied
