"""The navigation registry: an app adds its area when its first real page exists."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from django.utils.functional import Promise

from sqms.core.access import can
from sqms.core.roles import Area


@dataclass(frozen=True)
class NavItem:
    order: int
    label: str | Promise
    url_name: str
    area: Area
    children: tuple[tuple[str | Promise, str], ...] = ()
    for_writers: frozenset[str] = frozenset()  # children (url names) only writers of the area open


_ITEMS: list[NavItem] = []


def nav_register(item: NavItem) -> None:
    if all(existing.url_name != item.url_name for existing in _ITEMS):
        _ITEMS.append(item)
        _ITEMS.sort(key=lambda i: i.order)


def nav_items_for(user: Any) -> list[NavItem]:
    """The areas the user may read, without the children they could only open as a writer."""
    items = []
    for item in _ITEMS:
        if not can(user, item.area):
            continue
        if item.for_writers and not can(user, item.area, write=True):
            kept = tuple(c for c in item.children if c[1] not in item.for_writers)
            item = replace(item, children=kept)
        items.append(item)
    return items
