"""Blocks of new records are merged into their cells, exactly once, and agree with a full
recomputation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sqms.monitoring.evaluation import evaluate_all, standard_evaluate, touched_evaluate
from sqms.monitoring.ingest_columns import RecordColumns
from sqms.monitoring.merges import coalesced, id_ranges, passes
from sqms.monitoring.models import PendingMerge, Rollup
from sqms.monitoring.writer import upsert_columns
from sqms.standards.models import Aggregation, Period
from tests.monitoring.eval_helpers import at
from tests.monitoring.helpers import make_org, make_source
from tests.standards.factories import make_handle_mean_metric, make_metric, make_standard

pytestmark = pytest.mark.django_db
US = 1_000_000


def block(org: dict[str, Any], n: int, *, first_day: int, days: int, seed: int, prefix: str):
    """n records over `days` days from March `first_day`, both sites, a team on some."""
    rng = np.random.default_rng(seed)
    start = int(at(first_day, 0).timestamp())
    received = (start + rng.uniform(0, days * 86400, n)).astype(np.int64) * US
    answered = received + (rng.lognormal(np.log(40 * 60), 0.8, n) * US).astype(np.int64)
    sites = np.array([org["site"].pk, org["other"].pk])[rng.integers(0, 2, n)]
    team = np.where(sites == org["site"].pk, org["team"].pk, 0)
    return RecordColumns(
        row=np.arange(n, dtype=np.int64),
        external_id=[f"{prefix}{i}" for i in range(n)],
        service_id=np.full(n, org["service"].pk, dtype=np.int64),
        site_id=sites.astype(np.int64),
        team_id=team.astype(np.int64),
        channel=["phone" if c else "chat" for c in (rng.random(n) < 0.7)],
        agent_id=np.zeros(n, dtype=np.int64),
        received_us=received,
        first_response_us=answered,
        resolved_us=np.full(n, np.iinfo(np.int64).min, dtype=np.int64),
        handle_seconds=np.round(rng.gamma(4, 90, n), 1),
        resolved_first_contact=np.zeros(n, dtype=np.int8),
        category=["inquiry"] * n,
        extra=["{}"] * n,
    )


def standards(org: dict[str, Any]) -> list[Any]:
    """A share by day with segments, a p90 by hour and a mean: every kind of cell part."""
    service = org["service"]
    share = make_standard(
        service=service, effective_from=at(1, 0), segments=["site", "team", "channel"]
    )
    p90 = make_standard(
        service=service,
        metric=make_metric(aggregation=Aggregation.P90),
        effective_from=at(1, 0),
        period=Period.HOUR,
        segments=["site"],
    )
    mean = make_standard(
        service=service,
        metric=make_handle_mean_metric(),
        threshold=Decimal(400),
        effective_from=at(1, 0),
    )
    return [share, p90, mean]


def cells() -> dict[tuple[Any, ...], tuple[Any, ...]]:
    return {
        (r.standard_id, r.grain, r.segment, r.period_start): (
            r.version_id, r.n, r.n_meeting, r.total, r.total_sq, r.sketch, r.value
        )
        for r in Rollup.objects.all()
    }  # fmt: skip


def assert_same(merged: dict[Any, Any], full: dict[Any, Any]) -> None:
    assert merged.keys() == full.keys()
    for key, (version, n, n_meeting, total, total_sq, sketch, value) in full.items():
        m = merged[key]
        assert (m[0], m[1], m[2], m[5]) == (version, n, n_meeting, sketch), key
        assert m[3] == pytest.approx(total, rel=1e-12)
        assert m[4] == pytest.approx(total_sq, rel=1e-12)
        assert (m[6] is None) == (value is None)
        if value is not None:
            assert m[6] == pytest.approx(value, rel=1e-12), key


def test_merged_cells_equal_a_full_recomputation():
    org = make_org()
    stds = standards(org)
    src = make_source()
    service = org["service"].pk
    first = upsert_columns(
        source_id=src.pk, records=block(org, 400, first_day=2, days=3, seed=1, prefix="A")
    )
    assert first.merged
    assert PendingMerge.objects.filter(standard__in=stds).count() == 3
    touched_evaluate(touched={service: []}, detect=False)
    assert not PendingMerge.objects.exists()
    # a second block over days already holding cells, and one new day
    upsert_columns(
        source_id=src.pk, records=block(org, 300, first_day=3, days=3, seed=2, prefix="B")
    )
    with CaptureQueriesContext(connection) as queries:
        touched_evaluate(touched={service: []}, detect=False)
    reads = [q["sql"] for q in queries if "first_response_at" in q["sql"] or "handle" in q["sql"]]
    assert reads
    assert all("id BETWEEN" in sql and "received_at >=" not in sql for sql in reads)
    if connection.vendor == "sqlite":  # by the rowid ranges, not along the service index
        with connection.cursor() as cursor:
            for sql in reads:
                cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
                plan = " ".join(str(row[-1]) for row in cursor.fetchall())
                assert "INTEGER PRIMARY KEY" in plan
                assert "INDEX" not in plan.replace("MULTI-INDEX", "").replace("INDEX 1", "")
    merged = cells()
    assert {k[1] for k in merged} == {"day", "hour"}
    evaluate_all(detect=False)
    assert_same(merged, cells())


def test_a_recomputation_takes_the_pending_merges_so_nothing_counts_twice():
    org = make_org()
    share, p90, _mean = standards(org)
    src = make_source()
    upsert_columns(
        source_id=src.pk, records=block(org, 200, first_day=2, days=2, seed=3, prefix="A")
    )
    evaluate_all(detect=False)
    assert not PendingMerge.objects.exists()  # a whole recomputation counted them
    upsert_columns(
        source_id=src.pk, records=block(org, 150, first_day=3, days=3, seed=4, prefix="B")
    )
    # a recomputation of part of the history (a new version) merges first, then recomputes
    standard_evaluate(standard=share, start=at(4, 0), detect=False)
    # a correction's recomputation of a few hours merges first too
    standard_evaluate(standard=p90, touched=[at(3, 10)], detect=False)
    assert set(PendingMerge.objects.values_list("standard_id", flat=True)) == {_mean.pk}
    touched_evaluate(touched={org["service"].pk: []}, detect=False)
    touched_evaluate(touched={org["service"].pk: []}, detect=False)  # nothing left: no change
    merged = cells()
    evaluate_all(detect=False)
    assert_same(merged, cells())
    whole = Rollup.objects.get(standard=share, grain="day", segment="", period_start=at(3, 0))
    from sqms.monitoring.models import ServiceRecord

    day = ServiceRecord.objects.filter(received_at__gte=at(3, 0), received_at__lt=at(4, 0))
    assert whole.n == day.count()


def test_a_block_with_corrections_is_recomputed_not_merged():
    org = make_org()
    standards(org)
    src = make_source()
    records = block(org, 50, first_day=2, days=1, seed=5, prefix="A")
    upsert_columns(source_id=src.pk, records=records)
    touched_evaluate(touched={org["service"].pk: []}, detect=False)
    records.first_response_us[:5] += 90 * 60 * US  # five answers later than first written
    again = upsert_columns(source_id=src.pk, records=records)
    assert (again.merged, again.updated, again.unchanged) == (False, 5, 45)
    assert not PendingMerge.objects.exists()


def test_a_standard_created_after_a_block_counts_it_from_the_records():
    org = make_org()
    share = make_standard(service=org["service"], effective_from=at(1, 0))
    src = make_source()
    upsert_columns(
        source_id=src.pk, records=block(org, 80, first_day=2, days=2, seed=6, prefix="A")
    )
    later = make_standard(service=org["service"], effective_from=at(1, 0))
    assert list(PendingMerge.objects.values_list("standard_id", flat=True)) == [share.pk]
    standard_evaluate(standard=later, detect=False)  # its first evaluation, the whole history
    touched_evaluate(touched={org["service"].pk: []}, detect=False)
    totals = {
        pk: sum(
            Rollup.objects.filter(standard_id=pk, grain="day", segment="").values_list(
                "n", flat=True
            )
        )
        for pk in (share.pk, later.pk)
    }
    assert totals == {share.pk: 80, later.pk: 80}


def test_an_import_file_of_new_records_is_merged(tmp_path, django_capture_on_commit_callbacks):
    from tests.monitoring.helpers import run_file, write

    org = make_org()
    std = make_standard(service=org["service"], effective_from=at(1, 0))
    src = make_source()
    s, sv = org["site"].code, org["service"].code
    text = "external_id,service,site,channel,received_at,first_response_at\n" + "".join(
        f"X{i},{sv},{s},phone,2026-03-02 10:0{i}:00,2026-03-02 1{i}:00:00\n" for i in range(4)
    )
    with django_capture_on_commit_callbacks(execute=True):
        run = run_file(write(tmp_path, text), src)
    assert run.rows_created == 4
    assert not PendingMerge.objects.exists()
    cell = Rollup.objects.get(standard=std, grain="day", segment="", period_start=at(2, 0))
    assert (cell.n, cell.n_meeting, cell.value) == (4, 2, 50.0)  # answered after 0-59 min, 1-3 h


def test_id_ranges_passes_and_joins():
    assert id_ranges(np.array([7, 3, 4, 5, 9, 10], dtype=np.int64)) == [(3, 5), (7, 7), (9, 10)]
    assert id_ranges(np.array([], dtype=np.int64)) == []
    assert coalesced([(5, 9), (1, 4), (12, 20), (15, 16)]) == [(1, 9), (12, 20)]
    assert passes([(1, 10), (20, 24)], size=4) == [
        [(1, 4)], [(5, 8)], [(9, 10), (20, 21)], [(22, 24)]
    ]  # fmt: skip


def test_the_dates_read_back_match():
    """Cells read back from the table name the same periods the computation gave."""
    org = make_org()
    std = make_standard(service=org["service"], effective_from=at(1, 0), period=Period.HOUR)
    src = make_source()
    upsert_columns(
        source_id=src.pk, records=block(org, 60, first_day=5, days=1, seed=7, prefix="A")
    )
    touched_evaluate(touched={org["service"].pk: []}, detect=False)
    first = Rollup.objects.filter(standard=std).count()
    upsert_columns(
        source_id=src.pk, records=block(org, 60, first_day=5, days=1, seed=8, prefix="B")
    )
    touched_evaluate(touched={org["service"].pk: []}, detect=False)
    hours = Rollup.objects.filter(standard=std, grain="hour", segment="")
    assert sum(hours.values_list("n", flat=True)) == 120
    assert Rollup.objects.filter(standard=std).count() >= first
    assert all(r.period_start.minute == 0 for r in hours)
    assert all(r.period_start.astimezone(dt.UTC).second == 0 for r in hours)


def test_blocks_whose_task_was_lost_are_merged_by_the_periodic_pass():
    from django.utils import timezone

    from sqms.monitoring.evaluation import pending_leftovers_evaluate

    org = make_org()
    std = make_standard(service=org["service"], effective_from=at(1, 0))
    src = make_source()
    records = block(org, 25, first_day=2, days=1, seed=9, prefix="A")
    upsert_columns(source_id=src.pk, records=records)
    assert pending_leftovers_evaluate() == []  # too recent: its task may still be queued
    later = timezone.now() + dt.timedelta(minutes=11)
    [outcome] = pending_leftovers_evaluate(now=later)
    assert outcome.standard_id == std.pk
    assert not PendingMerge.objects.exists()
    cells = Rollup.objects.filter(standard=std, grain="day", segment="")
    assert sum(cells.values_list("n", flat=True)) == 25


def test_a_standard_back_in_use_counts_what_arrived_while_it_was_archived(
    django_capture_on_commit_callbacks,
):
    from sqms.standards.services import standard_archive, standard_unarchive

    org = make_org()
    share = make_standard(service=org["service"], effective_from=at(1, 0))
    src = make_source()
    upsert_columns(
        source_id=src.pk, records=block(org, 60, first_day=2, days=2, seed=7, prefix="A")
    )
    touched_evaluate(touched={org["service"].pk: []}, detect=False)
    standard_archive(actor=None, standard=share, reason="seasonal service")
    upsert_columns(
        source_id=src.pk, records=block(org, 40, first_day=5, days=2, seed=8, prefix="B")
    )
    assert not PendingMerge.objects.exists()  # an archived standard takes no merges

    def counted() -> int:
        days = Rollup.objects.filter(standard=share, grain="day", segment="")
        return sum(days.values_list("n", flat=True))

    assert counted() == 60
    with django_capture_on_commit_callbacks(execute=True):
        standard_unarchive(actor=None, standard=share, reason="back in season")
    assert counted() == 100
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        standard_unarchive(actor=None, standard=share, reason="again")
    assert not callbacks  # already in use: nothing to catch up
