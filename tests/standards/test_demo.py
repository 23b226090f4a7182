"""The standards demo builds on the demo organisation and can run twice."""

from __future__ import annotations

import pytest

from sqms.demo.org import build_org
from sqms.standards.demo import build_standards_demo
from sqms.standards.models import BusinessCalendar, ServiceStandard, StandardVersion
from sqms.standards.selectors import calendar_spec, standard_current_version

pytestmark = pytest.mark.django_db


def test_it_builds_the_demo_standards_once(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    build_org()
    counts = build_standards_demo()
    assert counts["metrics"] >= 8
    assert counts["standards"] >= 8
    assert build_standards_demo() == counts
    email = ServiceStandard.objects.get(code="STD-BILL-EMAIL")
    assert StandardVersion.objects.filter(standard=email).count() == 2
    assert standard_current_version(standard=email).threshold == 4
    seoul = BusinessCalendar.objects.get(site__code="SEL")
    assert calendar_spec(calendar=seoul).weekly[5] == ((540, 780),)
    assert BusinessCalendar.objects.filter(site__isnull=True).count() == 1


def test_it_shows_the_demo_on_the_pages(settings, qm_client):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    build_org()
    build_standards_demo()
    body = qm_client.get("/standards/").content.decode()
    assert "이메일 첫 응답 영업시간 4시간 이내 95%" in body
    assert "v2" in body
    seoul = BusinessCalendar.objects.get(site__code="SEL")
    page = qm_client.get(f"/standards/calendars/{seoul.pk}/")
    assert page.status_code == 200
    assert len(page.context["preview"]) == 14
    edit = qm_client.get(f"/standards/calendars/{seoul.pk}/edit/").content.decode()
    assert 'value="13:00"' in edit
