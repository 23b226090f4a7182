"""Reads of the policy app: the policy page, objectives' computed progress, the review pack."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db.models import Count, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from sqms.core.audit import audit_verify
from sqms.core.models import AuditEntry
from sqms.documents import selectors as document_selectors
from sqms.documents.models import DocType, Document, Revision
from sqms.monitoring.models import Rollup, Signal, SignalStatus
from sqms.monitoring.series import Point, aggregate, grain_for, org_tz, segment_key, standard_series
from sqms.policy import rules
from sqms.policy.access import objectives_visible_to
from sqms.policy.models import (
    Commitment,
    Objective,
    ObjectiveStatus,
    Review,
    ReviewSignature,
    ReviewStatus,
)
from sqms.standards.models import Period, ServiceStandard, StandardVersion
from sqms_analytics import csat, nps
from sqms_analytics.sketch import Sketch

# --- the quality policy -------------------------------------------------------------------------


def policy_document() -> Document | None:
    """The organisation's quality policy: the first controlled document of type policy."""
    return (
        Document.objects.filter(doc_type=DocType.POLICY, archived_at__isnull=True)
        .select_related("owner")
        .order_by("number")
        .first()
    )


@dataclass(frozen=True)
class AckRate:
    campaign_id: int
    done: int
    total: int
    deadline: dt.date

    @property
    def percent(self) -> int | None:
        return round(100 * self.done / self.total) if self.total else None


def acknowledgement_rate(*, revision: Revision) -> AckRate | None:
    """The completion of the newest acknowledgement campaign of the revision."""
    campaign = document_selectors.campaigns_for_revision(revision=revision).first()
    if campaign is None:
        return None
    report = document_selectors.campaign_report(campaign=campaign)
    return AckRate(
        campaign_id=campaign.pk, done=report.done, total=report.total, deadline=campaign.deadline
    )


def commitments_for(*, document: Document) -> QuerySet[Commitment]:
    return (
        Commitment.objects.filter(document=document, archived_at__isnull=True)
        .prefetch_related("objectives")
        .order_by("order", "pk")
    )


# --- objectives -------------------------------------------------------------------------------


def _as_aware(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=org_tz())


@dataclass
class Progress:
    """An objective's progress, computed from the standard's stored results."""

    current: float | None
    n: int
    progress: float | None
    elapsed: float
    health: str
    past_deadline: bool
    as_of: dt.date
    points: list[Point] = field(default_factory=list)

    @property
    def health_label(self) -> str:
        return str(rules.Health(self.health).label)


def objective_segment(objective: Objective) -> str:
    return segment_key(site=objective.site_id, team=objective.team_id)


def current_value(
    *, standard: ServiceStandard, segment: str, end: dt.datetime, days: int
) -> tuple[float | None, int]:
    """The aggregate of the standard's results over the `days` days before `end`."""
    version = StandardVersion.objects.filter(standard=standard).order_by("-version").first()
    if version is None:
        return None, 0
    rows = list(
        Rollup.objects.filter(
            standard=standard,
            segment=segment,
            grain=grain_for(version.period),
            period_start__gte=end - dt.timedelta(days=days),
            period_start__lt=end,
        ).only("n", "n_meeting", "total", "sketch")
    )
    n = sum(r.n for r in rows)
    if n == 0:
        return None, 0
    sketch = Sketch()
    metric = standard.metric
    if metric.aggregation in ("p50", "p90", "p95"):
        for r in rows:
            if r.sketch:
                sketch = sketch.merge(Sketch.from_json(r.sketch))
    value = aggregate(
        metric=metric,
        n=n,
        n_meeting=sum(r.n_meeting for r in rows),
        total=sum(r.total for r in rows),
        sketch=sketch,
    )
    return value, n


def objective_progress(
    *, objective: Objective, as_of: dt.date | None = None, with_points: bool = False
) -> Progress:
    """Progress = (current − baseline) / (target − baseline), clipped to 0–100 %; the health
    compares it with the share of the time between start and deadline that has passed."""
    today = as_of or timezone.localdate()
    end = _as_aware(today + dt.timedelta(days=1))
    segment = objective_segment(objective)
    current, n = current_value(
        standard=objective.standard, segment=segment, end=end, days=rules.CURRENT_WINDOW_DAYS
    )
    baseline, target = float(objective.baseline), float(objective.target)
    progress: float | None = None
    if current is not None and target != baseline:
        progress = max(0.0, min(100.0, 100.0 * (current - baseline) / (target - baseline)))
    span = (objective.deadline - objective.start_on).days or 1
    elapsed = max(0.0, min(100.0, 100.0 * (today - objective.start_on).days / span))
    past = today > objective.deadline
    points: list[Point] = []
    if with_points:
        points = standard_series(
            standard=objective.standard,
            segment=segment,
            start=_as_aware(objective.start_on),
            end=end,
            period=Period.WEEK,
        )
    return Progress(
        current=current,
        n=n,
        progress=progress,
        elapsed=elapsed,
        health=rules.health(progress=progress, elapsed=elapsed, past_deadline=past),
        past_deadline=past,
        as_of=today,
        points=points,
    )


def objective_list(*, user: Any, include_closed: bool = False) -> list[Objective]:
    qs = objectives_visible_to(user).filter(archived_at__isnull=True)
    if not include_closed:
        qs = qs.filter(status=ObjectiveStatus.ACTIVE)
    return list(
        qs.select_related("standard__metric", "site", "team", "owner", "parent").order_by(
            "deadline", "pk"
        )
    )


@dataclass
class TreeRow:
    objective: Objective
    depth: int
    progress: Progress


def objective_tree(*, objectives: list[Objective], as_of: dt.date | None = None) -> list[TreeRow]:
    """The objectives in cascade order: each parent followed by its children, indented."""
    ids = {o.pk for o in objectives}
    children: dict[int | None, list[Objective]] = {}
    for o in objectives:
        parent = o.parent_id if o.parent_id in ids else None
        children.setdefault(parent, []).append(o)
    rows: list[TreeRow] = []

    def walk(parent: int | None, depth: int) -> None:
        for o in children.get(parent, []):
            rows.append(TreeRow(o, depth, objective_progress(objective=o, as_of=as_of)))
            walk(o.pk, depth + 1)

    walk(None, 0)
    return rows


def objective_figure(
    *, objective: Objective, progress: Progress, labels: dict[str, str]
) -> dict[str, Any]:
    """Plotly figure: the actual value per week against the planned line baseline → target."""
    unit = objective.standard.metric.get_unit_display()
    actual = [p for p in progress.points if p.value is not None]
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines",
                "name": labels["plan"],
                "x": [objective.start_on.isoformat(), objective.deadline.isoformat()],
                "y": [float(objective.baseline), float(objective.target)],
                "line": {"dash": "dash", "color": "#888"},
            },
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": labels["actual"],
                "x": [p.period_start.date().isoformat() for p in actual],
                "y": [round(p.value, 4) for p in actual if p.value is not None],
                "line": {"color": "#1f6feb"},
            },
        ],
        "layout": {
            "height": 320,
            "margin": {"l": 50, "r": 20, "t": 20, "b": 40},
            "yaxis": {"title": {"text": str(unit)}},
            "legend": {"orientation": "h"},
        },
    }


# --- management review ------------------------------------------------------------------------


def review_list() -> QuerySet[Review]:
    return Review.objects.order_by("-meeting_date", "-pk")


def previous_review(review: Review) -> Review | None:
    return (
        Review.objects.filter(meeting_date__lt=review.meeting_date)
        .exclude(status=ReviewStatus.DRAFT)
        .exclude(pk=review.pk)
        .order_by("-meeting_date", "-pk")
        .first()
    )


def review_actions(review: Review) -> QuerySet[Any]:
    """The improvement actions decided in the review (attached to its carrier record)."""
    from sqms.policy.services import review_action_qs

    return review_action_qs(review)


def _model(label: str) -> Any | None:
    try:
        return apps.get_model(label)
    except LookupError:
        return None


def _url(name: str, **kwargs: Any) -> str:
    """The path of a page another app may not have yet ("" then)."""
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return ""


def _counts(qs: QuerySet[Any], name: str) -> dict[str, int]:
    rows = qs.order_by().values(name).annotate(c=Count("pk")).values_list(name, "c")
    return {str(k): int(c) for k, c in rows}


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(float(value), digits)


def _section_previous_actions(review: Review) -> dict[str, Any]:
    prev = previous_review(review)
    if prev is None:
        return {"review": None, "rows": []}
    rows = [
        {
            "id": a.pk,
            "title": a.title,
            "owner": a.owner.get_full_name() or a.owner.username,
            "due_on": a.due_on.isoformat(),
            "status": a.status,
            "url": reverse("improvement:action_detail", kwargs={"pk": a.pk}),
        }
        for a in review_actions(prev).select_related("owner")
    ]
    return {
        "review": {
            "id": prev.pk,
            "title": prev.title,
            "url": reverse("policy:review_detail", kwargs={"pk": prev.pk}),
        },
        "rows": rows,
        "done": sum(r["status"] == "done" for r in rows),
    }


def _section_objectives(as_of: dt.date) -> dict[str, Any]:
    rows = []
    objectives = (
        Objective.objects.filter(archived_at__isnull=True)
        .exclude(status=ObjectiveStatus.CANCELLED)
        .select_related("standard__metric", "site", "team")
        .order_by("deadline", "pk")
    )
    for o in objectives:
        p = objective_progress(objective=o, as_of=as_of)
        rows.append(
            {
                "id": o.pk,
                "statement": o.statement_ko,
                "statement_en": o.statement_en,
                "level": o.level,
                "standard": o.standard.code,
                "baseline": float(o.baseline),
                "target": float(o.target),
                "current": _round(p.current),
                "progress": _round(p.progress, 1),
                "elapsed": _round(p.elapsed, 1),
                "health": p.health,
                "deadline": o.deadline.isoformat(),
                "url": reverse("policy:objective_detail", kwargs={"pk": o.pk}),
            }
        )
    return {"rows": rows, "url": reverse("policy:objective_list")}


def _section_standards(start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
    rows = []
    for standard in (
        ServiceStandard.objects.filter(archived_at__isnull=True)
        .select_related("metric")
        .order_by("code")
    ):
        points = [p for p in standard_series(standard=standard, start=start, end=end) if p.n]
        complying = sum(p.complies is True for p in points)
        rows.append(
            {
                "id": standard.pk,
                "code": standard.code,
                "name": standard.name,
                "periods": len(points),
                "complying": complying,
                "compliance": _round(100.0 * complying / len(points), 1) if points else None,
                "latest": _round(points[-1].value) if points else None,
                "records": sum(p.n for p in points),
                "url": reverse("standards:standard_detail", kwargs={"pk": standard.pk}),
            }
        )
    signals = Signal.objects.filter(last_period__gte=start, first_period__lt=end)
    by_kind = _counts(signals, "kind")
    return {
        "rows": rows,
        "url": reverse("standards:standard_list"),
        "signals_url": _url("monitoring:signal_list"),
        "signals": {
            "total": signals.count(),
            "open": signals.filter(status=SignalStatus.OPEN).count(),
            "by_kind": by_kind,
        },
    }


def _section_customers(start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
    from sqms.feedback.models import Answer, QuestionKind, Response

    answers = Answer.objects.filter(
        response__submitted_at__gte=start, response__submitted_at__lt=end, value__isnull=False
    )
    nps_scores = [
        float(v)
        for v in answers.filter(question__kind=QuestionKind.NPS).values_list("value", flat=True)
        if v is not None
    ]
    csat_scores = [
        float(v)
        for v in answers.filter(question__kind=QuestionKind.CSAT).values_list("value", flat=True)
        if v is not None
    ]
    section: dict[str, Any] = {
        "responses": Response.objects.filter(submitted_at__gte=start, submitted_at__lt=end).count(),
        "nps": None,
        "csat": None,
        "url": reverse("feedback:survey_list"),
        "complaints": None,
    }
    if nps_scores:
        r = nps(nps_scores)
        section["nps"] = {"value": _round(r.nps, 1), "n": r.n}
    if csat_scores:
        c = csat(csat_scores)
        section["csat"] = {"value": _round(100 * c.share, 1), "mean": _round(c.mean), "n": c.n}
    complaint = _model("feedback.Complaint")
    if complaint is not None:
        try:
            names = {f.name for f in complaint._meta.get_fields()}
            stamp = next(
                (f for f in ("received_at", "submitted_at", "created_at") if f in names), None
            )
            qs = complaint.objects.all()
            if stamp:
                qs = qs.filter(**{f"{stamp}__gte": start, f"{stamp}__lt": end})
            section["complaints"] = {
                "received": qs.count(),
                "url": _url("feedback:complaint_list"),
            }
            if "status" in names:
                section["complaints"]["by_status"] = _counts(qs, "status")
        except Exception:
            section["complaints"] = None
    return section


def _section_nonconformances(start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
    from sqms.improvement.models import EffectivenessCheck, NcStatus, Nonconformance, Verdict

    ncs = Nonconformance.objects.exclude(source_content_type__app_label="policy")
    opened = ncs.filter(detected_at__gte=start, detected_at__lt=end)
    closed = ncs.filter(closed_at__gte=start, closed_at__lt=end)
    latest: dict[int, str] = {}
    for nc_id, verdict in (
        EffectivenessCheck.objects.filter(nonconformance__in=closed)
        .order_by("nonconformance_id", "created_at", "pk")
        .values_list("nonconformance_id", "verdict")
    ):
        latest[nc_id] = verdict
    verified = len(latest)
    effective = sum(v == Verdict.IMPROVED for v in latest.values())
    still_open = ncs.filter(detected_at__lt=end).exclude(
        status__in=[NcStatus.CLOSED, NcStatus.CANCELLED]
    )
    return {
        "opened": opened.count(),
        "closed": closed.count(),
        "open_now": still_open.count(),
        "by_severity": _counts(opened, "severity"),
        "effectiveness": {
            "verified": verified,
            "effective": effective,
            "rate": _round(100.0 * effective / verified, 1) if verified else None,
        },
        "url": reverse("improvement:nonconformance_list"),
    }


def _section_audit(start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
    checked, broken = audit_verify()
    return {
        "checked": checked,
        "intact": broken is None,
        "broken_at": broken.seq if broken else None,
        "entries_in_period": AuditEntry.objects.filter(
            created_at__gte=start, created_at__lt=end
        ).count(),
        "url": reverse("core:audit_log"),
    }


def _section_opportunities(start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
    from sqms.improvement.models import Action, ActionKind

    section: dict[str, Any] = {
        "improvement_actions": Action.objects.filter(
            kind=ActionKind.IMPROVEMENT, created_at__gte=start, created_at__lt=end
        ).count(),
        "initiatives": None,
        "suggestions": None,
    }
    for key, label in (
        ("initiatives", "improvement.Initiative"),
        ("suggestions", "improvement.Suggestion"),
    ):
        model = _model(label)
        if model is None:
            continue
        try:
            qs = model.objects.filter(created_at__gte=start, created_at__lt=end)
            rows = [
                {"number": getattr(o, "number", ""), "title": getattr(o, "title", str(o))}
                for o in qs.order_by("created_at")[:10]
            ]
            section[key] = {
                "count": qs.count(),
                "rows": rows,
                "url": _url(f"improvement:{key[:-1]}_list"),
            }
        except Exception:
            section[key] = None
    return section


def period_bounds(review: Review) -> tuple[dt.datetime, dt.datetime]:
    return _as_aware(review.period_start), _as_aware(review.period_end + dt.timedelta(days=1))


def review_pack_compile(*, review: Review) -> dict[str, Any]:
    """The review pack for the review's period, from what SQMS holds now; JSON-ready."""
    start, end = period_bounds(review)
    as_of = min(review.period_end, timezone.localdate())
    return {
        "compiled_at": timezone.now().isoformat(),
        "period": {"start": review.period_start.isoformat(), "end": review.period_end.isoformat()},
        "previous_actions": _section_previous_actions(review),
        "objectives": _section_objectives(as_of),
        "standards": _section_standards(start, end),
        "customers": _section_customers(start, end),
        "nonconformances": _section_nonconformances(start, end),
        "audit": _section_audit(start, end),
        "risks": {"available": False},
        "opportunities": _section_opportunities(start, end),
    }


def review_pack(*, review: Review) -> dict[str, Any]:
    """The frozen pack once the meeting is held; the live compilation while it is a draft."""
    if review.is_frozen and review.pack:
        frozen: dict[str, Any] = review.pack
        return frozen
    return review_pack_compile(review=review)


@dataclass(frozen=True)
class SignatureRow:
    signature: ReviewSignature
    valid: bool


def review_signatures(*, review: Review) -> list[SignatureRow]:
    """Each signature of the minutes and whether it still matches the minutes as they are now."""
    from sqms.policy.services import minutes_hash

    current = minutes_hash(review)
    return [
        SignatureRow(signature=s, valid=s.content_hash == current)
        for s in review.signatures.select_related("signer")
    ]
