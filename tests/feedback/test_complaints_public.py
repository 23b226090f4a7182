"""The public complaint page and the complaint API."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from sqms.core.roles import Role
from sqms.core.services import api_token_create
from sqms.feedback.models import Complaint
from tests.factories import make_service, make_site, make_user

URL = "/feedback/complaint/"


def _form(**extra: str) -> dict[str, str]:
    return {
        "subject": "화장실이 더럽습니다",
        "description": "2층 화장실 청소가 안 되어 있어요.",
        **extra,
    }


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_it_takes_a_complaint_without_login_in_the_visitors_language(lang):
    assert reverse("feedback:public_complaint") == URL
    site = make_site()
    service = make_service([site])
    client = Client(enforce_csrf_checks=True)
    page = client.get(URL, {"lang": lang})
    assert page.status_code == 200
    html = page.content.decode()
    assert f'<html lang="{lang}">' in html
    assert "<script" not in html
    assert service.name in html
    r = client.post(
        URL,
        {
            **_form(service=str(service.pk), site=str(site.pk)),
            "lang": lang,
            "csrfmiddlewaretoken": page.cookies["csrftoken"].value,
        },
    )
    assert r.status_code == 302
    c = Complaint.objects.get()
    assert c.intake == "public"
    assert c.language == lang
    assert c.channel == "web"
    assert c.service == service
    assert c.site == site
    assert c.complainant_name == ""
    assert c.consent_at is None
    thanks = client.get(r["Location"])
    assert c.reference in thanks.content.decode()


@pytest.mark.django_db
def test_it_shows_the_privacy_notice_and_requires_consent_for_contact_details():
    page = Client().get(URL, {"lang": "en"}).content.decode()
    for words in ("Purpose", "Items collected", "Retention period"):
        assert words in page
    r = Client().post(URL, {**_form(complainant_phone="010-1111-2222"), "lang": "en"})
    assert r.status_code == 400
    html = r.content.decode()
    assert "010-1111-2222" in html  # nothing lost
    assert "consent" in html
    assert not Complaint.objects.exists()
    r = Client().post(URL, {**_form(complainant_phone="010-1111-2222", consent="on"), "lang": "en"})
    assert r.status_code == 302
    c = Complaint.objects.get()
    assert c.complainant_phone == "010-1111-2222"
    assert c.consent_at is not None


@pytest.mark.django_db
def test_it_drops_bot_posts_caught_by_the_honeypot():
    r = Client().post(URL, {**_form(), "website": "http://spam.example"})
    assert r.status_code == 302
    assert "thanks" in r["Location"]
    assert not Complaint.objects.exists()


@pytest.mark.django_db
def test_it_limits_complaints_per_ip_with_a_friendly_page():
    client = Client()
    codes = [client.post(URL, {"lang": "en"}).status_code for _ in range(11)]
    assert codes[:10] == [400] * 10
    assert codes[10] == 429
    assert "Please wait a few minutes" in client.post(URL, {"lang": "en"}).content.decode()


@pytest.mark.django_db
def test_it_refuses_huge_bodies_and_escapes_scripts():
    r = Client().post(URL, {**_form(description="가" * 6000), "lang": "en"})
    assert r.status_code == 400
    assert "5000" in r.content.decode()
    script = "<script>alert(1)</script>"
    assert Client().post(URL, {**_form(subject=script)}).status_code == 302
    c = Complaint.objects.get()
    qm = make_user(Role.QUALITY_MANAGER)
    client = Client()
    client.force_login(qm)
    for url in (reverse("feedback:complaint_detail", kwargs={"pk": c.pk}), "/feedback/complaints/"):
        html = client.get(url).content.decode()
        assert script not in html
        assert "&lt;script&gt;" in html


@pytest.mark.django_db
def test_it_ignores_unknown_choices_on_the_public_page():
    r = Client().post(URL, {**_form(service="99999", site="abc", category="-1")})
    assert r.status_code == 302
    c = Complaint.objects.get()
    assert c.service is None
    assert c.site is None
    assert c.category is None


# --- API --------------------------------------------------------------------------------------


def _api(user, scope="read_write"):
    issued = api_token_create(user=user, name="t", scope=scope)
    return Client(headers={"Authorization": f"Bearer {issued.secret}"})


@pytest.mark.django_db
def test_it_creates_a_complaint_through_the_api_with_write_scope():
    site = make_site()
    qm = make_user(Role.QUALITY_MANAGER)
    body = {
        "subject": "앱 오류",
        "description": "결제가 두 번 되었습니다.",
        "severity": "high",
        "site_id": site.pk,
        "channel": "app",
        "complainant_email": "kim@example.com",
        "consent": True,
    }
    read_only = _api(qm, "read")
    r = read_only.post(
        "/api/v1/feedback/complaints/", json.dumps(body), content_type="application/json"
    )
    assert r.status_code == 403
    client = _api(qm)
    r = client.post(
        "/api/v1/feedback/complaints/", json.dumps(body), content_type="application/json"
    )
    assert r.status_code == 201, r.content
    data = r.json()
    assert data["reference"].startswith("C")
    assert data["status"] == "received"
    assert Complaint.objects.get().intake == "api"
    staff = _api(make_user(Role.STAFF))
    r = staff.post(
        "/api/v1/feedback/complaints/", json.dumps(body), content_type="application/json"
    )
    assert r.status_code == 403
    listed = client.get("/api/v1/feedback/complaints/").json()
    assert listed["count"] == 1
    detail = client.get(f"/api/v1/feedback/complaints/{data['id']}/").json()
    assert detail["severity"] == "high"
    moved = client.post(
        f"/api/v1/feedback/complaints/{data['id']}/transition/",
        json.dumps({"to": "acknowledged"}),
        content_type="application/json",
    )
    assert moved.status_code == 200
    assert moved.json()["acknowledged_at"]
    bad = client.post(
        f"/api/v1/feedback/complaints/{data['id']}/transition/",
        json.dumps({"to": "closed"}),
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert bad["Content-Type"].startswith("application/problem+json")


@pytest.mark.django_db
def test_it_answers_bad_api_bodies_with_field_errors():
    client = _api(make_user(Role.QUALITY_MANAGER))
    r = client.post(
        "/api/v1/feedback/complaints/",
        json.dumps({"subject": "x", "description": "y", "complainant_phone": "010"}),
        content_type="application/json",
    )
    assert r.status_code == 400
    assert [e["field"] for e in r.json()["errors"]] == ["consent"]
    r = client.post(
        "/api/v1/feedback/complaints/",
        json.dumps({"subject": "", "severity": "urgent"}),
        content_type="application/json",
    )
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert {"subject", "description", "severity"} <= fields
