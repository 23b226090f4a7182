"""The user's own in-app notifications: the list, mark one read, mark all read."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from sqms.core.models import Notification, User
from sqms.core.redirects import same_site
from sqms.core.services import notification_mark_read

PAGE_SIZE = 30


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    unread_only = request.GET.get("unread") == "1"
    qs = Notification.objects.filter(recipient=user).order_by("-created_at", "-pk")
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "query": "unread=1" if unread_only else "",
        "unread_only": unread_only,
        "unread": Notification.objects.filter(recipient=user, read_at__isnull=True).count(),
    }
    return render(request, "core/notification_list.html", context)


@require_GET
def notification_count(request: HttpRequest) -> HttpResponse:
    """The bell's unread badge, loaded by htmx so that pages pay no query for it."""
    count = Notification.objects.filter(recipient=_user(request), read_at__isnull=True).count()
    return render(request, "core/_notification_count.html", {"count": count})


@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one of the user's notifications read; then follow its link when asked to."""
    user = _user(request)
    notification = Notification.objects.filter(recipient=user, pk=pk).first()
    if notification is None:
        raise Http404
    notification_mark_read(user=user, ids=[notification.pk])
    target = same_site(request, notification.url)
    if request.POST.get("open") and target:
        return redirect(target)
    return redirect("core:notification_list")


@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = notification_mark_read(user=_user(request))
    messages.success(
        request, _("All notifications were marked read.") if count else _("Nothing to mark.")
    )
    return redirect("core:notification_list")
