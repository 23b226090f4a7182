"""Close the loop: detractors and low CSAT scores open follow-up tasks."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from sqms.core.models import AuditAction, AuditEntry, Notification
from sqms.core.roles import Role
from sqms.feedback import followups
from sqms.feedback.models import FollowUp
from sqms.feedback.tasks import feedback_complaint_clocks
from tests.factories import make_employee, make_service, make_site, make_user
from tests.feedback.factories import make_link, make_survey, respond
from tests.standards.factories import make_calendar

KST = ZoneInfo("Asia/Seoul")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("csat", "nps", "opens"),
    [(5, 9, False), (3, 7, False), (3, 6, True), (2, 9, True), (1, 0, True), (3, 10, False)],
)
def test_it_opens_a_follow_up_for_detractors_and_low_csat_only(csat, nps, opens):
    respond(make_link(make_survey()), csat=csat, nps=nps)
    assert FollowUp.objects.exists() == opens
    if opens:
        f = FollowUp.objects.get()
        assert (f.csat, f.nps) == (csat, nps)
        assert AuditEntry.objects.filter(object_id=str(f.pk), action="create").exists()


@pytest.mark.django_db
def test_it_goes_to_the_service_owner_else_to_the_quality_managers():
    qm = make_user(Role.QUALITY_MANAGER)
    site = make_site()
    owner_user = make_user(Role.PROCESS_OWNER)
    owner = make_employee(site=site)
    owner.user = owner_user  # test setup: link the employee to a login
    owner.save()
    service = make_service([site])
    service.owner = owner
    service.save()
    owned = respond(make_link(make_survey(service=service)), csat=1)
    unowned = respond(make_link(make_survey()), csat=1)
    assert FollowUp.objects.get(response=owned).owner == owner_user
    assert FollowUp.objects.get(response=unowned).owner is None
    assert Notification.objects.filter(recipient=owner_user).count() == 1
    assert Notification.objects.filter(recipient=qm).count() == 1  # only the unowned one


@pytest.mark.django_db
def test_it_is_due_two_business_days_later_on_the_site_calendar():
    site = make_site()
    make_calendar(site)
    survey = make_survey()
    link = make_link(survey)
    link.site = site
    link.save()
    # Friday 20 Nov 2026, 15:00 KST → Tuesday 24 Nov, 18:00 KST (close of the second open day).
    response = respond(link, csat=1, now=dt.datetime(2026, 11, 20, 15, tzinfo=KST))
    assert response.follow_up.due_at == dt.datetime(2026, 11, 24, 18, tzinfo=KST)


@pytest.mark.django_db
def test_it_reminds_before_and_escalates_after_the_due_time_once():
    qm = make_user(Role.QUALITY_MANAGER)
    at = dt.datetime(2026, 11, 20, 15, tzinfo=KST)
    respond(make_link(make_survey()), nps=2, now=at)  # no calendar: due 48 h later
    f = FollowUp.objects.get()
    assert f.due_at == at + dt.timedelta(days=2)
    before = Notification.objects.filter(recipient=qm).count()
    with time_machine.travel(f.due_at - dt.timedelta(hours=10), tick=False):
        assert feedback_complaint_clocks.call_local() == (0, 0, 0)
    with time_machine.travel(f.due_at - dt.timedelta(hours=2), tick=False):
        assert feedback_complaint_clocks.call_local() == (0, 1, 0)
        assert feedback_complaint_clocks.call_local() == (0, 0, 0)
    with time_machine.travel(f.due_at + dt.timedelta(hours=1), tick=False):
        assert feedback_complaint_clocks.call_local() == (0, 0, 1)
        assert feedback_complaint_clocks.call_local() == (0, 0, 0)
    f.refresh_from_db()
    assert f.reminded_at
    assert f.escalated_at
    assert Notification.objects.filter(recipient=qm).count() == before + 2
    # the trail says why, in words, in the organisation's language (the worker's)
    reasons = AuditEntry.objects.filter(
        content_type__model="followup", object_id=str(f.pk), action=AuditAction.UPDATE
    ).order_by("seq")
    assert [e.reason for e in reasons] == [
        "알림 발송: 후속 조치 기한이 다가옵니다.",
        "상향 보고: 후속 조치 기한이 지났습니다.",
    ]


@pytest.mark.django_db
def test_it_shows_contact_details_only_with_consent(qm_client):
    survey = make_survey(collect_contact=True)
    link = make_link(survey)
    from sqms.feedback import services
    from tests.feedback.factories import answers

    with_consent = services.response_submit(
        distribution=link,
        raw={**answers(survey, csat=1), "contact_phone": ["010-2222-3333"], "consent": ["on"]},
        language="ko",
    )
    without = respond(link, csat=1)
    f1, f2 = with_consent.follow_up, without.follow_up
    html = qm_client.get(reverse("feedback:followup_detail", kwargs={"pk": f1.pk})).content.decode()
    assert "010-2222-3333" in html
    assert followups.may_contact(f1)
    assert not followups.may_contact(f2)
    with pytest.raises(ValidationError) as exc:
        followups.followup_close(actor=None, followup=f2, outcome="contacted")
    assert "outcome" in exc.value.message_dict
    closed = followups.followup_close(actor=None, followup=f2, outcome="no_consent", notes="-")
    assert closed.status == "closed"
    r = qm_client.post(
        reverse("feedback:followup_detail", kwargs={"pk": f1.pk}),
        {"outcome": "contacted", "notes": "사과드리고 재방문 약속"},
    )
    assert r.status_code == 302
    f1.refresh_from_db()
    assert f1.status == "closed"
    assert f1.outcome == "contacted"
    assert f1.closed_by is not None
    r = qm_client.post(
        reverse("feedback:followup_detail", kwargs={"pk": f1.pk}), {"outcome": "contacted"}
    )
    assert r.status_code == 400  # already closed


@pytest.mark.django_db
def test_it_lists_mine_open_overdue_and_all(client_for, users):
    qm = users[Role.QUALITY_MANAGER]
    at = dt.datetime.now(dt.UTC) - dt.timedelta(days=5)
    old = respond(make_link(make_survey()), csat=1, now=at).follow_up
    new = respond(make_link(make_survey()), csat=1).follow_up
    client = client_for(Role.QUALITY_MANAGER)
    url = reverse("feedback:followup_list")

    def ids(view: str) -> set[int]:
        page = client.get(url, {"view": view})
        return {f.pk for f in page.context["page"].object_list}

    assert ids("overdue") == {old.pk}
    assert ids("open") == {old.pk, new.pk}
    assert ids("mine") == {old.pk, new.pk}  # unowned tasks belong to the quality managers
    followups.followup_close(actor=qm, followup=new, outcome="no_consent")
    assert ids("open") == {old.pk}
    assert ids("all") == {old.pk, new.pk}
    staff = Client()
    staff.force_login(users[Role.STAFF])
    assert staff.get(url, {"view": "mine"}).context["page"].paginator.count == 0
    assert (
        staff.post(
            reverse("feedback:followup_detail", kwargs={"pk": old.pk}), {"outcome": "no_consent"}
        ).status_code
        == 403
    )
