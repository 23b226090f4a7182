from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from sqms.core.roles import Role
from sqms.improvement import services
from sqms.improvement.models import ActionKind, ActionStatus
from sqms.improvement.tasks import improvement_send_reminders
from tests.factories import make_user
from tests.improvement.factories import make_nc

TODAY = dt.date(2026, 3, 10)


@pytest.fixture
def people(db):
    owner = make_user(Role.PROCESS_OWNER)
    owner.email = "owner@example.com"
    owner.save()
    qm = make_user(Role.QUALITY_MANAGER)
    qm.email = "qm@example.com"
    qm.save()
    return owner, qm


def _action(owner, due_on, status=ActionStatus.OPEN):
    nc = make_nc(owner)
    action = services.action_create(
        actor=owner, nc=nc, kind=ActionKind.CORRECTIVE, title="조치", owner=owner, due_on=due_on
    )
    if status != ActionStatus.OPEN:
        services.action_set_status(actor=owner, action=action, status=status)
    return action


def test_it_reminds_the_owner_within_three_days_once_a_day(people):
    owner, _qm = people
    _action(owner, TODAY + dt.timedelta(days=3))
    _action(owner, TODAY + dt.timedelta(days=4))  # too early
    _action(owner, TODAY + dt.timedelta(days=1), status=ActionStatus.DONE)
    assert services.action_reminders_send(today=TODAY) == 1
    assert mail.outbox[0].to == ["owner@example.com"]
    assert services.action_reminders_send(today=TODAY) == 0
    assert services.action_reminders_send(today=TODAY + dt.timedelta(days=1)) == 2


def test_it_escalates_overdue_actions_to_the_quality_managers_once_a_day(people):
    owner, _qm = people
    _action(owner, TODAY - dt.timedelta(days=1))
    assert services.action_escalations_send(today=TODAY) == 1
    assert mail.outbox[0].to == ["qm@example.com"]
    assert "Overdue" in mail.outbox[0].subject
    assert services.action_escalations_send(today=TODAY) == 0
    assert len(mail.outbox) == 1


def test_it_runs_both_from_the_periodic_task(people):
    owner, _qm = people
    today = timezone.localdate()
    _action(owner, today + dt.timedelta(days=1))
    _action(owner, today - dt.timedelta(days=1))
    assert improvement_send_reminders.call_local() == (1, 1)
    assert improvement_send_reminders.call_local() == (0, 0)
