"""Listeners told about every new standard version, and about a standard put back in use,
after the transaction commits.

The standards app sits below monitoring and must not import it; monitoring registers
listeners here (in its AppConfig.ready) that re-evaluate the standard's history.

`listeners_suspended()` silences the listeners for versions created inside it: for callers
that evaluate explicitly afterwards anyway (the demo builds standards, then evaluates
everything once), so the worker does not redo the same work.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import transaction

from sqms.standards.models import ServiceStandard, StandardVersion

version_listeners: list[Callable[[StandardVersion], None]] = []
# an archived standard is evaluated no more; back in use, it has the time between to catch up
unarchive_listeners: list[Callable[[ServiceStandard], None]] = []
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


def _notify_on_commit[T](listeners: list[Callable[[T], None]], obj: T) -> None:
    """Call every listener with `obj` once the surrounding transaction commits."""
    if not listeners_active():
        return

    def notify() -> None:
        for listener in list(listeners):
            listener(obj)

    transaction.on_commit(notify)


def version_created(version: StandardVersion) -> None:
    _notify_on_commit(version_listeners, version)


def standard_unarchived(standard: ServiceStandard) -> None:
    _notify_on_commit(unarchive_listeners, standard)
