"""Builders for the evaluation tests: records written straight into the table."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from sqms.monitoring.models import RecordSource, ServiceRecord
from sqms.monitoring.services import source_create

_seq = itertools.count(1)
KST = dt.timezone(dt.timedelta(hours=9))


def at(day: int, hour: int = 10, minute: int = 0, month: int = 3) -> dt.datetime:
    """A moment in March 2026, Seoul time."""
    return dt.datetime(2026, month, day, hour, minute, tzinfo=KST)


def source() -> RecordSource:
    return source_create(actor=None, name=f"S{next(_seq)}")


def record(
    *, src: RecordSource, service: Any, site: Any, received: dt.datetime, **fields: Any
) -> ServiceRecord:
    """A record; `minutes` sets first_response_at that many minutes after `received`."""
    minutes = fields.pop("minutes", None)
    if minutes is not None:
        fields["first_response_at"] = received + dt.timedelta(minutes=minutes)
    return ServiceRecord.objects.create(
        source=src,
        external_id=f"R{next(_seq)}",
        service=service,
        site=site,
        received_at=received,
        **fields,
    )
