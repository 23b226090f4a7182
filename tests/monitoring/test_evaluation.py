"""Evaluation: rollup cells against hand-computed examples, derived periods, versions."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import numpy as np
import pytest
from django.core.exceptions import FieldError
from django.db import connection

from sqms.monitoring import series
from sqms.monitoring.evaluation import (
    evaluate_all,
    record_measurements,
    standard_evaluate,
)
from sqms.monitoring.models import Grain, Rollup
from sqms.standards.models import Aggregation, Direction, MetricSource, Period, Unit
from sqms_analytics.sketch import Sketch
from tests.factories import make_employee, make_service, make_site, make_team
from tests.monitoring.eval_helpers import at, record, source
from tests.standards.factories import make_handle_mean_metric, make_metric, make_standard

pytestmark = pytest.mark.django_db


@pytest.fixture
def org() -> dict:
    site, other = make_site(), make_site()
    team = make_team(site)
    return {
        "site": site,
        "other": other,
        "team": team,
        "agent": make_employee(site=site, team=team),
        "service": make_service([site, other]),
        "src": source(),
    }


def cell(standard, segment="", day=2, grain=Grain.DAY) -> Rollup:
    start = series.period_start(at(day), Period.DAY)
    return Rollup.objects.get(standard=standard, grain=grain, segment=segment, period_start=start)


def test_it_computes_the_share_meeting_the_threshold_per_segment(org):
    std = make_standard(service=org["service"], threshold=Decimal(60))
    for minutes, site, channel in [
        (10, "site", "phone"),
        (30, "site", "chat"),
        (70, "other", "phone"),
        (90, "site", "phone"),
    ]:
        record(
            src=org["src"],
            service=org["service"],
            site=org[site],
            received=at(2),
            minutes=minutes,
            channel=channel,
            team=org["team"] if site == "site" else None,
        )
    # a negative duration is not measured
    record(src=org["src"], service=org["service"], site=org["site"], received=at(2), minutes=-5)
    standard_evaluate(standard=std)
    whole = cell(std)
    assert (whole.n, whole.n_meeting, whole.value) == (4, 2, 50.0)
    assert whole.version_id == std.versions.get().pk
    s = org["site"].pk
    assert cell(std, f"site:{s}").value == pytest.approx(200 / 3)
    assert cell(std, f"site:{org['other'].pk}").value == 0.0
    assert cell(std, f"team:{org['team'].pk}").n == 3
    assert cell(std, f"team:{org['team'].pk}").site_id == s
    assert cell(std, "channel:phone").n == 3
    assert cell(std, f"site:{s}|channel:phone").value == 50.0
    assert cell(std, f"team:{org['team'].pk}|channel:chat").value == 100.0
    assert not Rollup.objects.filter(standard=std, segment__startswith="agent").exists()
    assert cell(std).total == pytest.approx(200.0)
    assert cell(std).total_sq == pytest.approx(100 + 900 + 4900 + 8100)


def test_it_computes_the_mean_of_a_number_from_extra_and_columns(org):
    metric = make_handle_mean_metric()
    std = make_standard(service=org["service"], metric=metric, threshold=Decimal(300))
    for v in (100.0, 200.0, 600.0):
        record(
            src=org["src"],
            service=org["service"],
            site=org["site"],
            received=at(2),
            handle_seconds=v,
        )
    standard_evaluate(standard=std)
    assert cell(std).value == pytest.approx(300.0)
    point = series.standard_series(standard=std)[0]
    assert point.complies is True


def test_it_reads_durations_between_extra_timestamps(org):
    metric = make_metric(start_field="queued_at", end_field="answered_at", unit=Unit.SECONDS)
    std = make_standard(service=org["service"], metric=metric, threshold=Decimal(20))
    record(
        src=org["src"],
        service=org["service"],
        site=org["site"],
        received=at(2),
        extra={
            "queued_at": "2026-03-02T10:00:00+09:00",
            "answered_at": "2026-03-02T10:00:15+09:00",
        },
    )
    # naive text is read in the source's time zone (Asia/Seoul)
    record(
        src=org["src"],
        service=org["service"],
        site=org["site"],
        received=at(2),
        extra={"queued_at": "2026-03-02 10:00:00", "answered_at": "2026-03-02 10:00:45"},
    )
    record(
        src=org["src"],
        service=org["service"],
        site=org["site"],
        received=at(2),
        extra={"queued_at": "garbage", "answered_at": "2026-03-02 10:00:45"},
    )
    m = record_measurements(metric=metric, service_id=org["service"].pk)
    assert sorted(m.value[~np.isnan(m.value)].tolist()) == [15.0, 45.0]
    standard_evaluate(standard=std)
    assert (cell(std).n, cell(std).n_meeting) == (2, 1)


def test_it_computes_p90_through_the_sketch_within_one_percent(org):
    metric = make_metric(aggregation=Aggregation.P90, unit=Unit.SECONDS)
    std = make_standard(service=org["service"], metric=metric, threshold=Decimal(100))
    values = list(range(0, 101))
    for v in values:
        record(
            src=org["src"],
            service=org["service"],
            site=org["site"],
            received=at(2),
            first_response_at=at(2) + dt.timedelta(seconds=v),
        )
    standard_evaluate(standard=std)
    exact = float(np.quantile(values, 0.9))
    got = cell(std).value
    assert got == pytest.approx(exact, rel=0.01)
    assert got == Sketch.from_json(cell(std).sketch).quantile(0.9)
    assert Sketch.from_json(cell(std).sketch).count == 101


def test_a_sketch_is_kept_as_compact_json_text_and_read_back_as_a_dict(org):
    """The column is text on every backend (jsonb parsed each number on input); the model
    still reads and writes dicts, and offers no key lookups the column could not answer."""
    metric = make_metric(aggregation=Aggregation.P90, unit=Unit.SECONDS)
    std = make_standard(service=org["service"], metric=metric, threshold=Decimal(100))
    for v in (5, 5, 70):
        record(src=org["src"], service=org["service"], site=org["site"], received=at(2),
               first_response_at=at(2) + dt.timedelta(seconds=v))  # fmt: skip
    standard_evaluate(standard=std)
    stored = cell(std)
    assert stored.sketch == Sketch.of([5.0, 5.0, 70.0]).to_json()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT sketch FROM {Rollup._meta.db_table} WHERE id = %s", [stored.pk])  # noqa: S608
        (raw,) = cursor.fetchone()
    assert raw == json.dumps(stored.sketch, separators=(",", ":"))
    stored.sketch = {"z": 1, "k": [], "c": []}
    stored.save(update_fields=["sketch"])
    assert Rollup.objects.get(pk=stored.pk).sketch == {"z": 1, "k": [], "c": []}
    with pytest.raises(FieldError):
        list(Rollup.objects.filter(sketch__z=1))


def test_it_counts_flags_and_computes_rates_per_n(org):
    count = make_metric(
        source=MetricSource.RECORD_FLAG,
        start_field="",
        end_field="",
        value_field="abandoned",
        aggregation=Aggregation.COUNT,
        direction=Direction.LOWER_IS_BETTER,
        unit=Unit.COUNT,
    )
    rate = make_metric(
        source=MetricSource.RECORD_CATEGORY,
        start_field="",
        end_field="",
        value_field="category",
        category_values=["complaint", "민원"],
        aggregation=Aggregation.RATE_PER_N,
        rate_base=1000,
        direction=Direction.LOWER_IS_BETTER,
        unit=Unit.RATE,
    )
    s_count = make_standard(service=org["service"], metric=count, threshold=Decimal(5))
    s_rate = make_standard(service=org["service"], metric=rate, threshold=Decimal(5))
    flags = ["yes", "1", "no", "true", "", "0", "N", "Y"]
    cats = ["complaint", "문의", "민원", "", "문의", "문의", "문의", "문의"]
    for flag, cat in zip(flags, cats, strict=True):
        record(
            src=org["src"],
            service=org["service"],
            site=org["site"],
            received=at(2),
            category=cat,
            extra={"abandoned": flag} if flag else {},
        )
    evaluate_all()
    assert cell(s_count).value == 4.0  # yes, 1, true, Y
    assert cell(s_count).n == 7  # the record without the flag is not measured
    assert cell(s_rate).value == pytest.approx(2 / 8 * 1000)


def test_it_derives_a_week_from_days_exactly(org):
    metric = make_metric(aggregation=Aggregation.P90, unit=Unit.SECONDS)
    std = make_standard(
        service=org["service"], metric=metric, threshold=Decimal(50), period=Period.WEEK
    )
    rng = np.random.default_rng(3)
    values = []
    for day in range(2, 9):  # Monday 2 March .. Sunday 8 March 2026
        for _ in range(20):
            v = float(rng.integers(1, 120))
            values.append(v)
            record(
                src=org["src"],
                service=org["service"],
                site=org["site"],
                received=at(day, 12),
                first_response_at=at(day, 12) + dt.timedelta(seconds=v),
            )
    standard_evaluate(standard=std)
    assert Rollup.objects.filter(standard=std, segment="", grain=Grain.DAY).count() == 7
    week = series.standard_series(standard=std)
    assert len(week) == 1
    direct = Sketch.of(values).quantile(0.9)
    assert week[0].value == direct
    assert week[0].n == 140
    assert week[0].value == pytest.approx(float(np.quantile(values, 0.9)), rel=0.01)


def test_it_keeps_hours_and_days_for_an_hourly_standard(org):
    std = make_standard(service=org["service"], threshold=Decimal(60), period=Period.HOUR)
    for hour, minutes in [(9, 10), (9, 90), (14, 20)]:
        record(
            src=org["src"],
            service=org["service"],
            site=org["site"],
            received=at(2, hour),
            minutes=minutes,
        )
    standard_evaluate(standard=std)
    hours = series.standard_series(standard=std)
    assert [(p.n, p.value) for p in hours] == [(2, 50.0), (1, 100.0)]
    days = series.standard_series(standard=std, period=Period.DAY)
    assert [(p.n, p.n_meeting) for p in days] == [(3, 2)]


def test_it_adds_agent_cells_only_when_the_version_segments_by_agent(org):
    std = make_standard(service=org["service"], threshold=Decimal(60), segments=["agent"])
    record(
        src=org["src"],
        service=org["service"],
        site=org["site"],
        received=at(2),
        minutes=5,
        agent=org["agent"],
    )
    record(src=org["src"], service=org["service"], site=org["site"], received=at(2), minutes=95)
    standard_evaluate(standard=std)
    agent = cell(std, f"agent:{org['agent'].pk}")
    assert (agent.n, agent.value, agent.agent_id) == (1, 100.0, org["agent"].pk)
    assert cell(std).n == 2


def test_it_removes_cells_that_became_empty(org):
    std = make_standard(service=org["service"], threshold=Decimal(60))
    rec = record(
        src=org["src"], service=org["service"], site=org["other"], received=at(2), minutes=5
    )
    standard_evaluate(standard=std)
    assert cell(std, f"site:{org['other'].pk}").n == 1
    rec.delete()
    standard_evaluate(standard=std)
    assert not Rollup.objects.filter(standard=std).exists()


def test_the_vectorised_quantiles_equal_the_sketch_per_group():
    from sqms.monitoring.evaluation import _quantiles

    rng = np.random.default_rng(11)
    values = np.concatenate([rng.exponential(20, 3000), np.zeros(50)])
    group = rng.integers(0, 40, values.size)
    for q in (0.5, 0.9, 0.95):
        got, sketches = _quantiles(group, values, 41, q)
        _, texts = _quantiles(group, values, 41, q, as_text=True)
        for g in range(41):
            sketch = Sketch.of(values[group == g])
            assert Sketch.from_json(sketches[g]) == sketch
            assert Sketch.from_json(json.loads(texts[g])) == sketch
            expected = sketch.quantile(q)
            assert (np.isnan(got[g]) and expected is None) or got[g] == expected


@pytest.mark.parametrize(
    "values",
    [[], [7], [2, -1, 0, 2, 2, -1, 0, 0, 1, 1] * 2, [1, 10**12, -(10**9), 42]],
    ids=["none", "one", "few distinct", "far apart"],
)
def test_joined_numbers_and_their_offsets_cut_back_to_each_run(values):
    from sqms.monitoring.evaluation import _joined

    array = np.array(values, dtype=np.int64)
    text, at = _joined(array)
    assert text == ",".join(map(str, values))
    for lo in range(len(values)):
        for hi in range(lo + 1, len(values) + 1):
            assert text[at[lo] : at[hi] - 1] == ",".join(map(str, values[lo:hi]))


def test_signals_are_looked_for_in_the_segments_the_version_names():
    from sqms.monitoring.evaluation import watched_segments
    from sqms.standards.models import StandardVersion

    version = StandardVersion(segments=["site"])
    got = watched_segments(
        ["", "site:1", "team:2", "site:1|channel:phone", "channel:chat"], version
    )
    assert got == ["", "site:1"]
