"""Expected status codes of every standards URL, per persona (see tests/test_url_matrix.py)."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from sqms.standards import services
from tests.factories import make_service, make_site
from tests.standards.factories import make_calendar, make_metric, make_standard
from tests.url_matrix_codes import ALL, API, POST_ONLY, WRITERS

API_POST_ONLY = (405,) * 7

MATRIX: dict[str, tuple[int, ...]] = {
    "standards:standard_list": ALL,
    "standards:standard_create": WRITERS,
    "standards:standard_detail": ALL,
    "standards:standard_edit": WRITERS,
    "standards:standard_revise": WRITERS,
    "standards:standard_archive": POST_ONLY,
    "standards:metric_list": ALL,
    "standards:metric_create": WRITERS,
    "standards:metric_detail": ALL,
    "standards:metric_edit": WRITERS,
    "standards:metric_archive": POST_ONLY,
    "standards:calendar_list": ALL,
    "standards:calendar_create": WRITERS,
    "standards:calendar_detail": ALL,
    "standards:calendar_edit": WRITERS,
    "standards:calendar_closure_add": POST_ONLY,
    "standards:calendar_closure_remove": POST_ONLY,
    "api:metric_list": API,
    "api:metric_detail": API,
    "api:metric_create": API,  # same path as the list; GET lists
    "api:standard_list": API,
    "api:standard_detail": API,
    "api:standard_create": API,  # same path as the list; GET lists
    "api:standard_revise": API_POST_ONLY,
}


def make_objects() -> dict[str, int]:
    site = make_site()
    metric = make_metric()
    standard = make_standard(service=make_service([site]), metric=metric)
    calendar = make_calendar(site)
    closure = services.closure_add(
        actor=None, calendar=calendar, date=dt.date(2030, 1, 2), reason="점검"
    )
    return {
        "standard": standard.pk,
        "metric": metric.pk,
        "calendar": calendar.pk,
        "calendar_closure": closure.pk,
    }


def url(name: str, objects: dict[str, int]) -> str | None:
    if name in ("api:metric_detail",):
        return reverse(name, kwargs={"pk": objects["metric"]})
    if name in ("api:standard_detail", "api:standard_revise", "standards:standard_revise"):
        return reverse(name, kwargs={"pk": objects["standard"]})
    if name == "standards:calendar_closure_add":
        return reverse(name, kwargs={"pk": objects["calendar"]})
    if name == "standards:calendar_closure_remove":
        return reverse(
            name, kwargs={"pk": objects["calendar"], "closure_pk": objects["calendar_closure"]}
        )
    if name.startswith("api:"):
        return reverse(name)
    return None
