"""Listeners told about every new standard version, after the transaction commits.

The standards app sits below monitoring and must not import it; monitoring registers a
listener here (in its AppConfig.ready) that re-evaluates the standard's history.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from sqms.standards.models import StandardVersion

version_listeners: list[Callable[[StandardVersion], None]] = []


def version_created(version: StandardVersion) -> None:
    """Call every listener with the new version once the surrounding transaction commits."""

    def notify() -> None:
        for listener in list(version_listeners):
            listener(version)

    transaction.on_commit(notify)
