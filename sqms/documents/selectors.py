"""Reads of document control."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.documents.access import revisions_visible_to
from sqms.documents.models import (
    AckCampaign,
    Acknowledgement,
    Document,
    Revision,
    RevisionStatus,
    Signature,
    StatusChange,
)
from sqms.documents.services import revision_current_hash


@dataclass(frozen=True)
class DocumentFilter:
    q: str = ""
    doc_type: str = ""
    status: str = ""
    owner: int | None = None
    archived: bool = False


def document_list(*, user: Any, filters: DocumentFilter) -> QuerySet[Document]:
    published = Revision.objects.filter(
        document=OuterRef("pk"), status=RevisionStatus.PUBLISHED
    ).order_by("-number")
    latest = revisions_visible_to(user).filter(document=OuterRef("pk")).order_by("-number")
    qs = Document.objects.select_related("owner").annotate(
        published_number=Subquery(published.values("number")[:1]),
        latest_number=Subquery(latest.values("number")[:1]),
        latest_status=Subquery(latest.values("status")[:1]),
    )
    qs = qs.filter(archived_at__isnull=not filters.archived)
    if filters.q:
        qs = qs.filter(
            Q(number__icontains=filters.q)
            | Q(title_ko__icontains=filters.q)
            | Q(title_en__icontains=filters.q)
        )
    if filters.doc_type:
        qs = qs.filter(doc_type=filters.doc_type)
    if filters.owner:
        qs = qs.filter(owner_id=filters.owner)
    if filters.status:
        has = revisions_visible_to(user).filter(document=OuterRef("pk"), status=filters.status)
        qs = qs.filter(Exists(has))
    return qs.order_by("number")


def document_revisions(*, user: Any, document: Document) -> list[Revision]:
    return list(
        revisions_visible_to(user)
        .filter(document=document)
        .select_related("created_by")
        .order_by("-number")
    )


def published_revision(*, document: Document) -> Revision | None:
    return (
        Revision.objects.filter(document=document, status=RevisionStatus.PUBLISHED)
        .order_by("-number")
        .first()
    )


@dataclass(frozen=True)
class SignatureRow:
    signature: Signature
    valid: bool


def revision_signatures(*, revision: Revision) -> list[SignatureRow]:
    """Each signature and whether it still matches the revision's content as it is now."""
    current = revision_current_hash(revision)
    return [
        SignatureRow(signature=s, valid=s.content_hash == current)
        for s in revision.signatures.select_related("signer")
    ]


def revision_status_changes(*, revision: Revision) -> QuerySet[StatusChange]:
    return revision.changes.select_related("actor")


def acknowledgements_for_user(*, user: Any) -> QuerySet[Acknowledgement]:
    """The user's acknowledgements of revisions still in force, open ones first."""
    return (
        Acknowledgement.objects.filter(
            user=user, campaign__revision__status=RevisionStatus.PUBLISHED
        )
        .select_related("campaign__revision__document")
        .order_by("-acknowledged_at", "campaign__deadline")
    )


def campaigns_for_revision(*, revision: Revision) -> QuerySet[AckCampaign]:
    return revision.campaigns.order_by("-created_at")


@dataclass(frozen=True)
class TeamCompletion:
    team: str
    total: int
    done: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


@dataclass(frozen=True)
class CampaignReport:
    teams: list[TeamCompletion]
    overdue: list[Acknowledgement]
    pending: list[Acknowledgement]
    total: int
    done: int
    is_past_deadline: bool


def campaign_report(*, campaign: AckCampaign, today: dt.date | None = None) -> CampaignReport:
    today = today or timezone.localdate()
    rows = list(
        campaign.acknowledgements.select_related("employee__team", "user").order_by(
            "employee__team__name", "employee__name"
        )
    )
    per_team: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for ack in rows:
        key = ack.employee.team.name if ack.employee.team else _("No team")
        per_team[key][0] += 1
        per_team[key][1] += ack.acknowledged_at is not None
    pending = [a for a in rows if a.acknowledged_at is None]
    past = campaign.deadline < today
    return CampaignReport(
        teams=[TeamCompletion(team=k, total=v[0], done=v[1]) for k, v in sorted(per_team.items())],
        overdue=pending if past else [],
        pending=pending,
        total=len(rows),
        done=len(rows) - len(pending),
        is_past_deadline=past,
    )
