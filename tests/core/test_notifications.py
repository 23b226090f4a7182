"""The in-app notifications: the bell's count, the list of one's own, mark read, mark all read."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sqms.core.models import Notification
from sqms.core.roles import Role
from sqms.core.services import notification_send
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def mine(users):  # type: ignore[no-untyped-def]
    me = users[Role.STAFF]
    notification_send(
        recipients=[me], title="신호: STD1", body="본문", url="/monitoring/signals/1/"
    )
    notification_send(recipients=[me], title="두 번째", body="")
    other = make_user()
    notification_send(recipients=[other], title="남의 알림")
    return me, other


def test_it_shows_a_bell_that_loads_the_unread_count(client_for, mine):
    client = client_for(Role.STAFF)
    page = client.get(reverse("home")).content.decode()
    assert reverse("core:notification_list") in page
    assert f'hx-get="{reverse("core:notification_count")}"' in page
    count = client.get(reverse("core:notification_count")).content.decode()
    assert "읽지 않음 2건" in count
    assert (
        "unread"
        not in client_for(Role.ADMIN).get(reverse("core:notification_count")).content.decode()
    )


def test_it_lists_only_my_own_notifications(client_for, mine):
    resp = client_for(Role.STAFF).get(reverse("core:notification_list"))
    titles = [n.title for n in resp.context["page"]]
    assert sorted(titles) == ["두 번째", "신호: STD1"]
    assert "남의 알림" not in resp.content.decode()


def test_it_marks_one_read_and_opens_its_link(client_for, mine):
    me, _other = mine
    client = client_for(Role.STAFF)
    note = Notification.objects.get(recipient=me, title="신호: STD1")
    resp = client.post(reverse("core:notification_read", args=[note.pk]), {"open": "1"})
    assert resp.status_code == 302
    assert resp["Location"] == "/monitoring/signals/1/"
    note.refresh_from_db()
    assert note.read_at is not None
    assert Notification.objects.filter(recipient=me, read_at__isnull=True).count() == 1
    resp = client.get(reverse("core:notification_list"), {"unread": "1"})
    assert [n.title for n in resp.context["page"]] == ["두 번째"]


def test_it_refuses_to_touch_someone_elses_notification(client_for, mine):
    _me, other = mine
    theirs = Notification.objects.get(recipient=other)
    resp = client_for(Role.STAFF).post(reverse("core:notification_read", args=[theirs.pk]))
    assert resp.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_it_marks_all_read(client_for, mine):
    me, other = mine
    resp = client_for(Role.STAFF).post(reverse("core:notification_read_all"))
    assert resp.status_code == 302
    assert not Notification.objects.filter(recipient=me, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=other, read_at__isnull=True).exists()


def test_it_never_redirects_off_site(client_for, mine):
    me, _other = mine
    note = Notification.objects.create(recipient=me, title="x", url="https://evil.example/")
    resp = client_for(Role.STAFF).post(
        reverse("core:notification_read", args=[note.pk]), {"open": "1"}
    )
    assert resp["Location"] == reverse("core:notification_list")


def test_it_needs_post_to_mark_read(client_for, mine):
    assert client_for(Role.STAFF).get(reverse("core:notification_read_all")).status_code == 405
