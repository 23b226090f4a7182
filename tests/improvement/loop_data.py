"""Data of the closed-loop browser story (issue 6's "Done when"): a share-meeting service
standard at one site whose daily results are good, then deteriorate, then recover after the
corrective action. Rollups are written directly (no `sqms demo`); the signal comes from the
real detection.

The story spans three weeks: `put_history` and `detect` run at the day the user acts on the
signal ("day A"); `put_recovery` writes the results of the days from day A up to the test's
real yesterday, when the effectiveness is checked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqms.core.models import User
from sqms.core.roles import Role
from sqms.improvement import services as improvement
from sqms.improvement.models import Bone, Cause
from sqms.monitoring.detection import signals_detect
from sqms.monitoring.models import Grain, Rollup, Signal, SignalKind, SignalStatus
from sqms.monitoring.series import org_tz, segment_key
from sqms.org.models import Site
from sqms.standards.models import ServiceStandard, StandardVersion
from tests.factories import make_service, make_site, make_user
from tests.standards.factories import make_metric, make_standard

N = 400  # contacts per day
GOOD_DAYS = 30
BAD_DAYS = 14
# Records answered in time per day, cycled: about 97.5, 85 and 99 percent.
GOOD = [390, 388, 392, 389, 391, 387, 390, 393, 388, 390]
BAD = [342, 338, 345, 336, 340, 344, 339, 341]
RECOVERED = [396, 397, 395, 398, 396, 397, 394, 396]


@dataclass(frozen=True)
class Loop:
    quality: User
    owner: User
    site: Site
    standard: ServiceStandard
    cause: Cause


def midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=org_tz())


def build_loop(*, suffix: str) -> Loop:
    """The organisation, the standard (its automatic raising rule off: the user raises by
    hand), the cause taxonomy, a quality manager and the action owner."""
    quality = make_user(Role.QUALITY_MANAGER, username=f"qm-loop-{suffix}")
    owner = make_user(Role.PROCESS_OWNER, username=f"owner-loop-{suffix}")
    site = make_site(name="부산 센터")
    standard = make_standard(
        service=make_service([site]),
        metric=make_metric(),
        compliance_objective=Decimal(95),
        effective_from=midnight(dt.date(2020, 1, 1)),
    )
    improvement.raise_rule_save(actor=None, standard=standard, enabled=False, severity="minor")
    category = improvement.category_create(
        actor=quality, code=f"PRC-{suffix}", name="인력 계획 절차", bone=Bone.PROCESS
    )
    cause = improvement.cause_create(
        actor=quality, category=category, code=f"PRC-02-{suffix}", name="출시 일정 미반영"
    )
    return Loop(quality=quality, owner=owner, site=site, standard=standard, cause=cause)


def _version(standard: ServiceStandard) -> StandardVersion:
    version = StandardVersion.objects.filter(standard=standard).order_by("-version").first()
    assert version is not None
    return version


def put_days(loop: Loop, first: dt.date, meeting: list[int]) -> None:
    """One day rollup of the site per entry, from `first` on."""
    version = _version(loop.standard)
    segment = segment_key(site=loop.site.pk)
    for i, good in enumerate(meeting):
        value = 100.0 * good / N
        Rollup.objects.update_or_create(
            standard=loop.standard,
            grain=Grain.DAY,
            segment=segment,
            period_start=midnight(first + dt.timedelta(days=i)),
            defaults={
                "version": version,
                "site": loop.site,
                "n": N,
                "n_meeting": good,
                "total": value * N,
                "total_sq": value * value * N,
                "value": value,
            },
        )


def _cycle(values: list[int], n: int) -> list[int]:
    return [values[i % len(values)] for i in range(n)]


def history_start(day_a: dt.date) -> dt.date:
    return day_a - dt.timedelta(days=GOOD_DAYS + BAD_DAYS)


def put_history(loop: Loop, day_a: dt.date) -> None:
    """A good month, then two bad weeks ending the day before day A."""
    start = history_start(day_a)
    put_days(loop, start, _cycle(GOOD, GOOD_DAYS) + _cycle(BAD, BAD_DAYS))


def put_recovery(loop: Loop, day_a: dt.date, until: dt.date) -> None:
    """The recovered level from day A (the action's completion) to `until`."""
    put_days(loop, day_a, _cycle(RECOVERED, (until - day_a).days + 1))


def detect(loop: Loop, since: dt.date) -> list[Signal]:
    return signals_detect(
        standard=loop.standard,
        segments=[segment_key(site=loop.site.pk)],
        start=midnight(since),
    )


def the_signal(loop: Loop) -> Signal:
    """The open control-chart signal that saw the deterioration (else its breach signal)."""
    signals = Signal.objects.filter(
        standard=loop.standard, site=loop.site, status=SignalStatus.OPEN
    ).order_by("first_period", "pk")
    signal = signals.filter(kind=SignalKind.SPC).first() or signals.first()
    assert signal is not None, "the detection found no signal in the deterioration"
    return signal
