"""The improvement dashboard: each number right, each linking to a list that shows it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from sqms.core.roles import Role
from sqms.improvement import selectors, services
from sqms.improvement.models import NcStatus, Severity
from tests.factories import PASSWORD, make_service, make_user
from tests.improvement.factories import advance, make_cause, make_nc

pytestmark = pytest.mark.django_db


@pytest.fixture
def qm():
    return make_user(Role.QUALITY_MANAGER)


@pytest.fixture
def data(qm):
    now = timezone.now()
    service = make_service()
    cause = make_cause(qm)
    old = make_nc(
        qm, severity=Severity.MAJOR, detected_at=now - dt.timedelta(days=40), service=service
    )
    services.root_cause_set(actor=qm, nc=old, cause=cause, statement="원인")
    recur = make_nc(
        qm, severity=Severity.MINOR, detected_at=now - dt.timedelta(days=2), service=service
    )
    services.root_cause_set(actor=qm, nc=recur, cause=cause, statement="원인")
    planned = advance(make_nc(qm, severity=Severity.CRITICAL), NcStatus.ACTION_PLANNED, actor=qm)
    action = planned.actions.get()
    action.due_on = timezone.localdate() - dt.timedelta(days=1)
    action.save()
    closed = advance(
        make_nc(qm, detected_at=now - dt.timedelta(days=10)), NcStatus.VERIFIED, actor=qm
    )
    with time_machine.travel(now + dt.timedelta(days=0)):
        services.nonconformance_close(
            actor=qm, nc=closed, password=PASSWORD, printed_name="김", meaning="종결"
        )
    return {"old": old, "recur": recur, "planned": planned, "closed": closed, "cause": cause}


def test_it_counts_the_dashboard_numbers(qm, data):
    d = selectors.dashboard(user=qm)
    assert d.open_total == 3
    assert {key: n for key, _label, n in d.open_by_severity} == {
        "critical": 1,
        "major": 1,
        "minor": 1,
    }
    assert dict(d.open_by_age) == {"0-7": 2, "8-30": 0, "31-90": 1, "91+": 0}
    assert d.overdue_actions == 1
    assert (d.recurrence_count, d.recurrence_total) == (1, 4)
    assert d.effectiveness.rate == 1.0
    assert d.mean_days_to_close == pytest.approx(10, abs=0.1)
    assert d.pareto[0][0] == data["cause"].pk
    assert d.pareto[0][2] == 2


def _numbers(html: str, element_id: str) -> str:
    block = html.split(f'id="{element_id}"')[1]
    return re.sub(r"\s+", " ", block.split("</a>")[0])


def test_it_links_every_number_to_a_list_that_shows_it(qm, data, client_for):
    client = client_for(Role.QUALITY_MANAGER)
    html = client.get(reverse("improvement:dashboard")).content.decode()
    assert '<div class="num">3</div>' in _numbers(html, "kpi-open")
    assert '<div class="num">1</div>' in _numbers(html, "kpi-overdue")
    links = set(re.findall(r'href="(/improvement/[^"]*\?[^"]*)"', html))

    def listed(url: str) -> set[str]:
        page = client.get(url.replace("&amp;", "&")).content.decode()
        return set(re.findall(r">(NC-\d{4}-\d{4})</a>", page))

    nc = data
    assert listed("/improvement/?open=on") == {
        nc["old"].number,
        nc["recur"].number,
        nc["planned"].number,
    }
    assert "/improvement/?open=on&amp;severity=critical" in links
    assert listed("/improvement/?open=on&severity=critical") == {nc["planned"].number}
    assert "/improvement/?age=31-90" in links
    assert listed("/improvement/?age=31-90") == {nc["old"].number}
    assert listed("/improvement/?recurrence=on") == {nc["recur"].number}
    assert listed("/improvement/?verified=on") == {nc["closed"].number}
    assert listed("/improvement/?status=closed") == {nc["closed"].number}
    assert f"/improvement/?cause={nc['cause'].pk}" in links
    assert listed(f"/improvement/?cause={nc['cause'].pk}") == {nc["old"].number, nc["recur"].number}
    overdue = client.get("/improvement/actions/?overdue=1").content.decode()
    assert nc["planned"].actions.get().title in overdue
    assert "/improvement/actions/?overdue=1" in html
    assert reverse("improvement:suggestion_participation") in html


def test_it_shows_an_empty_dashboard(client_for):
    page = client_for(Role.EXECUTIVE).get(reverse("improvement:dashboard"))
    assert page.status_code == 200
    assert "—" in page.content.decode()
