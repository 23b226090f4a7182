"""Complaint clock targets per severity, set by a quality manager (ISO 10002 timelines)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse

from sqms.core.models import AuditEntry
from sqms.core.roles import Role
from sqms.feedback import complaint_rules as rules
from sqms.feedback import complaints as services
from sqms.feedback.complaint_targets import (
    TargetsInvalid,
    complaint_targets_set,
    complaint_targets_table,
)
from sqms.feedback.models import ComplaintTarget
from tests.factories import make_site, make_user
from tests.feedback.test_complaints import kst, make_complaint
from tests.standards.factories import make_calendar

URL = "/feedback/complaints/targets/"
H = dt.timedelta(hours=1)

# The defaults, as the page posts them back when nothing is changed.
DEFAULTS = {
    "critical_acknowledge_hours": "1",
    "critical_resolve_hours": "8",
    "high_acknowledge_hours": "4",
    "high_resolve_hours": "16",
    "medium_acknowledge_hours": "8",
    "medium_resolve_hours": "40",
    "low_acknowledge_hours": "16",
    "low_resolve_hours": "80",
}


def _audit(action: str) -> list[AuditEntry]:
    ct = ContentType.objects.get_for_model(ComplaintTarget)
    return list(AuditEntry.objects.filter(content_type=ct, action=action).order_by("seq"))


def test_it_has_the_url_the_list_page_links_to():
    assert reverse("feedback:complaint_targets") == URL


@pytest.mark.django_db
def test_it_falls_back_to_the_built_in_defaults_when_nothing_is_stored():
    assert rules.targets("critical") == (1 * H, 8 * H)
    assert rules.targets("low") == (16 * H, 80 * H)
    assert rules.targets("no-such-severity") == (8 * H, 40 * H)  # as medium
    rows = complaint_targets_table()
    assert [r.severity for r in rows] == ["critical", "high", "medium", "low"]
    assert all(r.is_default and r.updated_at is None for r in rows)
    assert (rows[2].acknowledge_text, rows[2].resolve_text) == ("8", "40")


@pytest.mark.django_db
def test_it_stores_a_target_and_leaves_the_other_severities_on_their_defaults():
    written = complaint_targets_set(
        actor=None,
        values={"medium": (Decimal("2"), Decimal("10.5")), "low": (Decimal("16"), Decimal("80"))},
    )
    assert [t.severity for t in written] == ["medium"]  # low was given its default again
    assert rules.targets("medium") == (2 * H, dt.timedelta(hours=10, minutes=30))
    assert rules.targets("high") == (4 * H, 16 * H)
    assert ComplaintTarget.objects.count() == 1


@pytest.mark.django_db
def test_it_starts_the_clocks_of_new_complaints_from_the_stored_target_in_business_time():
    site = make_site()
    make_calendar(site)  # Mon–Fri 09:00–18:00
    before = make_complaint(site=site, severity="medium", received_at=kst(2026, 11, 20, 17))
    complaint_targets_set(actor=None, values={"medium": (Decimal("2"), Decimal("10.5"))})
    # Friday 17:00: one hour on Friday, then Monday from 09:00.
    c = make_complaint(site=site, severity="medium", received_at=kst(2026, 11, 20, 17))
    assert c.ack_due_at == kst(2026, 11, 23, 10)  # 1 h Friday + 1 h Monday
    assert c.resolve_due_at == kst(2026, 11, 24, 9, 30)  # 1 + 9 + 0.5 h
    # A complaint received before the change keeps the promise made then ...
    before.refresh_from_db()
    assert before.ack_due_at == kst(2026, 11, 23, 16)
    assert before.resolve_due_at == kst(2026, 11, 27, 12)
    # ... until its clocks are recomputed, e.g. when its severity changes.
    complaint_targets_set(actor=None, values={"low": (Decimal("3"), Decimal("12"))})
    services.complaint_update(actor=None, complaint=before, fields={"severity": "low"})
    before.refresh_from_db()
    assert before.ack_due_at == kst(2026, 11, 23, 11)  # 1 h Friday + 2 h Monday
    assert before.resolve_due_at == kst(2026, 11, 24, 11)  # 1 + 9 + 2 h


@pytest.mark.django_db
def test_it_audits_the_creation_and_each_change_of_a_target():
    qm = make_user(Role.QUALITY_MANAGER)
    complaint_targets_set(actor=qm, values={"critical": (Decimal("0.5"), Decimal("4"))})
    (created,) = _audit("create")
    assert created.actor == qm
    assert created.changes["acknowledge_hours"] == [None, "0.50"]
    complaint_targets_set(actor=qm, values={"critical": (Decimal("0.5"), Decimal("6"))})
    complaint_targets_set(actor=qm, values={"critical": (Decimal("0.5"), Decimal("6"))})
    (updated,) = _audit("update")  # the repeat changed nothing and wrote nothing
    assert updated.changes["resolve_hours"] == ["4.00", "6.00"]
    assert "acknowledge_hours" not in updated.changes


@pytest.mark.django_db
def test_it_refuses_bad_targets_in_the_service_and_saves_none_of_them():
    with pytest.raises(TargetsInvalid) as exc:
        complaint_targets_set(
            actor=None,
            values={
                "critical": (Decimal("0.5"), Decimal("2")),  # fine on its own
                "high": (Decimal("0"), Decimal("5000")),
                "low": (Decimal("10"), Decimal("5")),
            },
        )
    assert set(exc.value.errors) == {
        "high_acknowledge_hours",
        "high_resolve_hours",
        "low_resolve_hours",
    }
    assert ComplaintTarget.objects.count() == 0
    assert _audit("create") == []


# --- the page -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_saves_the_four_severities_from_one_form(client_for):
    client = client_for(Role.QUALITY_MANAGER)
    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="critical_acknowledge_hours"' in html
    assert 'value="40"' in html  # medium's default resolution, as typed
    assert client.post(URL, DEFAULTS).status_code == 302  # nothing changed: nothing stored
    assert ComplaintTarget.objects.count() == 0
    r = client.post(URL, {**DEFAULTS, "high_acknowledge_hours": "2.5"})
    assert r.status_code == 302
    assert r["Location"] == URL
    high = ComplaintTarget.objects.get()
    assert (high.severity, high.acknowledge_hours, high.resolve_hours) == (
        "high",
        Decimal("2.5"),
        Decimal("16"),
    )
    assert 'value="2.5"' in client.get(URL).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "Enter a number of business hours."),
        ("eight", "Enter a number of hours, such as 8 or 1.5."),
        ("0", "Enter at least 0.25 hours."),
        ("-4", "Enter at least 0.25 hours."),
        ("2000.5", "Enter at most 2000 hours."),
        ("1e9", "Enter at most 2000 hours."),
        ("1.125", "Use at most two decimal places."),
        ("NaN", "Enter a number of hours, such as 8 or 1.5."),
    ],
)
def test_it_names_the_field_of_bad_input_and_saves_nothing(client_for, value, message):
    client = client_for(Role.QUALITY_MANAGER)
    r = client.post(
        URL,
        {**DEFAULTS, "medium_acknowledge_hours": value, "high_resolve_hours": "6"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert r.status_code == 400
    html = r.content.decode()
    assert 'id="id_medium_acknowledge_hours_error"' in html
    assert message in html
    assert 'value="6"' in html  # what was typed elsewhere is kept
    assert f'value="{value}"' in html or not value  # and so is the bad value itself
    assert html.count('class="errorlist"') == 1
    assert ComplaintTarget.objects.count() == 0
    assert _audit("create") == []


@pytest.mark.django_db
def test_it_refuses_a_resolution_due_before_the_acknowledgement(client_for):
    client = client_for(Role.QUALITY_MANAGER)
    r = client.post(URL, {**DEFAULTS, "low_acknowledge_hours": "24", "low_resolve_hours": "20"})
    assert r.status_code == 400
    assert 'id="id_low_resolve_hours_error"' in r.content.decode()
    assert ComplaintTarget.objects.count() == 0


@pytest.mark.django_db
def test_it_shows_the_targets_to_readers_and_lets_only_managers_change_them(client_for):
    for role in (Role.STAFF, Role.PROCESS_OWNER, Role.AUDITOR):
        client = client_for(role)
        page = client.get(URL, HTTP_ACCEPT_LANGUAGE="en")
        assert page.status_code == 200
        html = page.content.decode()
        assert "40 business hours" in html
        assert '<form method="post" class="stacked"' not in html
        assert client.post(URL, {**DEFAULTS, "low_resolve_hours": "90"}).status_code == 403
        listing = client.get(reverse("feedback:complaint_list")).content.decode()
        assert URL not in listing
    assert ComplaintTarget.objects.count() == 0
    for role in (Role.QUALITY_MANAGER, Role.ADMIN):
        listing = client_for(role).get(reverse("feedback:complaint_list")).content.decode()
        assert f'href="{URL}"' in listing


@pytest.mark.django_db
def test_it_sends_strangers_to_the_login_page():
    for r in (Client().get(URL), Client().post(URL, DEFAULTS)):
        assert r.status_code == 302
        assert r["Location"].startswith(reverse("login"))
    assert ComplaintTarget.objects.count() == 0


@pytest.mark.django_db
def test_it_writes_an_audit_entry_from_the_page(client_for, users):
    client = client_for(Role.QUALITY_MANAGER)
    client.post(URL, {**DEFAULTS, "critical_resolve_hours": "6"})
    (entry,) = _audit("create")
    assert entry.actor == users[Role.QUALITY_MANAGER]
    assert entry.changes["severity"] == [None, "critical"]


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_it_renders_in_korean_and_english(client_for, lang):
    complaint_targets_set(actor=None, values={"high": (Decimal("3"), Decimal("12"))})
    critical, high = ("심각", "높음") if lang == "ko" else ("Critical", "High")
    for role, label in ((Role.QUALITY_MANAGER, "<strong>{}</strong>"), (Role.STAFF, "{}</th>")):
        r = client_for(role).get(URL, HTTP_ACCEPT_LANGUAGE=lang)
        assert r.status_code == 200
        html = r.content.decode()
        assert f'<html lang="{lang}">' in html
        assert html.index(label.format(critical)) < html.index(label.format(high))
