"""Access helpers: a stranger gets 404, a read-only role 403.

Readers see published, superseded and obsolete revisions; drafts and revisions in review or
approved but not yet published exist only for the roles that write documents.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from sqms.core.access import can, ensure
from sqms.core.roles import Area
from sqms.documents.models import (
    AckCampaign,
    Acknowledgement,
    Document,
    Revision,
    RevisionFile,
    RevisionStatus,
)

RELEASED = (RevisionStatus.PUBLISHED, RevisionStatus.SUPERSEDED, RevisionStatus.OBSOLETE)


def can_write(user: Any) -> bool:
    return can(user, Area.DOCUMENTS, write=True)


def revisions_visible_to(user: Any) -> QuerySet[Revision]:
    qs = Revision.objects.all()
    return qs if can_write(user) else qs.filter(status__in=RELEASED)


def _check(user: Any, obj: Any, *, write: bool) -> Any:
    if obj is None:
        raise Http404
    if write and not can_write(user):
        raise PermissionDenied
    return obj


def document_get_for_user(*, user: Any, pk: int, write: bool = False) -> Document:
    ensure(user, Area.DOCUMENTS)
    document: Document = _check(
        user, Document.objects.select_related("owner").filter(pk=pk).first(), write=write
    )
    return document


def revision_get_for_user(*, user: Any, pk: int, write: bool = False) -> Revision:
    ensure(user, Area.DOCUMENTS)
    qs = revisions_visible_to(user).select_related("document", "document__owner", "created_by")
    revision: Revision = _check(user, qs.filter(pk=pk).first(), write=write)
    return revision


def revision_file_get_for_user(*, user: Any, pk: int, write: bool = False) -> RevisionFile:
    ensure(user, Area.DOCUMENTS)
    qs = RevisionFile.objects.select_related("revision", "revision__document")
    attached: RevisionFile = _check(
        user, qs.filter(pk=pk, revision__in=revisions_visible_to(user)).first(), write=write
    )
    return attached


def campaign_get_for_user(*, user: Any, pk: int, write: bool = False) -> AckCampaign:
    ensure(user, Area.DOCUMENTS)
    qs = AckCampaign.objects.select_related("revision", "revision__document")
    campaign: AckCampaign = _check(user, qs.filter(pk=pk).first(), write=write)
    return campaign


def acknowledgement_get_for_user(*, user: Any, pk: int) -> Acknowledgement:
    """One's own acknowledgements only: anyone else's do not exist for them."""
    ensure(user, Area.DOCUMENTS)
    qs = Acknowledgement.objects.select_related("campaign__revision__document")
    ack: Acknowledgement = _check(user, qs.filter(pk=pk, user=user).first(), write=False)
    return ack
