"""Evaluation's fast paths agree with the plain ones: joined-text reads with row reads,
vectorised period starts with `series.period_start`, table-based grouping with `np.unique`."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from django.test import override_settings

from sqms.monitoring import evaluation, series
from sqms.monitoring.evaluation import record_measurements
from sqms.monitoring.models import Grain
from sqms.monitoring.services import source_create
from sqms.standards.models import MetricSource, Period, Unit
from tests.factories import make_employee, make_service, make_site, make_team
from tests.monitoring.eval_helpers import at, record
from tests.standards.factories import make_metric

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def _records(extra_separator: bool = False) -> tuple[object, list[object]]:
    site, other = make_site(), make_site()
    team = make_team(site)
    agent = make_employee(site=site, team=team)
    service = make_service([site, other])
    seoul = source_create(actor=None, name="seoul", time_zone="Asia/Seoul")
    york = source_create(actor=None, name="york", time_zone="America/New_York")
    queued = [
        "2026-03-02 10:00:00",
        "2026-03-02T10:00:00+09:00",
        "2026-03-02 10:00:00.25",
        " 2026-03-02 10:00:00",
        "garbage",
        "",
        7,
        None,
    ]
    if extra_separator:
        queued.append("2026-03-02 10:00:00\x1f")
    for i, value in enumerate(queued):
        extra: dict[str, object] = {"answered_at": "2026-03-02 10:01:30"}
        if value is not None:
            extra["queued_at"] = value
        received = at(2, minute=i) + dt.timedelta(microseconds=123_456 * (i % 3))
        record(
            src=seoul if i % 2 else york,
            service=service,
            site=site if i % 3 else other,
            received=received,
            team=team if i % 2 else None,
            agent=agent if i % 4 == 1 else None,
            channel=["phone", "", "채팅"][i % 3],
            minutes=None if i == 3 else 5 + i,
            resolved_first_contact=[True, False, None][i % 3],
            extra=extra,
        )
    return service, queued


def _metrics() -> list[object]:
    return [
        make_metric(code="F1", start_field="received_at", end_field="first_response_at"),
        make_metric(code="F2", start_field="queued_at", end_field="answered_at", unit=Unit.SECONDS),
        make_metric(
            code="F3",
            source=MetricSource.RECORD_FLAG,
            value_field="resolved_first_contact",
            unit=Unit.PERCENT,
            start_field="",
            end_field="",
        ),
    ]


def _same(a: object, b: object) -> None:
    for name in ("at", "site", "team", "channel", "agent", "value"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))


@pytest.mark.parametrize("extra_separator", [False, True])
def test_joined_text_reads_equal_row_reads(monkeypatch, extra_separator):
    service, _ = _records(extra_separator)
    metrics = _metrics()
    fast = [record_measurements(metric=m, service_id=service.pk) for m in metrics]
    assert len(fast[0]) > 0
    for m in metrics:  # the fast path is taken where the text cannot be ambiguous
        handled, _ = evaluation._read_concatenated(
            service_id=service.pk, start=None, end=None, uses=evaluation._field_uses(m)
        )
        assert handled is not (extra_separator and m.start_field == "queued_at")
    monkeypatch.setattr(evaluation, "_read_concatenated", lambda **kwargs: (False, None))
    slow = [record_measurements(metric=m, service_id=service.pk) for m in metrics]
    for a, b in zip(fast, slow, strict=True):
        _same(a, b)


def test_shared_reads_serve_every_metric_of_a_service():
    service, _ = _records()
    metrics = _metrics()
    alone = [record_measurements(metric=m, service_id=service.pk) for m in metrics]
    uses: dict[str, bool] = {}
    for m in metrics:
        uses = evaluation._merged_uses(uses, evaluation._field_uses(m))
    with evaluation._shared_reads({service.pk: uses}):
        shared = [record_measurements(metric=m, service_id=service.pk) for m in metrics]
    for a, b in zip(alone, shared, strict=True):
        _same(a, b)


@pytest.mark.parametrize("zone", ["Asia/Seoul", "America/New_York", "Australia/Lord_Howe"])
@pytest.mark.parametrize("grain", [Grain.HOUR, Grain.DAY])
def test_period_starts_equal_series_period_start_across_dst(zone, grain):
    rng = np.random.default_rng(5)
    # a year around both changes of each zone, at any second
    base = dt.datetime(2026, 1, 1, tzinfo=UTC).timestamp()
    seconds = np.sort(base + rng.uniform(0, 366 * 86400, 20_000).round())
    period = Period.HOUR if grain == Grain.HOUR else Period.DAY
    with override_settings(TIME_ZONE=zone):
        evaluation._QUARTER_STARTS.clear()
        got = evaluation.period_starts(seconds, grain)
        tz = series.org_tz()
        expected = [
            evaluation.epoch(series.period_start(evaluation.from_epoch(s), period, tz))
            for s in seconds.tolist()
        ]
    assert got.tolist() == expected


def test_dense_and_factorize_equal_np_unique():
    rng = np.random.default_rng(3)
    for values in (rng.integers(0, 50, 1000), rng.integers(0, 10**12, 1000), np.array([7])):
        uniq, code = evaluation._dense(values)
        ref_uniq, ref_code = np.unique(values, return_inverse=True)
        assert uniq.tolist() == ref_uniq.tolist()
        assert code.tolist() == ref_code.tolist()
    many = [f"c{i}" for i in range(100)]  # more than a handful: the sorting branch
    for text in (
        np.array(rng.choice(["phone", "", "채팅", "chat"], 500), dtype=np.str_),
        np.array(rng.choice(many, 500), dtype=np.str_),
        np.array(["chat"] * 3, dtype=np.str_),
        np.array([], dtype=np.str_),
    ):
        names, codes = evaluation._factorize(text)
        ref_names, ref_codes = np.unique(text, return_inverse=True)
        assert names.tolist() == ref_names.tolist()
        assert codes.tolist() == ref_codes.reshape(-1).tolist()
