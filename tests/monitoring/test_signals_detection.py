"""Detection: breaches, control-chart rules against the baseline, SLO burn, folding, resolving."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator

import pytest
import time_machine
from django.core.exceptions import ValidationError

from sqms.core.models import AuditEntry
from sqms.monitoring import signal_services
from sqms.monitoring.detection import (
    DEFAULT_BASELINE,
    control_chart,
    limits_for,
    signals_detect,
)
from sqms.monitoring.models import (
    Grain,
    Rollup,
    Signal,
    SignalKind,
    SignalStatus,
    StandardMonitoring,
)
from sqms.monitoring.series import segment_key
from sqms.standards import services as standard_services
from sqms.standards.models import Aggregation, Basis
from tests.factories import make_site
from tests.monitoring.signal_factories import (
    DAY0,
    STABLE,
    current_version,
    daily_standard,
    day,
    midnight,
    put_days,
)
from tests.standards.factories import make_metric

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen() -> Iterator[None]:
    with time_machine.travel(dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC), tick=False):
        yield


def detect(standard, segments=("",)):  # type: ignore[no-untyped-def]
    return signals_detect(standard=standard, segments=segments, start=midnight(day(0)))


def test_it_opens_a_breach_signal_for_a_period_that_does_not_comply():
    standard = daily_standard()
    put_days(standard, [*STABLE, 300])  # day 20: 75 percent against an objective of 95
    detect(standard)
    breach = Signal.objects.get(standard=standard, kind=SignalKind.BREACH)
    assert breach.rule == "breach"
    assert breach.first_period == breach.last_period == midnight(day(20))
    assert breach.version == current_version(standard)
    (point,) = breach.evidence["points"]
    assert point["n"] == 400
    assert point["value"] == 75.0
    assert point["objective"] == 95.0
    assert breach.status == SignalStatus.OPEN
    # The same day also lies far below the lower control limit.
    assert Signal.objects.filter(
        standard=standard, kind=SignalKind.SPC, rule="western-electric-1"
    ).exists()


def test_it_finds_nothing_in_a_stable_compliant_process():
    standard = daily_standard()
    put_days(standard, STABLE)
    assert detect(standard) == []
    assert not Signal.objects.exists()


def test_it_flags_a_shift_against_limits_of_the_baseline_window_not_the_shifted_part():
    standard = daily_standard()
    put_days(standard, STABLE)
    signal_services.baseline_set(
        actor=None,
        standard=standard,
        start=midnight(day(0)),
        end=midnight(day(20)),
        reason="안정 구간",
    )
    put_days(standard, [382] * 10, start=20)  # 95.5 percent: still compliant, but shifted
    detect(standard)
    assert not Signal.objects.filter(kind=SignalKind.BREACH).exists()
    # All rules the shift breaks fold into one control-chart signal; its points name them.
    run = Signal.objects.get(standard=standard, kind=SignalKind.SPC)
    rules = {r for p in run.evidence["points"] for r in p["rules"]}
    assert {"western-electric-2", "western-electric-4"} <= rules
    limits = run.evidence["limits"]
    stable_p = sum(STABLE) / (400 * len(STABLE))
    assert limits["center_raw"] == pytest.approx(stable_p)
    assert limits["baseline"] is not None
    # Limits estimated from all 30 days would have a lower centre.
    everything = (sum(STABLE) + 382 * 10) / (400 * 30)
    assert limits["center_raw"] > everything + 0.003
    assert all(p["value"] < limits["center_shown"] for p in run.evidence["points"] if p["rules"])
    assert run.evidence["chart"] == "p"


def test_it_uses_the_first_periods_as_default_baseline():
    standard = daily_standard()
    put_days(standard, [*STABLE, *[382] * 10])
    limits = limits_for(standard=standard, segment="")
    assert limits is not None
    assert limits.baseline_id is None
    assert limits.n_points == DEFAULT_BASELINE
    assert limits.center == pytest.approx(sum(STABLE) / (400 * len(STABLE)))
    detect(standard)
    spc = Signal.objects.get(kind=SignalKind.SPC)
    assert "western-electric-4" in {r for p in spc.evidence["points"] for r in p["rules"]}


def test_it_needs_eight_periods_to_judge_a_chart():
    standard = daily_standard()
    put_days(standard, STABLE[:7])
    assert limits_for(standard=standard, segment="") is None
    assert control_chart(standard=standard) is None


def test_it_rebaselines_with_a_reason_changes_the_limits_and_audits_it():
    standard = daily_standard()
    put_days(standard, [*STABLE, *[382] * 10])
    first = signal_services.baseline_set(
        actor=None, standard=standard, start=midnight(day(0)), end=midnight(day(20)), reason="초기"
    )
    before = limits_for(standard=standard, segment="")
    second = signal_services.baseline_set(
        actor=None,
        standard=standard,
        start=midnight(day(20)),
        end=midnight(day(30)),
        reason="프로세스 변경 후 재설정",
    )
    after = limits_for(standard=standard, segment="")
    assert before is not None
    assert after is not None
    assert before.baseline_id == first.pk
    assert after.baseline_id == second.pk
    assert after.center == pytest.approx(382 / 400)
    assert after.center < before.center
    entry = AuditEntry.objects.filter(object_id=str(second.pk), action="create").last()
    assert entry is not None
    assert entry.reason == "프로세스 변경 후 재설정"
    with pytest.raises(signal_services.ReasonRequired):
        signal_services.baseline_set(
            actor=None, standard=standard, start=midnight(day(0)), end=midnight(day(9)), reason=" "
        )
    with pytest.raises(ValidationError):  # too few periods
        signal_services.baseline_set(
            actor=None, standard=standard, start=midnight(day(0)), end=midnight(day(3)), reason="x"
        )


def test_it_signals_a_fast_slo_burn():
    standard = daily_standard()
    put_days(standard, [*STABLE, 0])  # a day where nothing met the threshold
    detect(standard)
    fast = Signal.objects.get(standard=standard, kind=SignalKind.SLO_FAST)
    assert fast.rule == "fast-burn"
    (point,) = fast.evidence["points"]
    assert point["period"] == midnight(day(20)).isoformat()
    assert fast.evidence["objective"] == pytest.approx(0.95)
    assert fast.evidence["window_days"] == 28
    assert any(b["long"] > b["threshold"] for b in point["burn"])


def test_it_signals_a_slow_burn_without_a_fast_one():
    standard = daily_standard()
    monitoring = StandardMonitoring.objects.create(standard=standard, slo_window_days=28)
    assert monitoring.pk
    # 90 percent for three days: the budget burns at twice the sustainable rate.
    put_days(standard, [*STABLE, 360, 360, 360])
    detect(standard)
    kinds = set(Signal.objects.filter(standard=standard).values_list("kind", flat=True))
    assert SignalKind.SLO_SLOW in kinds
    assert SignalKind.SLO_FAST not in kinds


def test_it_folds_duplicates_into_one_open_signal_and_is_idempotent():
    standard = daily_standard()
    put_days(standard, [*STABLE, 300, 310])
    opened = detect(standard)
    assert [s.kind for s in opened].count(SignalKind.BREACH) == 1
    breach = Signal.objects.get(kind=SignalKind.BREACH)
    assert breach.occurrences == 2
    count = Signal.objects.count()
    # The same data again: nothing new.
    assert detect(standard) == []
    assert Signal.objects.count() == count
    breach.refresh_from_db()
    assert breach.occurrences == 2
    # One more breached day folds into the open signal.
    put_days(standard, [305], start=22)
    grown = detect(standard)
    assert breach.pk in [s.pk for s in grown]
    breach.refresh_from_db()
    assert Signal.objects.filter(kind=SignalKind.BREACH).count() == 1
    assert breach.occurrences == 3
    assert breach.last_period == midnight(day(22))
    assert [p["period"] for p in breach.evidence["points"]][-1] == midnight(day(22)).isoformat()


def test_it_folds_into_an_acknowledged_signal_but_not_a_dismissed_one(users):
    standard = daily_standard()
    put_days(standard, [*STABLE, 300])
    detect(standard)
    breach = Signal.objects.get(kind=SignalKind.BREACH)
    signal_services.signal_dismiss(
        actor=users["quality_manager"], signal=breach, reason="측정 오류"
    )
    assert detect(standard) == []  # a dismissed period is not signalled again
    put_days(standard, [300], start=21)
    detect(standard)
    assert Signal.objects.filter(kind=SignalKind.BREACH).count() == 2
    newest = Signal.objects.filter(kind=SignalKind.BREACH).order_by("-pk").first()
    assert newest is not None
    signal_services.signal_acknowledge(actor=users["quality_manager"], signal=newest, reason="확인")
    put_days(standard, [300], start=22)
    detect(standard)
    newest.refresh_from_db()
    assert Signal.objects.filter(kind=SignalKind.BREACH).count() == 2
    assert newest.occurrences == 2
    assert newest.status == SignalStatus.ACKNOWLEDGED


def test_it_resolves_a_signal_whose_condition_did_not_recur():
    standard = daily_standard()
    put_days(standard, [*STABLE, 300])
    detect(standard)
    breach = Signal.objects.get(kind=SignalKind.BREACH)
    # A daily standard's episode ends after a week without a breach.
    put_days(standard, STABLE[:6], start=21)
    detect(standard)
    breach.refresh_from_db()
    assert breach.status == SignalStatus.OPEN
    put_days(standard, STABLE[6:7], start=27)
    detect(standard)
    breach.refresh_from_db()
    assert breach.status == SignalStatus.RESOLVED
    entry = AuditEntry.objects.filter(object_id=str(breach.pk), action="update").last()
    assert entry is not None
    assert "No recurrence" in entry.reason


def test_it_names_the_site_of_a_segment_and_the_version_of_the_last_period():
    site = make_site()
    standard = daily_standard()
    segment = segment_key(site=site.pk, channel="phone")
    put_days(standard, STABLE, segment=segment, site_id=site.pk)
    with time_machine.travel(midnight(day(20)), tick=False):
        version2 = standard_services.standard_revise(
            actor=None, standard=standard, basis=Basis.INDUSTRY, reason="새 계약"
        )
    put_days(standard, [300], start=20, segment=segment, site_id=site.pk)
    detect(standard, segments=[segment])
    breach = Signal.objects.get(kind=SignalKind.BREACH)
    assert breach.site_id == site.pk
    assert breach.segment == segment
    assert breach.version.version == 2
    assert version2 is not None


def test_it_charts_a_mean_metric_on_an_individuals_chart():
    metric = make_metric(aggregation=Aggregation.MEAN)
    standard = daily_standard(metric=metric)
    values = [40.0, 42, 41, 39, 40, 43, 41, 40, 42, 41, 39, 40, 41, 42, 40, 41, 40, 39, 41, 42]
    # Two points far above the limits (still within the standard: two, not a lone one).
    put_days(standard, [400] * 22, values=[*values, 58.0, 59.0])
    view = control_chart(standard=standard)
    assert view is not None
    assert view.chart == "imr"
    detect(standard)
    spc = Signal.objects.get(kind=SignalKind.SPC, rule="western-electric-1")
    assert spc.evidence["chart"] == "imr"
    assert spc.evidence["points"][-1]["value"] == 59.0
    assert spc.occurrences == 2


def test_it_splits_a_reevaluated_history_into_episodes():
    standard = daily_standard()
    put_days(standard, [*STABLE, 300, 310, *STABLE[:8], 300])
    detect(standard)
    breaches = list(Signal.objects.filter(kind=SignalKind.BREACH).order_by("first_period"))
    assert [(b.occurrences, b.status) for b in breaches] == [
        (2, SignalStatus.RESOLVED),
        (1, SignalStatus.OPEN),
    ]
    assert breaches[0].last_period == midnight(day(21))
    assert breaches[1].first_period == midnight(day(30))
    assert detect(standard) == []


def test_it_keeps_each_signals_evidence_inside_its_own_periods():
    standard = daily_standard()
    wobble = [390, 392, 380, 394, 379, 391, 396, 381, 389, 393]
    put_days(standard, [*STABLE, *wobble * 6, *[372] * 12, *wobble * 3])
    detect(standard)
    signals = list(Signal.objects.filter(standard=standard))
    assert len(signals) > 3
    for signal in signals:
        periods = [dt.datetime.fromisoformat(p["period"]) for p in signal.evidence["points"]]
        assert periods == sorted(periods)
        assert signal.first_period <= min(periods)
        assert max(periods) <= signal.last_period
    # Episodes of one rule never overlap.
    by_rule: dict[tuple[str, str], list[Signal]] = {}
    for signal in signals:
        by_rule.setdefault((signal.kind, signal.rule), []).append(signal)
    for group in by_rule.values():
        group.sort(key=lambda s: s.first_period)
        for a, b in itertools.pairwise(group):
            assert a.last_period < b.first_period


def test_an_hourly_standard_is_charted_by_day_as_it_is_judged():
    from sqms.standards.models import Period

    standard = daily_standard(period=Period.HOUR)
    put_days(standard, STABLE[:15])
    hour = Rollup.objects.create(
        standard=standard,
        version=current_version(standard),
        grain=Grain.HOUR,
        segment="",
        period_start=midnight(day(3)) + dt.timedelta(hours=10),
        n=5,
        n_meeting=5,
        total=500.0,
        total_sq=50000.0,
        value=100.0,
    )
    view = control_chart(standard=standard)
    assert view is not None
    starts = [p.period_start for p in view.points]
    assert len(starts) == 15
    assert hour.period_start not in starts
    assert all(s == midnight(s.astimezone(midnight(DAY0).tzinfo).date()) for s in starts)
