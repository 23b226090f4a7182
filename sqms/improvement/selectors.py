"""Reads of the improvement app."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from sqms.improvement import rules
from sqms.improvement.access import (
    actions_visible_to,
    initiatives_visible_to,
    lessons_visible_to,
    nonconformances_visible_to,
    suggestions_visible_to,
)
from sqms.improvement.models import (
    Action,
    ActionStatus,
    EffectivenessCheck,
    Initiative,
    Lesson,
    NcStatus,
    Nonconformance,
    Priority,
    Severity,
    Signature,
    Stage,
    Suggestion,
    SuggestionStatus,
    SuggestionVote,
    Verdict,
)
from sqms.improvement.services import nonconformance_content_hash, normalise
from sqms.org.access import scoped_site_ids
from sqms.org.models import Employee, Team
from sqms_analytics import ParetoResult, pareto_analysis


@dataclass(frozen=True)
class NcFilter:
    q: str = ""
    status: str = ""
    severity: str = ""
    source_type: str = ""
    service: int | None = None
    site: int | None = None
    open: bool = False
    age: str = ""
    recurrence: bool = False
    cause: int | None = None
    category: int | None = None
    verified: bool = False


# Age buckets of open nonconformances, in days: (key, lowest, highest or None).
AGE_BUCKETS: list[tuple[str, int, int | None]] = [
    ("0-7", 0, 7),
    ("8-30", 8, 30),
    ("31-90", 31, 90),
    ("91+", 91, None),
]
TERMINAL = [NcStatus.CLOSED, NcStatus.CANCELLED]


def _age_filter(qs: QuerySet[Nonconformance], key: str) -> QuerySet[Nonconformance]:
    now = timezone.now()
    for name, low, high in AGE_BUCKETS:
        if name == key:
            qs = qs.filter(detected_at__lte=now - dt.timedelta(days=low))
            if high is not None:
                qs = qs.filter(detected_at__gt=now - dt.timedelta(days=high + 1))
    return qs


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
    if filters.open or filters.age:
        qs = qs.exclude(status__in=TERMINAL)
    if filters.age:
        qs = _age_filter(qs, filters.age)
    if filters.recurrence:
        qs = qs.filter(recurrence_of__isnull=False)
    if filters.cause:
        qs = qs.filter(root_cause_id=filters.cause)
    if filters.category:
        qs = qs.filter(root_cause__category_id=filters.category)
    if filters.verified:
        qs = qs.filter(status__in=[NcStatus.VERIFIED, NcStatus.CLOSED])
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


def overdue_actions(*, user: Any) -> QuerySet[Action]:
    return (
        actions_visible_to(user)
        .filter(
            status__in=[ActionStatus.OPEN, ActionStatus.IN_PROGRESS],
            due_on__lt=timezone.localdate(),
        )
        .select_related("nonconformance", "owner")
        .order_by("due_on", "pk")
    )


# --- improvement initiatives ------------------------------------------------------------------


@dataclass(frozen=True)
class InitiativeFilter:
    q: str = ""
    stage: str = ""
    priority: str = ""
    service: int | None = None
    site: int | None = None
    owner: int | None = None


def initiative_list(*, user: Any, filters: InitiativeFilter) -> QuerySet[Initiative]:
    qs = initiatives_visible_to(user).select_related("owner", "service", "site", "metric")
    if filters.q:
        qs = qs.filter(
            Q(number__icontains=filters.q)
            | Q(title__icontains=filters.q)
            | Q(description__icontains=filters.q)
        )
    for name in ("stage", "priority"):
        value = getattr(filters, name)
        if value:
            qs = qs.filter(**{name: value})
    if filters.service:
        qs = qs.filter(service_id=filters.service)
    if filters.site:
        qs = qs.filter(site_id=filters.site)
    if filters.owner:
        qs = qs.filter(owner_id=filters.owner)
    return qs.order_by("-created_at", "-pk")


def initiative_board(
    *, user: Any, filters: InitiativeFilter
) -> list[tuple[str, Any, list[Initiative]]]:
    """The board: one column per stage (cancelled ones left out), high priority first."""
    order: dict[str, int] = {Priority.HIGH: 0, Priority.MEDIUM: 1, Priority.LOW: 2}
    rows = list(initiative_list(user=user, filters=filters).exclude(stage=Stage.CANCELLED))
    columns = []
    for stage in rules.BOARD:
        items = sorted(
            (i for i in rows if i.stage == stage), key=lambda i: (order.get(i.priority, 3), i.pk)
        )
        columns.append((str(stage), Stage(stage).label, items))
    return columns


# --- suggestions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SuggestionFilter:
    q: str = ""
    status: str = ""
    team: int | None = None
    sort: str = "new"  # or "votes"


def suggestion_list(*, user: Any, filters: SuggestionFilter) -> QuerySet[Suggestion]:
    qs = suggestions_visible_to(user).annotate(
        n_votes=Count("votes", distinct=True), n_comments=Count("comments", distinct=True)
    )
    if filters.q:
        qs = qs.filter(
            Q(number__icontains=filters.q)
            | Q(title__icontains=filters.q)
            | Q(body__icontains=filters.q)
        )
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.team:
        qs = qs.filter(team_id=filters.team)
    if filters.sort == "votes":
        return qs.order_by("-n_votes", "-created_at", "-pk")
    return qs.order_by("-created_at", "-pk")


@dataclass(frozen=True)
class TeamParticipation:
    team_id: int
    team: str
    site: str
    headcount: int
    submitters: int
    voters: int
    participants: int

    @property
    def rate(self) -> float | None:
        return self.participants / self.headcount if self.headcount else None


def participation(*, user: Any) -> list[TeamParticipation]:
    """Per team: distinct submitters and voters among its employees with a login, against the
    team's head-count (its current employees)."""
    ids = scoped_site_ids(user)
    teams = Team.objects.filter(archived_at__isnull=True).select_related("site")
    if ids is not None:
        teams = teams.filter(site_id__in=ids)
    members = Employee.objects.filter(archived_at__isnull=True, team__in=teams)
    headcount: dict[int, int] = {}
    team_of_user: dict[int, int] = {}
    for team_id, user_id in members.values_list("team_id", "user_id"):
        headcount[team_id] = headcount.get(team_id, 0) + 1
        if user_id is not None:
            team_of_user[user_id] = team_id
    submitters: dict[int, set[int]] = {}
    for user_id in Suggestion.objects.values_list("submitter_id", flat=True).distinct():
        if user_id in team_of_user:
            submitters.setdefault(team_of_user[user_id], set()).add(user_id)
    voters: dict[int, set[int]] = {}
    for user_id in SuggestionVote.objects.values_list("user_id", flat=True).distinct():
        if user_id in team_of_user:
            voters.setdefault(team_of_user[user_id], set()).add(user_id)
    out = []
    for team in teams.order_by("site__code", "code"):
        s, v = submitters.get(team.pk, set()), voters.get(team.pk, set())
        out.append(
            TeamParticipation(
                team_id=team.pk,
                team=team.name,
                site=team.site.name,
                headcount=headcount.get(team.pk, 0),
                submitters=len(s),
                voters=len(v),
                participants=len(s | v),
            )
        )
    return out


# --- lessons learned --------------------------------------------------------------------------


def lesson_search(*, user: Any, q: str = "", tag: str = "") -> QuerySet[Lesson]:
    """Matches the query with and without its spaces, in any language: "대기 시간" finds
    "대기시간" and "대기 시간"; "Wait time" finds "waiting times"."""
    qs = lessons_visible_to(user).select_related("nonconformance", "initiative")
    q = q.replace("\x00", "").strip()
    if q:
        whole = normalise(q)
        words = [normalise(w) for w in q.split() if normalise(w)]
        each = Q()
        for word in words:
            each &= Q(search_text__contains=word)
        qs = qs.filter(Q(search_text__contains=whole) | each)
    tag = tag.replace("\x00", "").strip()
    if tag:
        qs = qs.filter(tags__icontains=tag)
    return qs.order_by("-created_at", "-pk")


_WORD = re.compile(r"\w{2,}")


def similar_lessons(*, user: Any, nc: Nonconformance, limit: int = 5) -> list[Lesson]:
    """Lessons of the same standard, service or cause category, or sharing words with the
    nonconformance's title and description; the most related first."""
    standard_id = nc.standard_version.standard_id if nc.standard_version else None
    category_id = nc.root_cause.category_id if nc.root_cause else None
    words = {normalise(w) for w in _WORD.findall(f"{nc.title} {nc.description}")}
    scored: list[tuple[int, int, Lesson]] = []
    for lesson in lessons_visible_to(user).exclude(nonconformance=nc).order_by("-pk")[:500]:
        score = 0
        if standard_id and lesson.standard_id == standard_id:
            score += 3
        if category_id and lesson.cause_category_id == category_id:
            score += 2
        if nc.service_id and lesson.service_id == nc.service_id:
            score += 1
        score += sum(1 for w in words if w in lesson.search_text)
        if score:
            scored.append((-score, -lesson.pk, lesson))
    return [item[2] for item in sorted(scored, key=lambda t: (t[0], t[1]))[:limit]]


# --- dashboard --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dashboard:
    open_by_severity: list[tuple[str, Any, int]]
    open_by_age: list[tuple[str, int]]
    open_total: int
    overdue_actions: int
    recurrence_total: int
    recurrence_count: int
    effectiveness: EffectivenessRate
    mean_days_to_close: float | None
    closed_count: int
    pareto: list[tuple[int, str, int]]
    participation_people: int
    participation_headcount: int
    suggestions_open: int

    @property
    def recurrence_rate(self) -> float | None:
        return self.recurrence_count / self.recurrence_total if self.recurrence_total else None

    @property
    def participation_rate(self) -> float | None:
        if not self.participation_headcount:
            return None
        return self.participation_people / self.participation_headcount


def dashboard(*, user: Any) -> Dashboard:
    ncs = nonconformances_visible_to(user)
    open_qs = ncs.exclude(status__in=TERMINAL)
    by_sev = dict(
        open_qs.values_list("severity").annotate(n=Count("pk")).values_list("severity", "n")
    )
    live = ncs.exclude(status=NcStatus.CANCELLED)
    closed = [
        (c - d).total_seconds()
        for d, c in ncs.filter(status=NcStatus.CLOSED, closed_at__isnull=False).values_list(
            "detected_at", "closed_at"
        )
        if c is not None and d is not None
    ]
    mean_days = sum(closed) / len(closed) / 86400 if closed else None
    pareto = list(
        live.filter(root_cause__isnull=False)
        .values("root_cause_id", "root_cause__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "root_cause__name")[:10]
    )
    teams = participation(user=user)
    return Dashboard(
        open_by_severity=[(s.value, s.label, by_sev.get(s.value, 0)) for s in reversed(Severity)],
        open_by_age=[(key, _age_filter(open_qs, key).count()) for key, _lo, _hi in AGE_BUCKETS],
        open_total=open_qs.count(),
        overdue_actions=overdue_actions(user=user).count(),
        recurrence_total=live.count(),
        recurrence_count=live.filter(recurrence_of__isnull=False).count(),
        effectiveness=effectiveness_rate(user=user),
        mean_days_to_close=mean_days,
        closed_count=len(closed),
        pareto=[(r["root_cause_id"], r["root_cause__name"], r["n"]) for r in pareto],
        participation_people=sum(t.participants for t in teams),
        participation_headcount=sum(t.headcount for t in teams),
        suggestions_open=suggestions_visible_to(user)
        .filter(status=SuggestionStatus.SUBMITTED)
        .count(),
    )
