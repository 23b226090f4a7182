from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core import mail
from django.test import Client

from sqms.core.models import ApiToken, AuditEntry
from sqms.core.roles import Role
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def _login(client: Client, username: str, password: str, ip: str = "10.0.0.1"):
    return client.post(
        "/accounts/login/",
        {"username": username, "password": password},
        REMOTE_ADDR=ip,
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_it_logs_in_and_out():
    user = make_user(Role.STAFF)
    client = Client()
    assert _login(client, user.username, PASSWORD).status_code == 302
    assert client.get("/").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_it_blocks_an_account_after_five_failures_from_any_address():
    user = make_user(Role.STAFF)
    client = Client()
    for i in range(4):
        assert _login(client, user.username, "wrong", ip=f"10.0.1.{i}").status_code == 200
    # The fifth failure starts the lock-out; from then on even the right password is refused.
    assert _login(client, user.username, "wrong", ip="10.0.1.9").status_code == 429
    blocked = _login(client, user.username, PASSWORD, ip="10.0.2.1")
    assert blocked.status_code == 429
    assert "15 minutes" in blocked.content.decode()


def test_it_blocks_an_address_after_five_failures_on_any_accounts():
    users = [make_user(Role.STAFF) for _ in range(6)]
    client = Client()
    for u in users[:4]:
        assert _login(client, u.username, "wrong", ip="10.9.9.9").status_code == 200
    assert _login(client, users[4].username, "wrong", ip="10.9.9.9").status_code == 429
    assert _login(client, users[5].username, PASSWORD, ip="10.9.9.9").status_code == 429
    # Another address may still log in to an account without failures.
    assert _login(Client(), users[5].username, PASSWORD, ip="10.9.9.10").status_code == 302


def test_it_sends_a_password_reset_link_and_sets_the_new_password():
    user = make_user(Role.STAFF)
    user.email = "reset@example.kr"
    user.save()
    client = Client()
    response = client.post("/accounts/password/reset/", {"email": "reset@example.kr"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = next(
        line for line in mail.outbox[0].body.splitlines() if "/accounts/password/reset/" in line
    )
    path = link.split("testserver", 1)[1]
    form = client.get(path, follow=True)
    assert form.status_code == 200
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "Nieuw-Wachtwoord-42", "new_password2": "Nieuw-Wachtwoord-42"},
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Nieuw-Wachtwoord-42")


def test_it_rate_limits_password_reset_requests():
    client = Client()
    codes = [
        client.post("/accounts/password/reset/", {"email": f"x{i}@example.kr"}).status_code
        for i in range(6)
    ]
    assert codes[:5] == [302] * 5
    assert codes[5] == 429


def test_it_changes_the_password():
    user = make_user(Role.STAFF)
    client = Client()
    client.force_login(user)
    response = client.post(
        "/accounts/password/change/",
        {
            "old_password": PASSWORD,
            "new_password1": "Another-Secret-88",
            "new_password2": "Another-Secret-88",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Another-Secret-88")


def test_it_switches_language_and_remembers_it_for_the_user():
    user = make_user(Role.STAFF)
    client = Client()
    client.force_login(user)
    assert 'lang="ko"' in client.get("/").content.decode()
    response = client.post("/language/", {"language": "en", "next": "/org/sites/"})
    assert response.status_code == 302
    assert response["Location"] == "/org/sites/"
    page = client.get("/org/sites/").content.decode()
    assert 'lang="en"' in page
    assert "Sites" in page
    user.refresh_from_db()
    assert user.language == "en"
    # The next login, from a fresh browser, starts in the saved language.
    fresh = Client()
    _login(fresh, user.username, PASSWORD)
    assert 'lang="en"' in fresh.get("/").content.decode()


def test_it_refuses_an_offsite_redirect_after_switching_language():
    response = Client().post("/language/", {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_it_creates_shows_once_and_revokes_tokens():
    user, other = make_user(Role.STAFF), make_user(Role.STAFF)
    client = Client()
    client.force_login(user)
    page = client.post("/profile/", {"name": "보고서", "scope": "read"}).content.decode()
    token = ApiToken.objects.get(user=user)
    assert 'id="new-token"' in page
    assert token.token_hash not in page
    assert "sqms_" in page
    assert 'id="new-token"' not in client.get("/profile/").content.decode()
    # Someone else's token is not found; one's own is revoked and audit-logged.
    other_client = Client()
    other_client.force_login(other)
    assert other_client.post(f"/profile/tokens/{token.pk}/revoke/").status_code == 404
    assert client.post(f"/profile/tokens/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert (
        AuditEntry.objects.filter(content_type__model="apitoken", object_id=str(token.pk)).count()
        == 2
    )


def test_it_passes_the_deploy_check_in_production():
    env = {
        **os.environ,
        "SQMS_ENV": "production",
        "SECRET_KEY": "k" * 64 + "-production-secret",
        "ALLOWED_HOSTS": "sqms.example.kr",
        "SQMS_TESTING": "0",
        "EMAIL_URL": "smtp+tls://sqms%40example.kr:secret@mail.example.kr:587",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
