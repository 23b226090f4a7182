"""Close the loop: a detractor (NPS ≤ 6) or a low CSAT (≤ 2) opens a follow-up task.

The task goes to the service's owner (the login of the owning employee) or, without one, to the
quality managers; it is due two business days later on the site's calendar, with a reminder
before and an escalation after. The customer may be contacted only when the response carries
consent; the outcome is recorded when the task is closed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sqms.core.audit import PendingEntry, audit_record_many, diff, snapshot
from sqms.core.exceptions import SqmsError
from sqms.core.models import AuditAction, User
from sqms.core.records import record_update
from sqms.core.services import notification_send
from sqms.feedback.complaints import quality_managers
from sqms.feedback.complaints_access import followups_visible_to
from sqms.feedback.complaints_time import SpecCache, add_business_days
from sqms.feedback.models import (
    Answer,
    FollowUp,
    FollowUpOutcome,
    FollowUpStatus,
    QuestionKind,
    Response,
)
from sqms.org.models import Service

DETRACTOR_MAX = 6
LOW_CSAT_MAX = 2
DUE_BUSINESS_DAYS = 2
REMIND_BEFORE = dt.timedelta(hours=4)


def _scores(
    response: Response, answers: Sequence[Answer] | None = None
) -> tuple[int | None, int | None]:
    """The lowest NPS and CSAT scores of a response."""
    rows: list[tuple[str, int | None]]
    if answers is not None:
        rows = [(a.question.kind, a.value) for a in answers if a.value is not None]
    else:
        rows = list(
            Answer.objects.filter(
                response=response,
                value__isnull=False,
                question__kind__in=[QuestionKind.NPS, QuestionKind.CSAT],
            ).values_list("question__kind", "value")
        )
    nps: int | None = None
    csat: int | None = None
    for kind, value in rows:
        if value is None:
            continue
        if kind == QuestionKind.NPS:
            nps = value if nps is None else min(nps, value)
        elif kind == QuestionKind.CSAT:
            csat = value if csat is None else min(csat, value)
    return nps, csat


def needs_follow_up(nps: int | None, csat: int | None) -> bool:
    return (nps is not None and nps <= DETRACTOR_MAX) or (csat is not None and csat <= LOW_CSAT_MAX)


def owner_for(service_id: int | None) -> User | None:
    if service_id is None:
        return None
    service = Service.objects.select_related("owner__user").filter(pk=service_id).first()
    user = service.owner.user if service and service.owner else None
    return user if user is not None and user.is_active else None


def _recipients(followup: FollowUp) -> list[User]:
    return [followup.owner] if followup.owner is not None else quality_managers()


def _notify(recipients: list[User], followup: FollowUp, title: Any) -> int:
    url = reverse("feedback:followup_detail", kwargs={"pk": followup.pk})
    sent = 0
    for user in {u.pk: u for u in recipients if u is not None and u.is_active}.values():
        with translation.override(getattr(user, "language", "") or "ko"):
            sent += notification_send(recipients=[user], title=str(title()), url=url)
    return sent


def followup_for_response(
    *, response: Response, now: dt.datetime | None = None, answers: Sequence[Answer] | None = None
) -> FollowUp | None:
    """Open a follow-up when the response is a detractor or a low CSAT; else None.

    Called by `services.response_submit` inside its transaction (or, for deferred effects,
    `followups_for_responses` by `services.responses_effects_write`); idempotent.
    """
    nps, csat = _scores(response, answers)
    at = now or response.submitted_at or timezone.now()
    created = _followups_open([(response, nps, csat, at)])
    return created[0] if created else None


def followups_for_responses(
    *, responses: Sequence[Response], answers: Mapping[int, Sequence[Answer]]
) -> list[FollowUp]:
    """`followup_for_response` for a batch of responses whose answers (with their questions)
    are given: calendars, owners and recipients are read once, the audit chain locked once."""
    return _followups_open(
        [(r, *_scores(r, answers.get(r.pk, ())), r.submitted_at) for r in responses]
    )


def _followups_open(
    scored: Sequence[tuple[Response, int | None, int | None, dt.datetime]],
) -> list[FollowUp]:
    due = [row for row in scored if needs_follow_up(row[1], row[2])]
    if not due:
        return []
    existing = set(
        FollowUp.objects.filter(response__in=[row[0] for row in due]).values_list(
            "response_id", flat=True
        )
    )
    specs = SpecCache()
    owners: dict[int | None, User | None] = {}
    rows = []
    for response, nps, csat, at in due:
        if response.pk in existing:
            continue
        if response.service_id not in owners:
            owners[response.service_id] = owner_for(response.service_id)
        followup = FollowUp(
            response=response,
            service_id=response.service_id,
            site_id=response.site_id,
            owner=owners[response.service_id],
            nps=nps,
            csat=csat,
            due_at=add_business_days(at, DUE_BUSINESS_DAYS, specs.for_site(response.site_id)),
        )
        # The related rows were just read from the database: checking them would cost queries.
        followup.full_clean(exclude=["response", "service", "site", "owner"])
        rows.append(followup)
    created = FollowUp.objects.bulk_create(rows)
    audit_record_many(
        actor=None,
        entries=[
            PendingEntry(action=AuditAction.CREATE, obj=f, changes=diff({}, snapshot(f)))
            for f in created
        ],
    )
    managers: list[User] | None = None
    now = timezone.now()
    for followup in created:
        if followup.due_at <= now:  # entered late: the escalation reports it
            continue
        if followup.owner is None and managers is None:
            managers = quality_managers()
        _notify(
            [followup.owner] if followup.owner is not None else managers or [],
            followup,
            lambda f=followup: (
                _("A customer gave a low score: follow up by %(due)s.")
                % {"due": timezone.localtime(f.due_at).strftime("%Y-%m-%d %H:%M")}
            ),
        )
    return created


def may_contact(followup: FollowUp) -> bool:
    """Contact details exist, were given with consent, and are not yet anonymised."""
    r = followup.response
    return bool(r.consent_at and r.anonymised_at is None and r.has_contact)


@transaction.atomic
def followup_close(
    *,
    actor: User | None,
    followup: FollowUp,
    outcome: str,
    notes: str = "",
    now: dt.datetime | None = None,
) -> FollowUp:
    followup = FollowUp.objects.select_for_update().select_related("response").get(pk=followup.pk)
    if followup.status == FollowUpStatus.CLOSED:
        raise SqmsError(_("This follow-up is already closed."))
    if outcome not in FollowUpOutcome.values:
        raise ValidationError({"outcome": _("Choose an outcome from the list.")})
    if outcome in (FollowUpOutcome.CONTACTED, FollowUpOutcome.NOT_REACHABLE) and not may_contact(
        followup
    ):
        raise ValidationError(
            {"outcome": _("The customer gave no consent to be contacted: choose “No consent”.")}
        )
    notes = notes.strip()
    if len(notes) > 5000:
        raise ValidationError(
            {"notes": _("Please keep this under %(n)d characters.") % {"n": 5000}}
        )
    return record_update(
        actor=actor,
        obj=followup,
        fields={
            "status": FollowUpStatus.CLOSED,
            "outcome": outcome,
            "notes": notes,
            "closed_at": now or timezone.now(),
            "closed_by": actor,
        },
    )


def followup_reminders_send(*, now: dt.datetime | None = None) -> int:
    """Remind the owner once, when the due time is near."""
    now = now or timezone.now()
    due = FollowUp.objects.filter(
        status=FollowUpStatus.OPEN,
        reminded_at__isnull=True,
        due_at__gt=now,
        due_at__lte=now + REMIND_BEFORE,
    ).select_related("owner")
    count = 0
    for f in due:
        with transaction.atomic():
            record_update(
                actor=None,
                obj=f,
                fields={"reminded_at": now},
                reason=_("Reminder sent: the follow-up is due soon."),
            )
            _notify(
                _recipients(f),
                f,
                lambda f=f: _("Follow-up #%(n)d is due soon.") % {"n": f.pk},
            )
        count += 1
    return count


def followup_escalations_send(*, now: dt.datetime | None = None) -> int:
    """Tell the quality managers (and the owner) once when a follow-up is overdue."""
    now = now or timezone.now()
    overdue = FollowUp.objects.filter(
        status=FollowUpStatus.OPEN, escalated_at__isnull=True, due_at__lt=now
    ).select_related("owner")
    managers = quality_managers()
    count = 0
    for f in overdue:
        with transaction.atomic():
            record_update(
                actor=None,
                obj=f,
                fields={"escalated_at": now},
                reason=_("Escalated: the follow-up is overdue."),
            )
            _notify(
                [*managers, *([f.owner] if f.owner else [])],
                f,
                lambda f=f: _("Follow-up #%(n)d is overdue.") % {"n": f.pk},
            )
        count += 1
    return count


# --- reads ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FollowUpFilter:
    view: str = "open"  # mine, open, overdue, all


def followup_list(
    *, user: Any, filters: FollowUpFilter, now: dt.datetime | None = None
) -> QuerySet[FollowUp]:
    now = now or timezone.now()
    qs = followups_visible_to(user).select_related("response__survey", "service", "site", "owner")
    if filters.view == "mine":
        qs = qs.filter(status=FollowUpStatus.OPEN).filter(
            Q(owner_id=getattr(user, "pk", None))
            | Q(owner__isnull=True) & Q(pk__in=_manager_pool(user))
        )
    elif filters.view == "overdue":
        qs = qs.filter(status=FollowUpStatus.OPEN, due_at__lt=now)
    elif filters.view == "open":
        qs = qs.filter(status=FollowUpStatus.OPEN)
    return qs.order_by("status", "due_at", "pk")


def _manager_pool(user: Any) -> QuerySet[FollowUp]:
    """Follow-ups without an owner belong to every quality manager."""
    from sqms.core.roles import Role

    if getattr(user, "role", None) == Role.QUALITY_MANAGER:
        return FollowUp.objects.filter(owner__isnull=True).values("pk")  # type: ignore[return-value]
    return FollowUp.objects.none().values("pk")  # type: ignore[return-value]
