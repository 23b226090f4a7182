"""Detection without noise: thin periods are not judged, recurring conditions fold into one
episode, and a noisy process that meets its standard opens nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import time_machine

from sqms.monitoring.detection import control_chart, signals_detect
from sqms.monitoring.models import Signal, SignalKind, SignalStatus, StandardMonitoring
from sqms.monitoring.series import segment_key
from sqms.standards import services as standard_services
from sqms.standards.hooks import listeners_suspended, version_listeners
from sqms.standards.models import Basis
from tests.factories import make_site
from tests.monitoring.signal_factories import STABLE, daily_standard, day, midnight, put_days

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen() -> Iterator[None]:
    with time_machine.travel(dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC), tick=False):
        yield


def detect(standard, segments=("",)):  # type: ignore[no-untyped-def]
    return signals_detect(standard=standard, segments=segments, start=midnight(day(0)))


def test_it_does_not_judge_periods_with_too_few_records():
    standard = daily_standard()
    put_days(standard, STABLE)
    put_days(standard, [2], start=20, n=5)  # 40 percent, but of five records
    assert detect(standard) == []
    assert not Signal.objects.exists()
    view = control_chart(standard=standard)
    assert view is not None
    assert midnight(day(20)) not in [p.period_start for p in view.points]
    # A standard that accepts five records per period judges the same day.
    StandardMonitoring.objects.create(standard=standard, min_records=5)
    detect(standard)
    breach = Signal.objects.get(kind=SignalKind.BREACH)
    assert breach.first_period == midnight(day(20))


def test_it_does_not_judge_thin_agent_periods_nor_chart_agents():
    site = make_site()
    standard = daily_standard()
    agent = segment_key(agent=7)
    put_days(standard, [9] * 20, n=9, segment=agent, site_id=site.pk)  # 100 percent, thin
    put_days(standard, [3], start=20, n=9, segment=agent, site_id=site.pk)
    detect(standard, segments=[agent])
    assert not Signal.objects.exists()
    # Enough records: the agent's breach is signalled, but no control chart is judged.
    put_days(standard, [*STABLE, 300], n=400, segment=agent, site_id=site.pk)
    detect(standard, segments=[agent])
    assert set(Signal.objects.values_list("kind", flat=True)) == {SignalKind.BREACH}


def test_it_folds_recurring_breaches_into_one_episode_until_a_quiet_week():
    standard = daily_standard()
    put_days(standard, [*STABLE, 300, *STABLE[:3], 300])  # breaches on days 20 and 24
    detect(standard)
    breach = Signal.objects.get(kind=SignalKind.BREACH)
    assert breach.occurrences == 2
    assert (breach.first_period, breach.last_period) == (midnight(day(20)), midnight(day(24)))
    assert [p["period"] for p in breach.evidence["points"]] == [
        midnight(day(20)).isoformat(),
        midnight(day(24)).isoformat(),
    ]
    # Six quiet days, then a breach: still the same episode.
    put_days(standard, [*STABLE[:6], 300], start=25)
    detect(standard)
    breach.refresh_from_db()
    assert (breach.occurrences, breach.status) == (3, SignalStatus.OPEN)
    # Seven quiet days end the episode; the next breach opens a new signal.
    put_days(standard, [*STABLE[:7], 300], start=32)
    opened = detect(standard)
    breach.refresh_from_db()
    assert breach.status == SignalStatus.RESOLVED
    assert breach.last_period == midnight(day(31))
    newest = Signal.objects.filter(kind=SignalKind.BREACH).exclude(pk=breach.pk).get()
    assert newest.first_period == midnight(day(39))
    assert newest in opened
    assert detect(standard) == []


def test_it_opens_nothing_for_a_noisy_process_that_meets_its_standard():
    standard = daily_standard(objective=90)
    put_days(standard, STABLE)
    # Better days beyond the upper limit, one lone day below the lower limit that still met
    # the standard, and a thin day: all marked or shown, none is news.
    put_days(standard, [400, 389, 370, 391, 390, 388, 392, 400, 389], start=20)
    put_days(standard, [1], start=29, n=4)
    assert detect(standard) == []
    assert not Signal.objects.exists()
    view = control_chart(standard=standard)
    assert view is not None
    flagged = {
        p.period_start for p, rules in zip(view.points, view.violations, strict=True) if rules
    }
    assert midnight(day(22)) in flagged  # the chart still marks it
    # The dip recurring before a quiet week (the thin day does not count) is a pattern: one
    # control-chart signal from the first dip on.
    put_days(standard, [370, 371], start=30)
    detect(standard)
    spc = Signal.objects.get(kind=SignalKind.SPC)
    assert spc.first_period == midnight(day(22))
    assert spc.occurrences == 3
    assert not Signal.objects.filter(kind=SignalKind.BREACH).exists()


def test_it_reads_only_from_start_but_keeps_the_baseline_limits():
    standard = daily_standard()
    put_days(standard, [*STABLE, *STABLE, *STABLE])
    put_days(standard, [300], start=60)
    opened = signals_detect(standard=standard, segments=[""], start=midnight(day(60)))
    kinds = {s.kind for s in opened}
    assert SignalKind.BREACH in kinds
    spc = Signal.objects.get(kind=SignalKind.SPC)
    assert spc.evidence["limits"]["start"] == midnight(day(0)).isoformat()


def test_it_suspends_version_listeners(django_capture_on_commit_callbacks):
    standard = daily_standard()
    heard: list[int] = []
    listener = heard.append
    version_listeners.append(listener)  # type: ignore[arg-type]
    try:
        with django_capture_on_commit_callbacks(execute=True), listeners_suspended():
            standard_services.standard_revise(
                actor=None, standard=standard, basis=Basis.INDUSTRY, reason="데모"
            )
        assert heard == []
        with (
            time_machine.travel(dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC), tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            standard_services.standard_revise(
                actor=None, standard=standard, basis=Basis.CUSTOMER_REQUIREMENT, reason="계약"
            )
        assert len(heard) == 1
    finally:
        version_listeners.remove(listener)  # type: ignore[arg-type]
