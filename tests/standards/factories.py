"""Factories for the standards tests: every record made through the services."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from sqms.core.models import User
from sqms.org.models import Service, Site
from sqms.standards import services
from sqms.standards.models import (
    Aggregation,
    Basis,
    BusinessCalendar,
    Direction,
    Metric,
    MetricSource,
    Period,
    ServiceStandard,
    Unit,
)
from tests.factories import make_service, make_site

_seq = itertools.count(1)
WEEKDAYS_9_18 = [(d, dt.time(9), dt.time(18)) for d in range(5)]


def make_metric(**overrides: Any) -> Metric:
    n = next(_seq)
    values: dict[str, Any] = {
        "code": f"M{n}",
        "name": f"첫 응답 시간 {n}",
        "source": MetricSource.RECORD_DURATION,
        "start_field": "received_at",
        "end_field": "first_response_at",
        "aggregation": Aggregation.SHARE_MEETING_THRESHOLD,
        "direction": Direction.LOWER_IS_BETTER,
        "unit": Unit.MINUTES,
    }
    values.update(overrides)
    return services.metric_create(actor=None, **values)


def make_handle_mean_metric(**overrides: Any) -> Metric:
    """The mean handling time in seconds: a number field, not a duration."""
    values: dict[str, Any] = {
        "source": MetricSource.RECORD_NUMBER,
        "start_field": "",
        "end_field": "",
        "value_field": "handle_seconds",
        "aggregation": Aggregation.MEAN,
        "unit": Unit.SECONDS,
    }
    return make_metric(**(values | overrides))


def make_standard(
    *,
    service: Service | None = None,
    metric: Metric | None = None,
    actor: User | None = None,
    effective_from: dt.datetime | None = None,
    **overrides: Any,
) -> ServiceStandard:
    n = next(_seq)
    values: dict[str, Any] = {
        "code": f"STD{n}",
        "name": f"첫 응답 60분 이내 {n}",
        "threshold": Decimal(60),
        "compliance_objective": Decimal(95),
        "period": Period.DAY,
        "basis": Basis.CUSTOMER_REQUIREMENT,
        "basis_reference": "계약서 4.1",
    }
    values.update(overrides)
    return services.standard_create(
        actor=actor,
        service=service or make_service([make_site()]),
        metric=metric or make_metric(),
        effective_from=effective_from,
        **values,
    )


def make_calendar(site: Site | None = None, **overrides: Any) -> BusinessCalendar:
    values: dict[str, Any] = {"name": f"영업시간 {next(_seq)}", "hours": WEEKDAYS_9_18}
    values.update(overrides)
    return services.calendar_create(actor=None, site=site or make_site(), **values)
