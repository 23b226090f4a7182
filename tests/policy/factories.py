"""Policy factories: objectives, rollups (as the evaluation engine writes them), reviews."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from django.utils import timezone

from sqms.core.models import User
from sqms.core.roles import Role
from sqms.monitoring.models import Grain, Rollup
from sqms.monitoring.series import org_tz, segment_key
from sqms.org.models import Site, Team
from sqms.policy import services
from sqms.policy.models import Objective, Review
from sqms.standards.models import ServiceStandard, StandardVersion
from tests.factories import make_user
from tests.standards.factories import make_standard

_seq = itertools.count(1)


def make_objective(
    *,
    standard: ServiceStandard | None = None,
    actor: User | None = None,
    baseline: float = 70,
    target: float = 90,
    start_on: dt.date | None = None,
    deadline: dt.date | None = None,
    **extra: Any,
) -> Objective:
    today = timezone.localdate()
    actor = actor or make_user(Role.QUALITY_MANAGER)
    return services.objective_create(
        actor=actor,
        statement_ko=extra.pop("statement_ko", f"목표 {next(_seq)}"),
        standard=standard or make_standard(),
        baseline=Decimal(str(baseline)),
        target=Decimal(str(target)),
        start_on=start_on or today - dt.timedelta(days=50),
        deadline=deadline or today + dt.timedelta(days=50),
        owner=extra.pop("owner", actor),
        **extra,
    )


def add_rollup(
    standard: ServiceStandard,
    day: dt.date,
    *,
    n: int,
    n_meeting: int,
    site: Site | None = None,
    team: Team | None = None,
) -> Rollup:
    """One day's cell of the standard, as the evaluation engine stores it."""
    version = StandardVersion.objects.filter(standard=standard).order_by("-version").first()
    assert version is not None
    start = dt.datetime.combine(day, dt.time.min, tzinfo=org_tz())
    return Rollup.objects.create(
        standard=standard,
        version=version,
        grain=Grain.DAY,
        period_start=start,
        segment=segment_key(site=site.pk if site else None, team=team.pk if team else None),
        site=site if site is not None else (team.site if team else None),
        team=team,
        n=n,
        n_meeting=n_meeting,
        total=float(n_meeting),
        value=100.0 * n_meeting / n if n else None,
    )


def make_review(
    *,
    actor: User | None = None,
    period_start: dt.date | None = None,
    period_end: dt.date | None = None,
    meeting_date: dt.date | None = None,
) -> Review:
    today = timezone.localdate()
    actor = actor or make_user(Role.QUALITY_MANAGER)
    return services.review_create(
        actor=actor,
        title=f"경영검토 {next(_seq)}",
        meeting_date=meeting_date or today,
        period_start=period_start or today - dt.timedelta(days=30),
        period_end=period_end or today,
        attendees=[actor],
        other_attendees="외부 위원",
    )


def held_with_minutes(review: Review, actor: User, minutes: str = "회의 내용") -> Review:
    review = services.review_hold(actor=actor, review=review)
    return services.review_minutes_update(
        actor=actor, review=review, minutes=minutes, decisions="결정 1"
    )
