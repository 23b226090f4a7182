"""Complaint metrics in the shape every metric source hands to evaluation.

- complaint_volume: 1 per complaint received in the window (for count and rate aggregations);
- complaint_ack_time / complaint_resolve_time: time from receipt to acknowledgement / response,
  in the metric's unit (hours unless it says otherwise), counted in the opening hours of the
  site's calendar when the metric is `business_time`; NaN while the clock still runs;
- complaint_satisfaction: the complainant's 1–5 rating of the handling, at the time it was given.

Items are attributed to the time the complaint was received (satisfaction: when it was given).
Withdrawn complaints count in the volume only.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from sqms.feedback.complaints_time import SpecCache
from sqms.feedback.models import Complaint, ComplaintStatus
from sqms.standards.business_time import business_duration
from sqms.standards.measurements import Measurements
from sqms.standards.models import MetricSource, Unit

UNIT_SECONDS = {
    Unit.SECONDS: 1.0,
    Unit.MINUTES: 60.0,
    Unit.HOURS: 3600.0,
    Unit.DAYS: 86400.0,
}


def _naive_utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def complaint_measurements(
    *, metric: Any, service_id: int | None, start: dt.datetime, end: dt.datetime
) -> Measurements:
    """Measurements of one complaint metric for a service (None: every service), [start, end)."""
    source = metric.source
    qs = Complaint.objects.all()
    if service_id is not None:
        qs = qs.filter(service_id=service_id)
    if source == MetricSource.COMPLAINT_SATISFACTION:
        qs = qs.filter(
            satisfaction__isnull=False, satisfaction_at__gte=start, satisfaction_at__lt=end
        )
        time_field = "satisfaction_at"
    else:
        qs = qs.filter(received_at__gte=start, received_at__lt=end)
        time_field = "received_at"
        if source in (MetricSource.COMPLAINT_ACK_TIME, MetricSource.COMPLAINT_RESOLVE_TIME):
            qs = qs.exclude(status=ComplaintStatus.WITHDRAWN)
    rows = list(
        qs.order_by(time_field, "pk").values_list(
            time_field,
            "site_id",
            "team_id",
            "channel",
            "agent_id",
            "received_at",
            "acknowledged_at",
            "responded_at",
            "satisfaction",
        )
    )
    if not rows:
        return Measurements.empty()
    scale = UNIT_SECONDS.get(metric.unit, 3600.0)
    specs = SpecCache() if getattr(metric, "business_time", False) else None
    values: list[float] = []
    for _at, site, _team, _ch, _agent, received, acked, responded, satisfaction in rows:
        if source == MetricSource.COMPLAINT_VOLUME:
            values.append(1.0)
        elif source == MetricSource.COMPLAINT_SATISFACTION:
            values.append(float(satisfaction))
        else:
            done = acked if source == MetricSource.COMPLAINT_ACK_TIME else responded
            if done is None:
                values.append(float("nan"))
                continue
            span = (
                business_duration(received, done, specs.for_site(site))
                if specs is not None
                else max(done - received, dt.timedelta(0))
            )
            values.append(span.total_seconds() / scale)
    return Measurements(
        at=np.array([_naive_utc(r[0]) for r in rows], dtype="datetime64[us]"),
        site=np.array([r[1] or 0 for r in rows], dtype=np.int64),
        team=np.array([r[2] or 0 for r in rows], dtype=np.int64),
        channel=np.array([r[3] or "" for r in rows], dtype=np.str_),
        agent=np.array([r[4] or 0 for r in rows], dtype=np.int64),
        value=np.array(values, dtype=np.float64),
    )
