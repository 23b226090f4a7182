"""Complaint handling (ISO 10002): intake, workflow, business-time clocks, escalation."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from sqms.core.exceptions import InvalidTransition, ReasonRequired, SqmsError
from sqms.core.models import AuditEntry, Notification
from sqms.core.roles import Role
from sqms.feedback import complaints as services
from sqms.feedback import complaints_selectors as selectors
from sqms.feedback.models import (
    Complaint,
    ComplaintCategory,
    ComplaintStatus,
    ComplaintStatusChange,
)
from sqms.feedback.tasks import feedback_complaint_clocks
from sqms.standards import services as standards_services
from tests.factories import make_service, make_site, make_user
from tests.standards.factories import make_calendar

KST = ZoneInfo("Asia/Seoul")


def kst(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=KST)


def make_complaint(**kw: Any) -> Complaint:
    values: dict[str, Any] = {
        "actor": None,
        "intake": "staff",
        "subject": "대기 시간이 너무 깁니다",
        "description": "창구에서 40분을 기다렸습니다.",
        "severity": "medium",
    }
    values.update(kw)
    return services.complaint_receive(**values)


def walk(complaint: Complaint, *steps: str, reply: str = "확인 후 조치했습니다.") -> Complaint:
    for to in steps:
        if to == ComplaintStatus.RESPONDED and not complaint.reply:
            complaint = services.complaint_reply_set(actor=None, complaint=complaint, reply=reply)
        reason = "고객 재문의" if to in ("reopened", "withdrawn") else ""
        complaint = services.complaint_transition(
            actor=None, complaint=complaint, to=to, reason=reason
        )
    return complaint


@pytest.mark.django_db
def test_it_numbers_complaints_and_records_the_intake_as_history():
    first = make_complaint(received_at=kst(2026, 3, 2, 10))
    second = make_complaint(received_at=kst(2026, 3, 2, 11))
    assert first.reference == "C2026-00001"
    assert second.reference == "C2026-00002"
    assert first.status == ComplaintStatus.RECEIVED
    assert ComplaintStatusChange.objects.filter(complaint=first).count() == 1
    assert AuditEntry.objects.filter(object_id=str(first.pk), action="create").exists()


@pytest.mark.django_db
def test_it_walks_the_workflow_and_refuses_invalid_moves():
    c = make_complaint()
    with pytest.raises(InvalidTransition):
        services.complaint_transition(actor=None, complaint=c, to="closed")
    c = walk(c, "acknowledged")
    with pytest.raises(InvalidTransition):  # no reply yet
        services.complaint_transition(actor=None, complaint=c, to="responded")
    c = walk(Complaint.objects.get(pk=c.pk), "investigating", "responded", "closed")
    assert c.status == "closed"
    assert c.acknowledged_at
    assert c.responded_at
    assert c.closed_at
    assert c.satisfaction_token
    with pytest.raises(InvalidTransition):
        services.complaint_transition(actor=None, complaint=c, to="investigating")
    with pytest.raises(ReasonRequired):
        services.complaint_transition(actor=None, complaint=c, to="reopened")
    moves = [ch.to_status for ch in c.changes.all()]
    assert moves == ["received", "acknowledged", "investigating", "responded", "closed"]


@pytest.mark.django_db
def test_it_reopens_with_a_reason_and_restarts_the_resolution_clock():
    c = walk(make_complaint(), "acknowledged", "responded", "closed")
    old_due = c.resolve_due_at
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=3)):
        c = services.complaint_transition(
            actor=None, complaint=c, to="reopened", reason="답변이 부족합니다"
        )
    assert c.status == "reopened"
    assert c.reopen_count == 1
    assert c.responded_at is None
    assert c.closed_at is None
    assert c.resolve_due_at > old_due
    assert c.changes.last().reason == "답변이 부족합니다"  # type: ignore[union-attr]
    c = walk(c, "responded", "closed")
    assert c.status == "closed"


@pytest.mark.django_db
def test_it_withdraws_only_with_a_reason_and_then_stops():
    c = make_complaint()
    with pytest.raises(ReasonRequired):
        services.complaint_transition(actor=None, complaint=c, to="withdrawn", reason=" ")
    c = walk(c, "withdrawn")
    assert c.status == "withdrawn"
    assert not c.is_open
    with pytest.raises(InvalidTransition):
        services.complaint_transition(actor=None, complaint=c, to="reopened", reason="x")


@pytest.mark.django_db
def test_it_counts_the_clocks_in_business_time_over_the_weekend():
    site = make_site()
    make_calendar(site)  # Mon–Fri 09:00–18:00, Korean public holidays
    # Friday 17:00: one hour left that day, then Monday.
    c = make_complaint(site=site, severity="medium", received_at=kst(2026, 11, 20, 17))
    assert c.ack_due_at == kst(2026, 11, 23, 16)  # 1 h Friday + 7 h Monday
    assert c.resolve_due_at == kst(2026, 11, 27, 12)  # 1 + 9×4 + 3 = 40 h
    with time_machine.travel(kst(2026, 11, 21, 12), tick=False):  # Saturday
        ack, resolve = selectors.complaint_clocks(c)
    assert ack.remaining == dt.timedelta(hours=7)  # the weekend does not count
    assert not ack.overdue
    with time_machine.travel(kst(2026, 11, 24, 10), tick=False):  # Tuesday 10:00
        ack, resolve = selectors.complaint_clocks(c)
    assert ack.overdue
    assert ack.remaining == -dt.timedelta(hours=3)
    assert resolve.remaining == dt.timedelta(hours=29)  # Tue 8 + Wed 9 + Thu 9 + Fri 3


@pytest.mark.django_db
def test_it_skips_public_holidays_and_closures():
    site = make_site()
    calendar = make_calendar(site)
    standards_services.closure_add(
        actor=None, calendar=calendar, date=dt.date(2026, 12, 28), reason="시스템 점검"
    )
    # Thursday 24 Dec 17:00; Christmas (Fri) is a holiday, Monday 28 a closure.
    c = make_complaint(site=site, severity="high", received_at=kst(2026, 12, 24, 17))
    assert c.ack_due_at == kst(2026, 12, 29, 12)  # 1 h Thursday + 3 h Tuesday


@pytest.mark.django_db
def test_it_runs_around_the_clock_without_a_calendar():
    c = make_complaint(severity="critical", received_at=kst(2026, 11, 21, 12))
    assert c.ack_due_at == kst(2026, 11, 21, 13)
    assert c.resolve_due_at == kst(2026, 11, 21, 20)


@pytest.mark.django_db
def test_it_recomputes_the_clocks_when_the_severity_changes():
    c = make_complaint(severity="low", received_at=kst(2026, 11, 21, 12))
    c = services.complaint_update(actor=None, complaint=c, fields={"severity": "critical"})
    c.refresh_from_db()
    assert c.ack_due_at == kst(2026, 11, 21, 13)


@pytest.mark.django_db
def test_it_escalates_once_when_a_clock_runs_out():
    qm = make_user(Role.QUALITY_MANAGER)
    assignee = make_user(Role.STAFF)
    c = make_complaint(severity="critical", assignee=assignee, received_at=kst(2026, 11, 21, 12))
    with time_machine.travel(kst(2026, 11, 21, 12, 30), tick=False):
        assert feedback_complaint_clocks.call_local() == (0, 0, 0)
    with time_machine.travel(kst(2026, 11, 21, 14), tick=False):
        escalated, _r, _o = feedback_complaint_clocks.call_local()
        assert escalated == 1
        assert feedback_complaint_clocks.call_local()[0] == 0  # once per clock
    c.refresh_from_db()
    assert c.ack_escalated_at is not None
    assert c.resolve_escalated_at is None
    assert c.escalated
    assert Notification.objects.filter(recipient=qm, url__contains=str(c.pk)).count() == 1
    # The assignee got the assignment notice and the escalation.
    assert Notification.objects.filter(recipient=assignee).count() == 2
    with time_machine.travel(kst(2026, 11, 22, 0), tick=False):
        assert feedback_complaint_clocks.call_local()[0] == 1  # the resolution clock
    with time_machine.travel(kst(2026, 11, 22, 0), tick=False):
        overdue = selectors.complaint_list(user=qm, filters=selectors.ComplaintFilter(overdue=True))
        assert list(overdue) == [c]


@pytest.mark.django_db
def test_it_keeps_the_reply_apart_from_internal_notes():
    c = make_complaint()
    services.complaint_note_add(actor=None, complaint=c, text="내부: 담당 직원 면담 예정")
    c = walk(c, "acknowledged", "responded", reply="불편을 드려 죄송합니다.")
    page = Client().get(
        reverse("feedback:public_complaint_satisfaction", kwargs={"token": c.satisfaction_token})
    )
    html = page.content.decode()
    assert "불편을 드려 죄송합니다." in html
    assert "내부: 담당 직원 면담 예정" not in html
    with pytest.raises(SqmsError):  # the reply was sent
        services.complaint_reply_set(actor=None, complaint=c, reply="다른 답변")


@pytest.mark.django_db
def test_it_records_satisfaction_after_the_response_only():
    c = make_complaint()
    with pytest.raises(SqmsError):
        services.complaint_satisfaction_record(actor=None, complaint=c, score=4)
    c = walk(c, "acknowledged", "responded")
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.complaint_satisfaction_record(actor=None, complaint=c, score=6)
    c = services.complaint_satisfaction_record(actor=None, complaint=c, score=4)
    assert c.satisfaction == 4
    assert c.satisfaction_at is not None


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_it_lets_the_complainant_rate_once_through_the_link(lang):
    c = walk(make_complaint(language=lang), "acknowledged", "responded")
    url = reverse("feedback:public_complaint_satisfaction", kwargs={"token": c.satisfaction_token})
    client = Client()
    page = client.get(url)
    assert page.status_code == 200
    assert f'<html lang="{lang}">' in page.content.decode()
    assert client.post(url, {"satisfaction": "9"}).status_code == 400
    assert client.post(url, {"satisfaction": "2"}).status_code == 200
    assert client.post(url, {"satisfaction": "5"}).status_code == 200
    c.refresh_from_db()
    assert c.satisfaction == 2  # the second answer changed nothing
    assert Client().get(url.replace(c.satisfaction_token, "x" * 32)).status_code == 404


@pytest.mark.django_db
def test_it_names_the_fields_of_bad_input():
    with pytest.raises(services.ComplaintInvalid) as exc:
        make_complaint(subject="", description="x" * 20_000, complainant_email="not-an-email")
    assert set(exc.value.errors) >= {"subject", "description", "complainant_email", "consent"}
    with pytest.raises(services.ComplaintInvalid) as exc:
        make_complaint(complainant_phone="010-1234-5678")
    assert "consent" in exc.value.errors
    c = make_complaint(complainant_phone="010-1234-5678", consent=True)
    assert c.consent_at is not None
    assert c.retention_until is not None


@pytest.mark.django_db
def test_it_anonymises_contact_details_after_the_retention_period():
    c = make_complaint(complainant_name="홍길동", consent=True)
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=4 * 365)):
        assert services.complaints_anonymise() == 1
        assert services.complaints_anonymise() == 0
    c.refresh_from_db()
    assert c.complainant_name == ""
    assert c.anonymised_at is not None


# --- pages ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_records_a_complaint_from_the_staff_form(client_for, users):
    site = make_site()
    service = make_service([site])
    client = client_for(Role.STAFF)  # front-line staff may log what they received
    r = client.post(
        reverse("feedback:complaint_create"),
        {
            "subject": "불친절",
            "description": "상담원이 말을 끊었습니다.",
            "severity": "high",
            "service": service.pk,
            "site": site.pk,
            "channel": "phone",
            "assignee": users[Role.PROCESS_OWNER].pk,
        },
    )
    c = Complaint.objects.get()
    assert r.status_code == 302
    assert r["Location"].endswith(f"/complaints/{c.pk}/")
    assert c.intake == "staff"
    assert c.assignee == users[Role.PROCESS_OWNER]
    detail = client.get(r["Location"])
    assert detail.status_code == 200
    assert "불친절" in detail.content.decode()


@pytest.mark.django_db
def test_it_keeps_what_was_typed_and_names_the_field(client_for):
    client = client_for(Role.QUALITY_MANAGER)
    r = client.post(
        reverse("feedback:complaint_create"),
        {"subject": "제목", "description": "", "severity": "urgent", "complainant_name": "김"},
    )
    assert r.status_code == 400
    html = r.content.decode()
    assert 'value="제목"' in html
    assert "id_description_error" in html
    assert "id_severity_error" in html


@pytest.mark.django_db
def test_it_moves_a_complaint_through_the_pages(client_for, users):
    c = make_complaint()
    client = client_for(Role.PROCESS_OWNER)
    url = reverse("feedback:complaint_transition", kwargs={"pk": c.pk})
    client.post(url, {"to": "acknowledged"})
    client.post(reverse("feedback:complaint_reply", kwargs={"pk": c.pk}), {"reply": "조치했습니다"})
    client.post(reverse("feedback:complaint_note", kwargs={"pk": c.pk}), {"text": "내부 메모"})
    client.post(url, {"to": "responded"})
    client.post(
        reverse("feedback:complaint_satisfaction", kwargs={"pk": c.pk}), {"satisfaction": "5"}
    )
    c.refresh_from_db()
    assert c.status == "responded"
    assert c.reply == "조치했습니다"
    assert c.satisfaction == 5
    assert c.notes.get().text == "내부 메모"
    bad = client.post(url, {"to": "received"}, follow=True)
    assert "바꿀 수 없습니다" in bad.content.decode()
    page = client.get(reverse("feedback:complaint_detail", kwargs={"pk": c.pk}) + "?tab=history")
    assert page.status_code == 200


@pytest.mark.django_db
def test_it_lets_staff_read_but_not_move_unless_assigned(client_for, users):
    c = make_complaint()
    staff = client_for(Role.STAFF)
    url = reverse("feedback:complaint_transition", kwargs={"pk": c.pk})
    assert staff.post(url, {"to": "acknowledged"}).status_code == 403
    services.complaint_update(actor=None, complaint=c, fields={"assignee": users[Role.STAFF]})
    assert staff.post(url, {"to": "acknowledged"}).status_code == 302
    c.refresh_from_db()
    assert c.status == "acknowledged"


@pytest.mark.django_db
def test_it_hides_other_sites_from_site_limited_users():
    mine, other = make_site(), make_site()
    visible = make_complaint(site=mine)
    hidden = make_complaint(site=other)
    user = make_user(Role.QUALITY_MANAGER, sites=[mine])
    client = Client()
    client.force_login(user)
    listing = client.get(reverse("feedback:complaint_list")).content.decode()
    assert visible.reference in listing
    assert hidden.reference not in listing
    assert (
        client.get(reverse("feedback:complaint_detail", kwargs={"pk": hidden.pk})).status_code
        == 404
    )


@pytest.mark.django_db
def test_it_filters_the_list_by_status_severity_and_overdue(qm_client):
    old = make_complaint(severity="critical", received_at=kst(2026, 1, 5, 10))
    new = make_complaint(severity="low")
    walk(new, "acknowledged")
    url = reverse("feedback:complaint_list")
    html = qm_client.get(url, {"overdue": "on"}).content.decode()
    assert old.reference in html
    assert new.reference not in html
    html = qm_client.get(url, {"severity": "low"}).content.decode()
    assert new.reference in html
    assert old.reference not in html
    html = qm_client.get(url, {"status": "acknowledged"}).content.decode()
    assert new.reference in html
    assert old.reference not in html


@pytest.mark.django_db
def test_it_maintains_the_category_list(client_for):
    qm = client_for(Role.QUALITY_MANAGER)
    url = reverse("feedback:complaint_category_list")
    assert (
        qm.post(url, {"code": "WAIT", "name_ko": "대기 시간", "name_en": "Waiting"}).status_code
        == 302
    )
    cat = ComplaintCategory.objects.get(code="WAIT")
    assert client_for(Role.STAFF).post(url, {"code": "X", "name_ko": "x"}).status_code == 403
    qm.post(reverse("feedback:complaint_category_archive", kwargs={"pk": cat.pk}))
    cat.refresh_from_db()
    assert cat.is_archived
    with pytest.raises(services.ComplaintInvalid):
        make_complaint(category=cat)


@pytest.mark.django_db
def test_it_shows_the_nonconformance_button_only_when_the_url_exists(qm_client, monkeypatch):
    c = make_complaint()
    url = reverse("feedback:complaint_detail", kwargs={"pk": c.pk})
    from sqms.feedback import complaints_views

    monkeypatch.setattr(complaints_views, "_raise_url", lambda request, complaint: "/nc/raise/")
    assert 'action="/nc/raise/"' in qm_client.get(url).content.decode()
    monkeypatch.undo()
    from django.urls import NoReverseMatch

    try:
        expected = reverse("improvement:complaint_raise", kwargs={"pk": c.pk})
    except NoReverseMatch:
        expected = ""
    html = qm_client.get(url).content.decode()
    assert ('id="raise-nc"' in html) == bool(expected)


@pytest.mark.django_db
def test_it_edits_assignment_and_severity_from_the_page(client_for, users):
    c = make_complaint(severity="low", received_at=kst(2026, 11, 21, 12))
    client = client_for(Role.PROCESS_OWNER)
    url = reverse("feedback:complaint_edit", kwargs={"pk": c.pk})
    assert client.get(url).status_code == 200
    r = client.post(
        url,
        {
            "subject": c.subject,
            "description": c.description,
            "severity": "critical",
            "assignee": users[Role.STAFF].pk,
        },
    )
    assert r.status_code == 302
    c.refresh_from_db()
    assert c.severity == "critical"
    assert c.assignee == users[Role.STAFF]
    assert c.ack_due_at == kst(2026, 11, 21, 13)
    assert Notification.objects.filter(recipient=users[Role.STAFF]).count() == 1
    walk(c, "withdrawn")
    assert (
        client.post(url, {"subject": "x", "description": "y", "severity": "low"}).status_code == 200
    )


@pytest.mark.django_db
def test_it_lists_complaints_in_a_bounded_number_of_queries(
    qm_client, django_assert_max_num_queries
):
    site = make_site()
    make_calendar(site)
    for n in range(30):
        make_complaint(
            site=site if n % 2 else None, assignee=make_user(Role.STAFF) if n < 3 else None
        )
    with django_assert_max_num_queries(20):
        r = qm_client.get(reverse("feedback:complaint_list"))
    assert r.status_code == 200
    assert len(r.context["page"].object_list) == 25
