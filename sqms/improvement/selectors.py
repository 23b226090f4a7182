"""Reads of the improvement app."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from sqms.improvement.access import actions_visible_to, nonconformances_visible_to
from sqms.improvement.models import (
    Action,
    EffectivenessCheck,
    NcStatus,
    Nonconformance,
    Signature,
    Verdict,
)
from sqms.improvement.services import nonconformance_content_hash
from sqms_analytics import ParetoResult, pareto_analysis


@dataclass(frozen=True)
class NcFilter:
    q: str = ""
    status: str = ""
    severity: str = ""
    source_type: str = ""
    service: int | None = None
    site: int | None = None


def nonconformance_list(*, user: Any, filters: NcFilter) -> QuerySet[Nonconformance]:
    qs = nonconformances_visible_to(user).select_related("service", "site", "recurrence_of")
    if filters.q:
        qs = qs.filter(
            Q(number__icontains=filters.q)
            | Q(title__icontains=filters.q)
            | Q(description__icontains=filters.q)
        )
    for name in ("status", "severity", "source_type"):
        value = getattr(filters, name)
        if value:
            qs = qs.filter(**{name: value})
    if filters.service:
        qs = qs.filter(service_id=filters.service)
    if filters.site:
        qs = qs.filter(site_id=filters.site)
    return qs.order_by("-detected_at", "-pk")


@dataclass(frozen=True)
class SignatureRow:
    signature: Signature
    valid: bool


def nonconformance_signatures(*, nc: Nonconformance) -> list[SignatureRow]:
    rows = list(Signature.objects.filter(nonconformance=nc).select_related("signer"))
    if not rows:
        return []
    current = nonconformance_content_hash(nc)
    return [SignatureRow(s, s.content_hash == current) for s in rows]


def my_actions(*, user: Any) -> QuerySet[Action]:
    return (
        actions_visible_to(user)
        .filter(owner=user)
        .select_related("nonconformance")
        .order_by("status", "due_on", "pk")
    )


@dataclass(frozen=True)
class CauseFilter:
    service: int | None = None
    site: int | None = None
    by: str = "cause"  # or "category"


def cause_pareto(*, user: Any, filters: CauseFilter) -> ParetoResult | None:
    """Root causes across nonconformances (cancelled ones left out), largest first."""
    qs = nonconformances_visible_to(user).filter(root_cause__isnull=False)
    qs = qs.exclude(status=NcStatus.CANCELLED)
    if filters.service:
        qs = qs.filter(service_id=filters.service)
    if filters.site:
        qs = qs.filter(site_id=filters.site)
    key = "root_cause__category__name" if filters.by == "category" else "root_cause__name"
    rows = list(qs.values(key).annotate(n=Count("pk")).order_by("-n", key))
    if not rows:
        return None
    return pareto_analysis([str(r[key]) for r in rows], [r["n"] for r in rows])


@dataclass(frozen=True)
class EffectivenessRate:
    verified: int
    effective: int

    @property
    def rate(self) -> float | None:
        return self.effective / self.verified if self.verified else None


def effectiveness_rate(*, user: Any) -> EffectivenessRate:
    """Of the nonconformances verified or closed, how many had a positive latest check.

    Feeds the effectiveness rate on the dashboard.
    """
    ncs = nonconformances_visible_to(user).filter(status__in=[NcStatus.VERIFIED, NcStatus.CLOSED])
    latest: dict[int, str] = {}
    for nc_id, verdict in (
        EffectivenessCheck.objects.filter(nonconformance__in=ncs)
        .order_by("nonconformance_id", "created_at", "pk")
        .values_list("nonconformance_id", "verdict")
    ):
        latest[nc_id] = verdict
    return EffectivenessRate(
        verified=len(latest), effective=sum(v == Verdict.IMPROVED for v in latest.values())
    )
