"""Objectives: progress and health computed from the standard's rollups, the cascade, the pages."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from sqms.core.models import AuditEntry
from sqms.core.roles import Role
from sqms.policy import rules, selectors
from sqms.policy.models import Objective
from sqms.policy.rules import Health
from tests.factories import make_site, make_team, make_user
from tests.policy.factories import add_rollup, make_objective
from tests.standards.factories import make_standard

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 6, 15, 3, 0, tzinfo=dt.UTC)


@time_machine.travel(NOW, tick=False)
def test_it_computes_progress_from_the_rollups_and_moves_with_the_data():
    standard = make_standard()
    objective = make_objective(standard=standard, baseline=70, target=90)
    today = timezone.localdate()
    add_rollup(standard, today - dt.timedelta(days=3), n=100, n_meeting=75)
    first = selectors.objective_progress(objective=objective)
    assert first.current == pytest.approx(75.0)
    assert first.progress == pytest.approx(25.0)  # (75 − 70) / (90 − 70)
    add_rollup(standard, today - dt.timedelta(days=2), n=100, n_meeting=95)
    second = selectors.objective_progress(objective=objective)
    assert second.current == pytest.approx(85.0)
    assert second.progress == pytest.approx(75.0)
    # Results older than the 28-day window do not count.
    add_rollup(standard, today - dt.timedelta(days=40), n=1000, n_meeting=0)
    assert selectors.objective_progress(objective=objective).progress == pytest.approx(75.0)


@time_machine.travel(NOW, tick=False)
def test_it_clips_progress_to_0_and_100_and_handles_lower_is_better():
    standard = make_standard()
    falling = make_objective(standard=standard, baseline=300, target=200)  # e.g. seconds
    today = timezone.localdate()
    add_rollup(standard, today - dt.timedelta(days=1), n=10, n_meeting=4)  # 40 % < target
    assert selectors.objective_progress(objective=falling).progress == pytest.approx(100.0)
    rising = make_objective(standard=standard, baseline=50, target=60)
    assert selectors.objective_progress(objective=rising).progress == 0.0


@time_machine.travel(NOW, tick=False)
def test_it_shows_no_data_rather_than_zero_percent(client_for):
    objective = make_objective()
    progress = selectors.objective_progress(objective=objective)
    assert progress.current is None
    assert progress.progress is None
    assert progress.health == Health.NO_DATA
    page = client_for(Role.STAFF).get(reverse("policy:objective_detail", args=[objective.pk]))
    html = page.content.decode()
    assert 'id="progress-value"><span class="muted">no data' in html
    assert "0%" not in html.split('id="progress-value"')[1].split("</dd>")[0]
    listing = client_for(Role.STAFF).get(reverse("policy:objective_list")).content.decode()
    assert 'data-health="no_data"' in listing


@pytest.mark.parametrize(
    ("progress", "elapsed", "past", "expected"),
    [
        (50.0, 55.0, False, Health.ON_TRACK),
        (50.0, 60.0, False, Health.ON_TRACK),
        (50.0, 61.0, False, Health.AT_RISK),
        (50.0, 75.0, False, Health.AT_RISK),
        (49.0, 75.0, False, Health.OFF_TRACK),
        (90.0, 100.0, True, Health.OFF_TRACK),
        (100.0, 100.0, True, Health.ON_TRACK),
        (None, 10.0, False, Health.NO_DATA),
    ],
)
def test_it_applies_the_health_rule(progress, elapsed, past, expected):
    assert rules.health(progress=progress, elapsed=elapsed, past_deadline=past) == expected


@time_machine.travel(NOW, tick=False)
def test_it_reads_the_segment_of_a_site_or_team_objective():
    site = make_site()
    team = make_team(site)
    standard = make_standard()
    today = timezone.localdate()
    add_rollup(standard, today - dt.timedelta(days=1), n=10, n_meeting=10)  # whole service
    add_rollup(standard, today - dt.timedelta(days=1), n=10, n_meeting=8, site=site)
    add_rollup(standard, today - dt.timedelta(days=1), n=10, n_meeting=7, team=team)
    org = make_objective(standard=standard)
    at_site = make_objective(standard=standard, site=site, parent=org)
    in_team = make_objective(standard=standard, team=team, parent=at_site)
    assert in_team.site == site
    values = [selectors.objective_progress(objective=o).current for o in (org, at_site, in_team)]
    assert values == pytest.approx([100.0, 80.0, 70.0])


@time_machine.travel(NOW, tick=False)
def test_it_orders_the_cascade_and_refuses_a_parent_that_is_not_one_level_up():
    site = make_site()
    team = make_team(site)
    other_site = make_site()
    org = make_objective(statement_ko="조직")
    at_site = make_objective(statement_ko="지점", site=site, parent=org)
    in_team = make_objective(statement_ko="팀", team=team, parent=at_site)
    make_objective(statement_ko="다른 조직")
    rows = selectors.objective_tree(objectives=list(Objective.objects.all()))
    assert [(r.objective.statement_ko, r.depth) for r in rows][:3] == [
        ("조직", 0),
        ("지점", 1),
        ("팀", 2),
    ]
    with pytest.raises(ValidationError) as exc:
        make_objective(site=other_site, parent=in_team)
    assert "parent" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        make_objective(team=make_team(other_site), parent=at_site)
    assert "parent" in exc.value.message_dict


def test_it_refuses_equal_baseline_and_target_and_a_deadline_before_the_start():
    with pytest.raises(ValidationError) as exc:
        make_objective(baseline=80, target=80)
    assert "target" in exc.value.message_dict
    today = timezone.localdate()
    with pytest.raises(ValidationError) as exc:
        make_objective(start_on=today, deadline=today - dt.timedelta(days=1))
    assert "deadline" in exc.value.message_dict


@time_machine.travel(NOW, tick=False)
def test_it_creates_an_objective_through_the_form_and_logs_it(client_for, users):
    standard = make_standard()
    client = client_for(Role.QUALITY_MANAGER)
    today = timezone.localdate()
    data = {
        "statement_ko": "첫 응답 95%",
        "statement_en": "First reply 95%",
        "standard": standard.pk,
        "baseline": "80",
        "target": "95",
        "start_on": today.isoformat(),
        "deadline": (today + dt.timedelta(days=90)).isoformat(),
        "owner": users[Role.QUALITY_MANAGER].pk,
        "plan_what": "교육",
    }
    response = client.post(reverse("policy:objective_create"), data)
    objective = Objective.objects.get(statement_ko="첫 응답 95%")
    assert response.status_code == 302
    assert AuditEntry.objects.filter(
        object_id=str(objective.pk), content_type__model="objective", action="create"
    ).exists()
    bad = client.post(reverse("policy:objective_create"), {**data, "target": "80"})
    assert bad.status_code == 400
    assert "The target must differ from the baseline." in bad.content.decode()
    assert "첫 응답 95%" in bad.content.decode()  # what was typed is kept
    detail = client.get(reverse("policy:objective_detail", args=[objective.pk]) + "?tab=history")
    assert "First reply 95%" in detail.content.decode()


@time_machine.travel(NOW, tick=False)
def test_it_draws_the_planned_path_and_the_actual_weeks(client_for):
    standard = make_standard()
    objective = make_objective(standard=standard, baseline=70, target=90)
    today = timezone.localdate()
    for days in (20, 13, 6):
        add_rollup(standard, today - dt.timedelta(days=days), n=10, n_meeting=8)
    page = client_for(Role.EXECUTIVE).get(reverse("policy:objective_detail", args=[objective.pk]))
    figure = page.context["figure"]
    plan, actual = figure["data"]
    assert plan["y"] == [70.0, 90.0]
    assert plan["x"] == [objective.start_on.isoformat(), objective.deadline.isoformat()]
    assert actual["y"] == [80.0, 80.0, 80.0]
    html = page.content.decode()
    assert 'id="objective-chart-plotly"' in html
    assert "policy/charts.js" in html
    assert "Health rule" in html
    assert "at least the share of time elapsed minus 10 points" in html


def test_it_lets_readers_read_and_refuses_them_writes(client_for):
    objective = make_objective()
    staff = client_for(Role.STAFF)
    assert staff.get(reverse("policy:objective_detail", args=[objective.pk])).status_code == 200
    assert staff.get(reverse("policy:objective_create")).status_code == 403
    assert staff.post(reverse("policy:objective_edit", args=[objective.pk]), {}).status_code == 403
    archive = reverse("policy:objective_archive", args=[objective.pk])
    assert staff.post(archive, {"archive-reason": "x"}).status_code == 403
    owner = client_for(Role.PROCESS_OWNER)
    assert owner.get(reverse("policy:objective_edit", args=[objective.pk])).status_code == 403


def test_it_hides_other_sites_objectives_from_site_limited_users(client):
    mine, theirs = make_site(), make_site()
    org = make_objective()
    visible = make_objective(site=mine, parent=org)
    hidden = make_objective(site=theirs, parent=org)
    limited = make_user(Role.STAFF, sites=[mine])
    client.force_login(limited)
    assert client.get(reverse("policy:objective_detail", args=[visible.pk])).status_code == 200
    assert client.get(reverse("policy:objective_detail", args=[org.pk])).status_code == 200
    assert client.get(reverse("policy:objective_detail", args=[hidden.pk])).status_code == 404
    listing = client.get(reverse("policy:objective_list")).content.decode()
    assert hidden.statement_ko not in listing
    assert visible.statement_ko in listing


def test_it_archives_with_a_reason_and_not_while_children_remain(client_for):
    org = make_objective()
    child = make_objective(site=make_site(), parent=org)
    qm = client_for(Role.QUALITY_MANAGER)
    qm.post(reverse("policy:objective_archive", args=[org.pk]), {"archive-reason": "완료"})
    org.refresh_from_db()
    assert org.archived_at is None
    qm.post(reverse("policy:objective_archive", args=[child.pk]), {"archive-reason": "완료"})
    qm.post(reverse("policy:objective_archive", args=[org.pk]), {"archive-reason": "완료"})
    org.refresh_from_db()
    assert org.archived_at is not None
