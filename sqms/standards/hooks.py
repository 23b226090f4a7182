"""Listeners told about every new standard version, after the transaction commits.

The standards app sits below monitoring and must not import it; monitoring registers a
listener here (in its AppConfig.ready) that re-evaluates the standard's history.

`listeners_suspended()` silences the listeners for versions created inside it: for callers
that evaluate explicitly afterwards anyway (the demo builds standards, then evaluates
everything once), so the worker does not redo the same work.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import transaction

from sqms.standards.models import StandardVersion

version_listeners: list[Callable[[StandardVersion], None]] = []
_state = threading.local()


@contextmanager
def listeners_suspended() -> Iterator[None]:
    """Versions created within the block notify no listener (nesting is fine)."""
    _state.depth = getattr(_state, "depth", 0) + 1
    try:
        yield
    finally:
        _state.depth -= 1


def listeners_active() -> bool:
    return getattr(_state, "depth", 0) == 0


def version_created(version: StandardVersion) -> None:
    """Call every listener with the new version once the surrounding transaction commits."""
    if not listeners_active():
        return

    def notify() -> None:
        for listener in list(version_listeners):
            listener(version)

    transaction.on_commit(notify)
