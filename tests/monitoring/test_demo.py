"""The monitoring demo: a year of records whose charts catch the injected deterioration."""

from __future__ import annotations

import datetime as dt

import pytest

from sqms.demo.org import build_org
from sqms.monitoring import series
from sqms.monitoring.demo import (
    CSAT_STANDARD,
    DETERIORATION,
    build_monitoring_demo,
    deterioration_window,
)
from sqms.monitoring.models import Rollup, ServiceRecord
from sqms.org.models import Site
from sqms.standards.demo import build_standards_demo
from sqms.standards.models import Period, ServiceStandard

pytestmark = pytest.mark.django_db


def mean(values: list[float]) -> float:
    return sum(values) / len(values)


def test_the_demo_deterioration_shows_in_the_daily_series(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    build_org()
    build_standards_demo()
    added = build_monitoring_demo(scale=0.3, services=["CARD-LOST", "TECH"])
    assert added > 10_000
    assert build_monitoring_demo(scale=0.3, services=["CARD-LOST", "TECH"]) == 0
    assert ServiceRecord.objects.count() == added
    std = ServiceStandard.objects.get(code=DETERIORATION["standard"])
    site = Site.objects.get(code=DETERIORATION["site"])
    start, end = deterioration_window()
    points = series.standard_series(
        standard=std,
        segment=f"site:{site.pk}",
        period=Period.DAY,
        start=start - dt.timedelta(days=60),
        end=end + dt.timedelta(days=60),
    )
    before = [p.value for p in points if p.period_start < start]
    during = [p.value for p in points if start <= p.period_start < end]
    after = [p.value for p in points if p.period_start >= end]
    assert mean(during) < mean(before) - 30
    assert mean(after) > mean(before)
    assert mean(during) < 50
    # other sites stay where they were
    other = Site.objects.exclude(pk=site.pk).filter(code="SEL").get()
    elsewhere = series.standard_series(
        standard=std, segment=f"site:{other.pk}", period=Period.DAY, start=start, end=end
    )
    assert mean([p.value for p in elsewhere]) > 70
    assert Rollup.objects.filter(standard__code="STD-TECH-FCR").exists()
    assert ServiceStandard.objects.filter(code=CSAT_STANDARD, metric__code="CSAT").exists()
    first = ServiceRecord.objects.order_by("received_at").first()
    assert first is not None
    assert (dt.datetime.now(dt.UTC) - first.received_at).days >= 364
