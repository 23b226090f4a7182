"""Complaint metrics become measurements like any other metric source."""

from __future__ import annotations

import datetime as dt
import math
from zoneinfo import ZoneInfo

import numpy as np
import pytest
import time_machine
from django.core.exceptions import ValidationError

from sqms.feedback import complaints as services
from sqms.feedback.complaint_measurements import complaint_measurements
from sqms.standards.models import Metric, MetricSource
from tests.factories import make_service, make_site
from tests.feedback.test_complaints import make_complaint, walk
from tests.standards.factories import make_calendar, make_metric

KST = ZoneInfo("Asia/Seoul")
START = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
END = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


def _metric(source: str, **kw) -> Metric:
    values = {
        "source": source,
        "start_field": "",
        "end_field": "",
        "aggregation": "mean",
        "direction": "lower_is_better",
        "unit": "hours",
    }
    values.update(kw)
    return make_metric(**values)


@pytest.mark.django_db
def test_it_accepts_complaint_sources_without_fields():
    for source in (
        MetricSource.COMPLAINT_VOLUME,
        MetricSource.COMPLAINT_ACK_TIME,
        MetricSource.COMPLAINT_RESOLVE_TIME,
        MetricSource.COMPLAINT_SATISFACTION,
    ):
        assert _metric(source).pk
    assert _metric(MetricSource.COMPLAINT_RESOLVE_TIME, business_time=True).business_time
    with pytest.raises(ValidationError):
        _metric(MetricSource.COMPLAINT_VOLUME, business_time=True)
    with pytest.raises(ValidationError):
        _metric(MetricSource.COMPLAINT_VOLUME, value_field="x")


@pytest.mark.django_db
def test_it_measures_volume_times_and_satisfaction():
    site = make_site()
    make_calendar(site)  # Mon–Fri 09–18
    service = make_service([site])
    other = make_service([site])
    received = dt.datetime(2026, 11, 20, 17, tzinfo=KST)  # Friday 17:00
    with time_machine.travel(received, tick=False):
        done = make_complaint(service=service, site=site, channel="phone", received_at=received)
        pending = make_complaint(service=service, site=site)
        make_complaint(service=other, site=site)
        withdrawn = make_complaint(service=service, site=site)
    with time_machine.travel(dt.datetime(2026, 11, 23, 10, tzinfo=KST), tick=False):
        walk(done, "acknowledged")  # Monday 10:00: 2 business hours, 65 wall-clock hours
        walk(withdrawn, "withdrawn")
    with time_machine.travel(dt.datetime(2026, 11, 24, 9, 30, tzinfo=KST), tick=False):
        done = walk(services.Complaint.objects.get(pk=done.pk), "responded")
        services.complaint_satisfaction_record(actor=None, complaint=done, score=4)

    volume = complaint_measurements(
        metric=_metric(MetricSource.COMPLAINT_VOLUME, aggregation="count"),
        service_id=service.pk,
        start=START,
        end=END,
    )
    assert len(volume) == 3
    assert volume.value.tolist() == [1.0, 1.0, 1.0]
    assert set(volume.site.tolist()) == {site.pk}

    ack_bh = complaint_measurements(
        metric=_metric(MetricSource.COMPLAINT_ACK_TIME, business_time=True),
        service_id=service.pk,
        start=START,
        end=END,
    )
    assert len(ack_bh) == 2  # the withdrawn complaint is not timed
    values = dict(zip([done.pk, pending.pk], ack_bh.value.tolist(), strict=False))
    assert values[done.pk] == pytest.approx(2.0)
    assert math.isnan(values[pending.pk])
    assert ack_bh.channel.tolist()[0] == "phone"
    assert ack_bh.at[0] == np.datetime64("2026-11-20T08:00:00")

    ack_wall = complaint_measurements(
        metric=_metric(MetricSource.COMPLAINT_ACK_TIME, unit="minutes"),
        service_id=service.pk,
        start=START,
        end=END,
    )
    assert ack_wall.value[0] == pytest.approx(65 * 60)

    resolve = complaint_measurements(
        metric=_metric(MetricSource.COMPLAINT_RESOLVE_TIME, business_time=True),
        service_id=service.pk,
        start=START,
        end=END,
    )
    assert resolve.value[0] == pytest.approx(1 + 9 + 0.5)

    sat = complaint_measurements(
        metric=_metric(MetricSource.COMPLAINT_SATISFACTION, direction="higher_is_better"),
        service_id=service.pk,
        start=START,
        end=END,
    )
    assert sat.value.tolist() == [4.0]
    empty = complaint_measurements(
        metric=_metric(MetricSource.COMPLAINT_VOLUME),
        service_id=service.pk,
        start=END,
        end=END + dt.timedelta(days=30),
    )
    assert len(empty) == 0
