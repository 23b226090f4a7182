"""Pages: forms keep what the user typed, site scope, query counts, calendars."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sqms.core.roles import Role
from sqms.standards.models import BusinessCalendar, Metric, ServiceStandard, StandardVersion
from tests.factories import make_service, make_site, make_user
from tests.standards.factories import make_calendar, make_metric, make_standard

pytestmark = pytest.mark.django_db


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


# --- metrics ----------------------------------------------------------------------------------


def test_it_creates_a_metric_through_the_form(qm_client):
    resp = qm_client.post(
        reverse("standards:metric_create"),
        {
            "code": "FRT",
            "name": "첫 응답 시간",
            "source": "record_duration",
            "start_field": "received_at",
            "end_field": "first_response_at",
            "business_time": "on",
            "aggregation": "share_meeting_threshold",
            "direction": "lower_is_better",
            "unit": "hours",
        },
    )
    metric = Metric.objects.get(code="FRT")
    assert resp.status_code == 302
    assert resp.url == reverse("standards:metric_detail", args=[metric.pk])
    assert metric.business_time


def test_it_shows_metric_field_errors_and_keeps_the_input(qm_client):
    resp = qm_client.post(
        reverse("standards:metric_create"),
        {
            "code": "CAT",
            "name": "민원 비율",
            "source": "record_category",
            "value_field": "contact_type",
            "category_values": "",
            "aggregation": "rate_per_n",
            "direction": "lower_is_better",
            "unit": "rate",
        },
    )
    assert resp.status_code == 200
    assert set(resp.context["form"].errors) == {"category_values", "rate_base"}
    assert 'value="contact_type"' in resp.content.decode()
    assert not Metric.objects.filter(code="CAT").exists()


def test_it_archives_a_metric_with_a_reason(qm_client):
    metric = make_metric()
    url = reverse("standards:metric_archive", args=[metric.pk])
    assert qm_client.post(url, {"reason": ""}).status_code == 400
    assert qm_client.post(url, {"reason": "안 씀"}).status_code == 302
    metric.refresh_from_db()
    assert metric.is_archived


# --- standards --------------------------------------------------------------------------------


def _standard_post(service, metric, **overrides):  # type: ignore[no-untyped-def]
    data = {
        "code": "STD-1",
        "name": "이메일 첫 응답 4시간",
        "service": service.pk,
        "metric": metric.pk,
        "threshold": "4",
        "compliance_objective": "95",
        "period": "day",
        "segments": ["site", "channel"],
        "basis": "customer_requirement",
        "basis_reference": "계약 3조",
    }
    data.update(overrides)
    return data


def test_it_creates_a_standard_with_version_one_through_the_form(qm_client, users):
    service, metric = make_service([make_site()]), make_metric()
    resp = qm_client.post(reverse("standards:standard_create"), _standard_post(service, metric))
    standard = ServiceStandard.objects.get(code="STD-1")
    assert resp.status_code == 302
    version = StandardVersion.objects.get(standard=standard)
    assert (version.version, version.threshold, version.segments) == (1, 4, ["site", "channel"])
    assert version.created_by == users[Role.QUALITY_MANAGER]


def test_it_shows_standard_field_errors_and_keeps_the_input(qm_client):
    service, metric = make_service([make_site()]), make_metric()
    resp = qm_client.post(
        reverse("standards:standard_create"),
        _standard_post(service, metric, compliance_objective="120", basis_reference="계약 9조"),
    )
    assert resp.status_code == 200
    assert set(resp.context["form"].errors) == {"compliance_objective"}
    assert "계약 9조" in resp.content.decode()
    assert not ServiceStandard.objects.exists()


def test_it_revises_a_standard_through_the_form_and_shows_the_history(qm_client):
    standard = make_standard(effective_from=timezone.now() - dt.timedelta(days=3))
    url = reverse("standards:standard_revise", args=[standard.pk])
    form = qm_client.get(url)
    assert form.status_code == 200
    objective = f"{standard.versions.get().compliance_objective.normalize():f}"
    html = form.content.decode()
    assert 'name="threshold" value="60"' in html
    assert f'name="compliance_objective" value="{objective}"' in html
    assert "E+" not in objective
    resp = qm_client.post(
        url,
        {
            "threshold": "30",
            "compliance_objective": "95",
            "period": "day",
            "basis": "customer_requirement",
            "reason": "고객 요구 강화",
        },
    )
    assert resp.status_code == 302
    versions = list(StandardVersion.objects.filter(standard=standard).order_by("version"))
    assert [(v.version, v.threshold) for v in versions] == [(1, 60), (2, 30)]
    page = qm_client.get(reverse("standards:standard_detail", args=[standard.pk]))
    body = page.content.decode()
    assert page.context["current"].version == 2
    assert "고객 요구 강화" in body
    assert "v1" in body
    assert "v2" in body


def test_it_keeps_the_revision_input_when_the_reason_is_missing_or_the_date_is_past(qm_client):
    standard = make_standard(effective_from=timezone.now() - dt.timedelta(days=3))
    url = reverse("standards:standard_revise", args=[standard.pk])
    base = {
        "threshold": "42",
        "compliance_objective": "95",
        "period": "day",
        "basis": "customer_requirement",
    }
    resp = qm_client.post(url, {**base, "reason": ""})
    assert resp.status_code == 200
    assert set(resp.context["form"].errors) == {"reason"}
    assert 'value="42"' in resp.content.decode()
    resp = qm_client.post(url, {**base, "reason": "r", "effective_from": "2020-01-01T09:00"})
    assert resp.status_code == 200
    assert set(resp.context["form"].errors) == {"effective_from"}
    assert StandardVersion.objects.filter(standard=standard).count() == 1


def test_it_edits_the_name_but_not_the_level_of_a_standard(qm_client):
    standard = make_standard()
    resp = qm_client.post(
        reverse("standards:standard_edit", args=[standard.pk]),
        {"code": standard.code, "name": "새 이름", "description": "", "owner": ""},
    )
    assert resp.status_code == 302
    standard.refresh_from_db()
    assert standard.name == "새 이름"


def test_it_filters_the_standard_list(qm_client):
    a = make_standard(name="전화 응답")
    b = make_standard(name="이메일 응답", period="week", basis="industry")
    url = reverse("standards:standard_list")
    assert list(qm_client.get(url, {"q": "전화"}).context["page"]) == [a]
    assert list(qm_client.get(url, {"period": "week"}).context["page"]) == [b]
    assert list(qm_client.get(url, {"basis": "industry"}).context["page"]) == [b]
    assert list(qm_client.get(url, {"service": a.service_id}).context["page"]) == [a]
    assert list(qm_client.get(url, {"metric": b.metric_id}).context["page"]) == [b]


def test_it_lists_standards_and_metrics_in_a_fixed_number_of_queries(
    qm_client, django_assert_max_num_queries
):
    for _ in range(3):
        make_standard()
    with django_assert_max_num_queries(12) as few:
        assert qm_client.get(reverse("standards:standard_list")).status_code == 200
    for _ in range(12):
        make_standard()
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert qm_client.get(reverse("standards:standard_list")).status_code == 200
    # Filtering on the version in effect reads the current versions first: one more query.
    with django_assert_max_num_queries(len(few.captured_queries) + 1):
        assert (
            qm_client.get(reverse("standards:standard_list"), {"period": "day"}).status_code == 200
        )
    with django_assert_max_num_queries(10):
        assert qm_client.get(reverse("standards:metric_list")).status_code == 200
    for _ in range(5):
        make_calendar()
    with django_assert_max_num_queries(10):
        assert qm_client.get(reverse("standards:calendar_list")).status_code == 200


# --- site scope -------------------------------------------------------------------------------


def test_it_limits_a_site_scoped_user_to_standards_of_their_sites(client_for):
    here, there = make_site(), make_site()
    mine = make_standard(service=make_service([here]))
    other = make_standard(service=make_service([there]))
    scoped = _client(make_user(Role.QUALITY_MANAGER, sites=[here]))
    listed = scoped.get(reverse("standards:standard_list")).context["page"]
    assert list(listed) == [mine]
    assert scoped.get(reverse("standards:standard_detail", args=[mine.pk])).status_code == 200
    assert scoped.get(reverse("standards:standard_detail", args=[other.pk])).status_code == 404
    # Standards and metrics are organisation-wide: read-only to a site-limited writer.
    assert scoped.get(reverse("standards:standard_revise", args=[mine.pk])).status_code == 403
    assert scoped.get(reverse("standards:standard_create")).status_code == 403
    assert scoped.get(reverse("standards:metric_create")).status_code == 403


def test_it_lets_a_site_scoped_writer_edit_their_site_calendar_only():
    here, there = make_site(), make_site()
    own, foreign = make_calendar(here), make_calendar(there)
    from sqms.standards import services

    default = services.calendar_create(actor=None, name="기본")
    scoped = _client(make_user(Role.QUALITY_MANAGER, sites=[here]))
    calendars = scoped.get(reverse("standards:calendar_list")).context["calendars"]
    assert set(calendars) == {own, default}
    assert scoped.get(reverse("standards:calendar_edit", args=[own.pk])).status_code == 200
    assert scoped.get(reverse("standards:calendar_edit", args=[default.pk])).status_code == 403
    assert scoped.get(reverse("standards:calendar_detail", args=[foreign.pk])).status_code == 404


def test_it_refuses_writes_to_read_only_roles(client_for):
    standard = make_standard()
    staff = client_for(Role.STAFF)
    url = reverse("standards:standard_revise", args=[standard.pk])
    assert staff.post(url, {"reason": "x", "threshold": "1"}).status_code == 403
    assert StandardVersion.objects.filter(standard=standard).count() == 1


# --- calendars --------------------------------------------------------------------------------


def _hours(**extra: str) -> dict[str, str]:
    data = {f"opens_{d}_0": "09:00" for d in range(5)} | {
        f"closes_{d}_0": "18:00" for d in range(5)
    }
    return data | extra


def test_it_creates_and_edits_a_calendar_with_two_intervals_a_day(qm_client):
    site = make_site()
    resp = qm_client.post(
        reverse("standards:calendar_create"),
        {
            "site": site.pk,
            "name": "서울 영업시간",
            "time_zone": "Asia/Seoul",
            "use_public_holidays": "on",
            "holiday_country": "KR",
            **_hours(opens_5_0="09:00", closes_5_0="13:00"),
        },
    )
    assert resp.status_code == 302, resp.context["form"].errors
    calendar = BusinessCalendar.objects.get(site=site)
    assert calendar.opening_hours.count() == 6
    resp = qm_client.post(
        reverse("standards:calendar_edit", args=[calendar.pk]),
        {
            "name": "서울 영업시간",
            "time_zone": "Asia/Seoul",
            "holiday_country": "KR",
            **_hours(closes_0_0="12:00", opens_0_1="13:00", closes_0_1="18:00"),
        },
    )
    assert resp.status_code == 302
    calendar.refresh_from_db()
    assert not calendar.use_public_holidays
    assert [str(h.closes) for h in calendar.opening_hours.filter(weekday=0)] == [
        "12:00:00",
        "18:00:00",
    ]


def test_it_shows_calendar_errors_and_keeps_the_input(qm_client):
    calendar = make_calendar()
    resp = qm_client.post(
        reverse("standards:calendar_edit", args=[calendar.pk]),
        {
            "name": "겹침",
            "time_zone": "Asia/Seoul",
            "holiday_country": "KR",
            **_hours(opens_0_1="17:00", closes_0_1="19:00", opens_1_1="10:00"),
        },
    )
    assert resp.status_code == 200
    form = resp.context["form"]
    assert "closes_1_1" in form.errors
    assert 'value="17:00"' in resp.content.decode()


def test_it_reports_overlapping_hours_from_the_service(qm_client):
    calendar = make_calendar()
    resp = qm_client.post(
        reverse("standards:calendar_edit", args=[calendar.pk]),
        {
            "name": "겹침",
            "time_zone": "Asia/Seoul",
            "holiday_country": "KR",
            **_hours(opens_0_1="17:00", closes_0_1="19:00"),
        },
    )
    assert resp.status_code == 200
    assert resp.context["form"].non_field_errors()
    assert calendar.opening_hours.count() == 5


def test_it_adds_and_removes_closures_and_previews_holidays(qm_client):
    calendar = make_calendar()
    add = reverse("standards:calendar_closure_add", args=[calendar.pk])
    assert qm_client.post(add, {"date": "2030-01-02", "reason": ""}).status_code == 400
    assert qm_client.post(add, {"date": "2030-01-02", "reason": "점검"}).status_code == 302
    closure = calendar.closures.get()
    page = qm_client.get(reverse("standards:calendar_detail", args=[calendar.pk]))
    assert len(page.context["preview"]) == 14
    assert "점검" in page.content.decode()
    remove = reverse("standards:calendar_closure_remove", args=[calendar.pk, closure.pk])
    assert qm_client.post(remove).status_code == 302
    assert not calendar.closures.exists()


def test_it_shows_the_navigation_item_to_every_reader(client_for):
    body = client_for(Role.STAFF).get(reverse("home")).content.decode()
    assert reverse("standards:standard_list") in body
    assert reverse("standards:calendar_list") in body
