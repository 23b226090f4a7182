"""Signals from rollups: breaches, control-chart rules and SLO burn (filled in by the signals work)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqms.monitoring.models import Signal
from sqms.standards.models import ServiceStandard


def signals_detect(
    *, standard: ServiceStandard, segments: Iterable[str], start: dt.datetime
) -> list[Signal]:
    """Re-examine the standard's periods from `start` in the given segments after their rollups
    changed; open, fold or resolve signals; return the signals opened or grown."""
    return []
