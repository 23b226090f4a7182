"""The navigation registry: an app adds its area when its first real page exists."""

from __future__ import annotations

from dataclasses import dataclass
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


_ITEMS: list[NavItem] = []


def nav_register(item: NavItem) -> None:
    if all(existing.url_name != item.url_name for existing in _ITEMS):
        _ITEMS.append(item)
        _ITEMS.sort(key=lambda i: i.order)


def nav_items_for(user: Any) -> list[NavItem]:
    return [item for item in _ITEMS if can(user, item.area)]
