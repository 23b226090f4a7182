"""Expected status codes of the notification URLs of core, per persona (see
tests/test_url_matrix.py)."""

from __future__ import annotations

from django.urls import reverse

from sqms.core.models import Notification
from tests.factories import make_user
from tests.url_matrix_codes import ALL, POST_ONLY

MATRIX: dict[str, tuple[int, ...]] = {
    "core:notification_list": ALL,
    "core:notification_count": ALL,
    "core:notification_read": POST_ONLY,
    "core:notification_read_all": POST_ONLY,
}


def make_objects() -> dict[str, int]:
    someone = make_user()
    note = Notification.objects.create(recipient=someone, title="알림", url="/")
    return {"core_notification": note.pk}


def url(name: str, objects: dict[str, int]) -> str | None:
    if name == "core:notification_read":
        return reverse(name, kwargs={"pk": objects["core_notification"]})
    if name in MATRIX:
        return reverse(name)
    return None
