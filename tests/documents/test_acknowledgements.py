from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from sqms.core.exceptions import SqmsError
from sqms.core.roles import Role
from sqms.documents import services
from sqms.documents.models import Acknowledgement
from sqms.documents.selectors import campaign_report
from sqms.documents.tasks import documents_send_reminders
from tests.documents.factories import first_revision, make_document, make_published, publish
from tests.factories import make_employee, make_job_role, make_site, make_team, make_user

pytestmark = pytest.mark.django_db


def _employee_with_login(*, team=None, site=None, job_role=None, email="a@example.com"):  # type: ignore[no-untyped-def]
    employee = make_employee(site=site, team=team)
    user = make_user(Role.STAFF)
    user.email = email
    user.save(update_fields=["email"])
    employee.user = user
    employee.job_role = job_role
    employee.save(update_fields=["user", "job_role"])
    return employee


def test_it_targets_the_employees_of_chosen_sites_teams_and_job_roles():
    site, other_site = make_site(), make_site()
    team = make_team(other_site)
    role = make_job_role()
    at_site = _employee_with_login(site=site)
    in_team = _employee_with_login(team=team)
    with_role = _employee_with_login(site=other_site, job_role=role)
    _employee_with_login(site=other_site)  # none of the above
    make_employee(site=site)  # no login: cannot acknowledge
    revision = first_revision(make_document())
    publish(revision)
    campaign = services.ack_campaign_create(
        actor=None,
        revision=revision,
        deadline=timezone.localdate() + dt.timedelta(days=7),
        sites=[site],
        teams=[team],
        job_roles=[role],
    )
    asked = set(campaign.acknowledgements.values_list("employee_id", flat=True))
    assert asked == {at_site.pk, in_team.pk, with_role.pk}


def test_it_reports_completion_per_team_and_lists_the_overdue():
    site = make_site()
    team_a, team_b = make_team(site), make_team(site)
    a1, a2 = _employee_with_login(team=team_a), _employee_with_login(team=team_a)
    b1 = _employee_with_login(team=team_b)
    revision = first_revision(make_document())
    campaign = publish(revision, sites=[site], deadline=timezone.localdate() + dt.timedelta(days=2))
    assert campaign is not None
    ack = Acknowledgement.objects.get(campaign=campaign, user=a1.user)
    services.acknowledgement_confirm(actor=a1.user, acknowledgement=ack)

    report = campaign_report(campaign=campaign)
    by_team = {row.team: (row.done, row.total) for row in report.teams}
    assert by_team == {team_a.name: (1, 2), team_b.name: (0, 1)}
    assert report.overdue == []

    later = campaign_report(campaign=campaign, today=timezone.localdate() + dt.timedelta(days=3))
    assert {a.employee_id for a in later.overdue} == {a2.pk, b1.pk}


def test_it_lets_only_the_person_asked_confirm():
    site = make_site()
    employee = _employee_with_login(site=site)
    campaign = publish(first_revision(make_document()), sites=[site])
    assert campaign is not None
    ack = campaign.acknowledgements.get()
    with pytest.raises(SqmsError):
        services.acknowledgement_confirm(actor=make_user(Role.STAFF), acknowledgement=ack)
    services.acknowledgement_confirm(actor=employee.user, acknowledgement=ack)
    ack.refresh_from_db()
    assert ack.acknowledged_at is not None


def test_it_refuses_a_campaign_without_targets_or_for_an_unpublished_revision():
    revision = first_revision(make_document())
    deadline = timezone.localdate() + dt.timedelta(days=3)
    with pytest.raises(SqmsError, match="published"):
        services.ack_campaign_create(
            actor=None, revision=revision, deadline=deadline, sites=[make_site()]
        )
    publish(revision)
    with pytest.raises(SqmsError, match="at least one"):
        services.ack_campaign_create(actor=None, revision=revision, deadline=deadline)


def test_it_reminds_acknowledgers_near_the_deadline_once_a_day():
    site = make_site()
    _employee_with_login(site=site, email="reader@example.com")
    done = _employee_with_login(site=site, email="done@example.com")
    campaign = publish(
        first_revision(make_document()),
        sites=[site],
        deadline=timezone.localdate() + dt.timedelta(days=10),
    )
    assert campaign is not None
    services.acknowledgement_confirm(
        actor=done.user, acknowledgement=campaign.acknowledgements.get(user=done.user)
    )
    mail.outbox.clear()
    documents_send_reminders.call_local()
    assert mail.outbox == []  # the deadline is still far away
    with time_machine.travel(timezone.now() + dt.timedelta(days=8)):
        documents_send_reminders.call_local()
        documents_send_reminders.call_local()
    assert [m.to for m in mail.outbox] == [["reader@example.com"]]
    with time_machine.travel(timezone.now() + dt.timedelta(days=9)):
        documents_send_reminders.call_local()
    assert len(mail.outbox) == 2


def test_it_reminds_the_owner_when_the_review_is_due_once_a_day():
    owner = make_user(Role.PROCESS_OWNER)
    owner.email = "owner@example.com"
    owner.save(update_fields=["email"])
    document = make_published(owner=owner)
    document.refresh_from_db()
    assert document.next_review_on is not None
    mail.outbox.clear()
    documents_send_reminders.call_local()
    assert mail.outbox == []
    due = dt.datetime.combine(document.next_review_on, dt.time(9), tzinfo=dt.UTC)
    with time_machine.travel(due):
        documents_send_reminders.call_local()
        documents_send_reminders.call_local()
    assert [m.to for m in mail.outbox] == [["owner@example.com"]]
    assert document.number in mail.outbox[0].subject
    services.document_review_done(actor=owner, document=document)
    document.refresh_from_db()
    assert document.next_review_on > timezone.localdate()
