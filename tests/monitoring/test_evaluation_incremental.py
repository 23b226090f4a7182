"""Incremental evaluation after imports, re-evaluation on a new version, feedback metrics."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sqms.feedback.measurements import feedback_measurements
from sqms.feedback.models import Answer
from sqms.feedback.models import Response as SurveyResponse
from sqms.monitoring import series
from sqms.monitoring.evaluation import feedback_watermark_evaluate, standard_evaluate
from sqms.monitoring.models import Grain, Rollup
from sqms.standards import hooks
from sqms.standards import services as std_services
from sqms.standards.models import Aggregation, Direction, MetricSource, Period, Unit
from tests.feedback.factories import make_survey
from tests.monitoring.eval_helpers import KST, at, record, source
from tests.monitoring.helpers import make_org, make_source, run_file, write
from tests.standards.factories import make_metric, make_standard

pytestmark = pytest.mark.django_db
HEADER = "external_id,service,site,channel,received_at,first_response_at"


def csv(org, rows) -> str:
    lines = [HEADER]
    for ext, day, minutes in rows:
        received = f"2026-03-{day:02d} 10:00:00"
        answered = (dt.datetime(2026, 3, day, 10) + dt.timedelta(minutes=minutes)).strftime(
            "%Y-%m-%d %H:%M:%S"
        )
        lines.append(f"{ext},{org['service'].code},{org['site'].code},phone,{received},{answered}")
    return "\n".join(lines) + "\n"


def day_cell(std, day):
    return Rollup.objects.get(
        standard=std,
        grain=Grain.DAY,
        segment="",
        period_start=series.period_start(at(day), Period.DAY),
    )


def test_it_re_evaluates_only_the_cells_an_import_touches(
    tmp_path, django_capture_on_commit_callbacks
):
    org = make_org()
    std = make_standard(service=org["service"], threshold=Decimal(60), effective_from=at(1, 0))
    src = make_source()
    with (
        time_machine.travel(dt.datetime(2026, 4, 1, tzinfo=dt.UTC), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        run_file(write(tmp_path, csv(org, [("A", 2, 10), ("B", 3, 90)])), src)
    first = day_cell(std, 2)
    assert (first.n, first.value) == (1, 100.0)
    before = first.updated_at
    with (
        time_machine.travel(dt.datetime(2026, 4, 2, tzinfo=dt.UTC), tick=False),
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks(execute=True),
    ):
        run = run_file(write(tmp_path, csv(org, [("C", 3, 10), ("D", 5, 5)]), "b.csv"), src)
    assert run.rows_created == 2
    assert day_cell(std, 2).updated_at == before  # day 2 untouched
    assert day_cell(std, 3).n == 2
    assert day_cell(std, 3).value == 50.0
    assert day_cell(std, 5).n == 1
    reads = [
        q["sql"]
        for q in queries
        if q["sql"].startswith("SELECT")
        and "first_response_at" in q["sql"]
        and "service_id = " in q["sql"]
    ]
    assert reads
    # new records only: just their ids are read, never a day's worth of stored records
    assert all("id BETWEEN" in sql and "received_at >=" not in sql for sql in reads)


def test_it_updates_the_cell_of_a_corrected_row(tmp_path, django_capture_on_commit_callbacks):
    org = make_org()
    std = make_standard(service=org["service"], threshold=Decimal(60), effective_from=at(1, 0))
    src = make_source()
    with django_capture_on_commit_callbacks(execute=True):
        run_file(write(tmp_path, csv(org, [("A", 2, 90), ("B", 2, 10)])), src)
    assert day_cell(std, 2).value == 50.0
    with django_capture_on_commit_callbacks(execute=True):
        run = run_file(write(tmp_path, csv(org, [("A", 2, 30)]), "fix.csv"), src)
    assert run.rows_updated == 1
    assert day_cell(std, 2).value == 100.0
    # a correction that moves the record to another day empties its old cell
    with django_capture_on_commit_callbacks(execute=True):
        run_file(write(tmp_path, csv(org, [("A", 4, 30), ("B", 4, 10)]), "move.csv"), src)
    assert not Rollup.objects.filter(
        standard=std, grain=Grain.DAY, period_start=series.period_start(at(2), Period.DAY)
    ).exists()
    assert day_cell(std, 4).n == 2


def test_a_new_version_re_evaluates_history_and_results_name_it(django_capture_on_commit_callbacks):
    org = make_org()
    src = source()
    start = dt.datetime(2026, 3, 1, tzinfo=KST)
    with time_machine.travel(dt.datetime(2026, 3, 10, 3, tzinfo=dt.UTC), tick=False):
        std = make_standard(service=org["service"], threshold=Decimal(60), effective_from=start)
        for day in (5, 12, 13):
            record(src=src, service=org["service"], site=org["site"], received=at(day), minutes=45)
        standard_evaluate(standard=std)
        v1 = std.versions.get()
        assert day_cell(std, 12).value == 100.0
        calls = []
        hooks.version_listeners.append(calls.append)
        try:
            with django_capture_on_commit_callbacks(execute=True):
                v2 = std_services.standard_revise(
                    actor=None,
                    standard=std,
                    reason="stricter",
                    threshold=Decimal(30),
                    effective_from=dt.datetime(2026, 3, 11, tzinfo=KST),
                )
        finally:
            hooks.version_listeners.remove(calls.append)
    assert calls == [v2]  # the listener fired on revise
    old, new = day_cell(std, 5), day_cell(std, 12)
    assert (old.version_id, old.value) == (v1.pk, 100.0)
    assert (new.version_id, new.value) == (v2.pk, 0.0)
    points = series.standard_series(standard=std)
    assert [p.version_id for p in points] == [v1.pk, v2.pk, v2.pk]


def test_it_turns_csat_and_nps_answers_into_measurements():
    org = make_org()
    site, service = org["site"], org["service"]
    survey = make_survey()
    csat_q, nps_q = list(survey.questions.order_by("order"))[:2]

    def respond(csat: int, nps: int, when: dt.datetime) -> None:
        r = SurveyResponse.objects.create(
            survey=survey, service=service, site=site, language="ko", submitted_at=when
        )
        Answer.objects.create(response=r, question=csat_q, value=csat)
        Answer.objects.create(response=r, question=nps_q, value=nps)

    when = dt.datetime(2026, 3, 2, 1, tzinfo=dt.UTC)
    for csat, nps in [(5, 10), (4, 8), (2, 3), (5, 9)]:
        respond(csat, nps, when)
    csat_m = make_metric(
        source=MetricSource.FEEDBACK_CSAT,
        start_field="",
        end_field="",
        aggregation=Aggregation.MEAN,
        direction=Direction.HIGHER_IS_BETTER,
        unit=Unit.SCORE,
    )
    nps_m = make_metric(
        source=MetricSource.FEEDBACK_NPS,
        start_field="",
        end_field="",
        aggregation=Aggregation.MEAN,
        direction=Direction.HIGHER_IS_BETTER,
        unit=Unit.SCORE,
    )
    nps_values = feedback_measurements(metric=nps_m, service_id=service.pk).value
    assert sorted(nps_values.tolist()) == [-100.0, 0.0, 100.0, 100.0]
    s_csat = make_standard(
        service=service,
        metric=csat_m,
        threshold=Decimal("4.2"),
        period=Period.MONTH,
        effective_from=at(1, 0),
    )
    s_nps = make_standard(
        service=service,
        metric=nps_m,
        threshold=Decimal(30),
        period=Period.MONTH,
        effective_from=at(1, 0),
    )
    feedback_watermark_evaluate()
    csat_point = series.standard_series(standard=s_csat)[0]
    assert (csat_point.n, csat_point.value, csat_point.complies) == (4, 4.0, False)
    nps_point = series.standard_series(standard=s_nps)[0]
    assert nps_point.value == pytest.approx(25.0)
    assert Rollup.objects.filter(standard=s_nps, segment=f"site:{site.pk}").exists()
    # a later response is picked up by the next periodic pass
    respond(5, 10, dt.datetime.now(dt.UTC) + dt.timedelta(seconds=5))
    feedback_watermark_evaluate()
    assert sum(p.n for p in series.standard_series(standard=s_csat)) == 5


def test_servqual_gaps_become_measurements_per_dimension():
    from django.core.exceptions import ValidationError

    from sqms.feedback import services as fb
    from sqms.feedback.models import ServqualMode

    org = make_org()
    site, service = org["site"], org["service"]
    survey = make_survey(active=False)
    fb.servqual_battery_add(actor=None, survey=survey, mode=ServqualMode.PAIR)
    items = {q.servqual_dimension: q for q in survey.questions.filter(kind="servqual")}
    perception_only = survey.questions.filter(kind="csat").first()
    when = dt.datetime(2026, 3, 2, 1, tzinfo=dt.UTC)
    for expectation, perception in [(7, 5), (6, 6), (5, 3)]:
        r = SurveyResponse.objects.create(
            survey=survey, service=service, site=site, language="ko", submitted_at=when
        )
        Answer.objects.create(
            response=r, question=items["reliability"], value=perception, expectation=expectation
        )
        Answer.objects.create(response=r, question=items["empathy"], value=7, expectation=6)
        Answer.objects.create(response=r, question=perception_only, value=2)
    gap = {
        "source": MetricSource.FEEDBACK_SERVQUAL_GAP,
        "start_field": "",
        "end_field": "",
        "aggregation": Aggregation.MEAN,
        "direction": Direction.HIGHER_IS_BETTER,
        "unit": Unit.SCORE,
    }
    reliability = make_metric(value_field="reliability", **gap)
    every = make_metric(**gap)
    got = feedback_measurements(metric=reliability, service_id=service.pk).value
    assert sorted(got.tolist()) == [-2.0, -2.0, 0.0]
    assert sorted(feedback_measurements(metric=every, service_id=service.pk).value.tolist()) == [
        -2.0, -2.0, 0.0, 1.0, 1.0, 1.0
    ]  # fmt: skip
    std = make_standard(
        service=service,
        metric=reliability,
        threshold=Decimal("-1"),
        period=Period.MONTH,
        effective_from=at(1, 0),
    )
    feedback_watermark_evaluate()
    point = series.standard_series(standard=std)[0]
    assert (point.n, point.value, point.complies) == (3, pytest.approx(-4 / 3), False)
    from sqms.standards.models import Metric

    bad = Metric(code="BAD-GAP", name="gap", value_field="speed", **gap)
    with pytest.raises(ValidationError) as exc:
        bad.clean()
    assert "value_field" in exc.value.message_dict


def test_the_evaluate_command_rebuilds_rollups():
    org = make_org()
    std = make_standard(service=org["service"], threshold=Decimal(60), effective_from=at(1, 0))
    record(src=source(), service=org["service"], site=org["site"], received=at(2), minutes=5)
    call_command("evaluate", "--standard", std.code, "--since", "2026-03-01")
    assert day_cell(std, 2).n == 1


def test_an_api_batch_re_evaluates_its_cells(django_capture_on_commit_callbacks):
    from sqms.monitoring.services import records_import_items

    org = make_org()
    std = make_standard(service=org["service"], threshold=Decimal(60), effective_from=at(1, 0))
    item = {
        "external_id": "API-1",
        "service": org["service"].code,
        "site": org["site"].code,
        "channel": "phone",
        "received_at": "2026-03-06T10:00:00+09:00",
        "first_response_at": "2026-03-06T10:30:00+09:00",
    }
    with django_capture_on_commit_callbacks(execute=True):
        run = records_import_items(
            actor=None, source=make_source(), items=[item], policy="keep_good", user=None
        )
    assert run.rows_created == 1
    assert (day_cell(std, 6).n, day_cell(std, 6).value) == (1, 100.0)
