"""Writes of the policy app: commitments, objectives and management reviews, each audit-logged."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.core.access import role_of
from sqms.core.exceptions import InvalidTransition, SqmsError
from sqms.core.models import User
from sqms.core.records import record_archive, record_create, record_update
from sqms.core.roles import Role
from sqms.core.signing import SIGN_FAILURE_LIMIT, SIGN_WINDOW, AttemptOutcome
from sqms.documents.models import Document
from sqms.improvement import services as improvement_services
from sqms.improvement.models import Action, ActionKind, Nonconformance, SourceType
from sqms.org.models import Site, Team
from sqms.policy import rules
from sqms.policy.models import (
    Commitment,
    Objective,
    ObjectiveStatus,
    Review,
    ReviewSignature,
    ReviewSignatureAttempt,
    ReviewStatus,
)
from sqms.standards.models import ServiceStandard


class WrongPassword(SqmsError):
    """The password typed to sign did not match."""


class SigningThrottled(SqmsError):
    """Too many wrong passwords in a short time."""


# --- commitments ------------------------------------------------------------------------------


def commitment_create(
    *,
    actor: User | None,
    document: Document,
    statement_ko: str,
    statement_en: str = "",
    order: int = 1,
    objectives: Iterable[Objective] = (),
) -> Commitment:
    return record_create(
        actor=actor,
        obj=Commitment(
            document=document, statement_ko=statement_ko, statement_en=statement_en, order=order
        ),
        m2m={"objectives": list(objectives)},
    )


def commitment_update(
    *,
    actor: User | None,
    commitment: Commitment,
    fields: dict[str, Any],
    objectives: Iterable[Objective] | None = None,
) -> Commitment:
    allowed = {"statement_ko", "statement_en", "order"}
    unknown = set(fields) - allowed
    if unknown:
        raise SqmsError(_("These fields cannot be changed here: %s") % ", ".join(sorted(unknown)))
    m2m = None if objectives is None else {"objectives": list(objectives)}
    return record_update(actor=actor, obj=commitment, fields=fields, m2m=m2m)


def commitment_archive(*, actor: User | None, commitment: Commitment, reason: str) -> Commitment:
    return record_archive(actor=actor, obj=commitment, reason=reason)


# --- objectives -------------------------------------------------------------------------------

OBJECTIVE_FIELDS = {
    "statement_ko",
    "statement_en",
    "standard",
    "site",
    "team",
    "baseline",
    "target",
    "start_on",
    "deadline",
    "owner",
    "plan_what",
    "plan_resources",
    "plan_who",
    "plan_when",
    "plan_evaluation",
    "parent",
    "status",
}


@transaction.atomic
def objective_create(
    *,
    actor: User | None,
    statement_ko: str,
    standard: ServiceStandard,
    baseline: Decimal | float,
    target: Decimal | float,
    deadline: dt.date,
    owner: User,
    start_on: dt.date | None = None,
    site: Site | None = None,
    team: Team | None = None,
    parent: Objective | None = None,
    statement_en: str = "",
    plan_what: str = "",
    plan_resources: str = "",
    plan_who: str = "",
    plan_when: str = "",
    plan_evaluation: str = "",
) -> Objective:
    return record_create(
        actor=actor,
        obj=Objective(
            statement_ko=statement_ko,
            statement_en=statement_en,
            standard=standard,
            site=site if site is not None else (team.site if team is not None else None),
            team=team,
            baseline=Decimal(str(baseline)),
            target=Decimal(str(target)),
            start_on=start_on or timezone.localdate(),
            deadline=deadline,
            owner=owner,
            plan_what=plan_what,
            plan_resources=plan_resources,
            plan_who=plan_who,
            plan_when=plan_when,
            plan_evaluation=plan_evaluation,
            parent=parent,
        ),
    )


@transaction.atomic
def objective_update(
    *, actor: User | None, objective: Objective, fields: dict[str, Any], reason: str = ""
) -> Objective:
    unknown = set(fields) - OBJECTIVE_FIELDS
    if unknown:
        raise SqmsError(_("These fields cannot be changed here: %s") % ", ".join(sorted(unknown)))
    if fields.get("status") and fields["status"] not in ObjectiveStatus.values:
        raise SqmsError(_("Choose a status."))
    team = fields.get("team", objective.team)
    if "team" in fields and team is not None and fields.get("site") is None:
        fields = {**fields, "site": team.site}
    return record_update(actor=actor, obj=objective, fields=fields, reason=reason)


def objective_archive(*, actor: User | None, objective: Objective, reason: str) -> Objective:
    if objective.children.filter(archived_at__isnull=True).exists():
        raise SqmsError(_("Archive or move the objectives below this one first."))
    return record_archive(actor=actor, obj=objective, reason=reason)


# --- management reviews -----------------------------------------------------------------------


@transaction.atomic
def review_create(
    *,
    actor: User | None,
    title: str,
    meeting_date: dt.date,
    period_start: dt.date,
    period_end: dt.date,
    attendees: Iterable[User] = (),
    other_attendees: str = "",
) -> Review:
    return record_create(
        actor=actor,
        obj=Review(
            title=title,
            meeting_date=meeting_date,
            period_start=period_start,
            period_end=period_end,
            other_attendees=other_attendees,
            created_by=actor,
        ),
        m2m={"attendees": list(attendees)},
    )


@transaction.atomic
def review_update(
    *,
    actor: User | None,
    review: Review,
    fields: dict[str, Any],
    attendees: Iterable[User] | None = None,
) -> Review:
    """Change the meeting's details; the period is fixed once the pack is frozen."""
    allowed = {"title", "meeting_date", "period_start", "period_end", "other_attendees"}
    unknown = set(fields) - allowed
    if unknown:
        raise SqmsError(_("These fields cannot be changed here: %s") % ", ".join(sorted(unknown)))
    review = Review.objects.select_for_update().get(pk=review.pk)
    if review.is_frozen and any(
        getattr(review, f) != fields[f] for f in ("period_start", "period_end") if f in fields
    ):
        raise SqmsError(
            _("The review was held and its pack is frozen; its period can no longer change.")
        )
    m2m = None if attendees is None else {"attendees": list(attendees)}
    return record_update(actor=actor, obj=review, fields=fields, m2m=m2m)


def _transition(actor: User | None, review: Review, to: str, **extra: Any) -> Review:
    if not rules.allowed(review.status, to):
        raise InvalidTransition(
            _("A review that is %(from)s cannot become %(to)s.")
            % {"from": ReviewStatus(review.status).label, "to": ReviewStatus(to).label}
        )
    return record_update(actor=actor, obj=review, fields={"status": to, **extra})


@transaction.atomic
def review_hold(*, actor: User | None, review: Review) -> Review:
    """The meeting took place: freeze the pack compiled from the data as it is now."""
    from sqms.policy.selectors import review_pack_compile

    review = Review.objects.select_for_update().get(pk=review.pk)
    pack = review_pack_compile(review=review)
    return _transition(actor, review, ReviewStatus.HELD, pack=pack, held_at=timezone.now())


# --- minutes and their actions ------------------------------------------------------------------


def _carrier(review: Review) -> Nonconformance | None:
    ct = ContentType.objects.get_for_model(Review)
    return (
        Nonconformance.objects.filter(source_content_type=ct, source_object_id=str(review.pk))
        .order_by("pk")
        .first()
    )


def review_action_qs(review: Review) -> QuerySet[Action]:
    ct = ContentType.objects.get_for_model(Review)
    return Action.objects.filter(
        nonconformance__source_content_type=ct, nonconformance__source_object_id=str(review.pk)
    ).order_by("due_on", "pk")


def _ensure_minutes_open(review: Review) -> None:
    if review.status == ReviewStatus.DRAFT:
        raise SqmsError(_("Record the minutes once the meeting has been held."))


@transaction.atomic
def review_action_create(
    *,
    actor: User,
    review: Review,
    title: str,
    owner: User,
    due_on: dt.date,
    description: str = "",
) -> Action:
    """An improvement action decided in the review.

    Improvement actions hang off a nonconformance, so each review has one carrier record (source:
    this review, linked generically) whose actions are the review's actions; it is kept out of
    the nonconformance figures of later review packs.
    """
    review = Review.objects.select_for_update().get(pk=review.pk)
    _ensure_minutes_open(review)
    carrier = _carrier(review)
    if carrier is None:
        carrier = improvement_services.nonconformance_create(
            actor=actor,
            title=_("Actions of the management review: %(title)s") % {"title": review.title},
            source_type=SourceType.MANUAL,
            source=review,
            source_reference=review.title[:200],
            description=_("Improvement actions decided in management review %(title)s of %(date)s.")
            % {"title": review.title, "date": review.meeting_date.isoformat()},
        )
    action = improvement_services.action_create(
        actor=actor,
        nc=carrier,
        kind=ActionKind.IMPROVEMENT,
        title=title,
        owner=owner,
        due_on=due_on,
        description=description,
    )
    _after_minutes_change(actor, review)
    return action


def minutes_content(review: Review) -> dict[str, Any]:
    """What the minutes' signature covers: the text, the decisions and the actions."""
    fresh = Review.objects.get(pk=review.pk)
    return {
        "title": fresh.title,
        "meeting_date": fresh.meeting_date.isoformat(),
        "minutes": fresh.minutes.replace("\r\n", "\n"),
        "decisions": fresh.decisions.replace("\r\n", "\n"),
        "attendees": sorted(fresh.attendees.values_list("pk", flat=True)),
        "other_attendees": fresh.other_attendees.replace("\r\n", "\n"),
        "actions": [
            [a.pk, a.title, a.owner_id, a.due_on.isoformat(), a.description]
            for a in review_action_qs(fresh)
        ],
    }


def minutes_hash(review: Review) -> str:
    canonical = json.dumps(
        minutes_content(review), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _after_minutes_change(actor: User | None, review: Review) -> None:
    """Changed minutes are no longer what was signed: back to held."""
    review.refresh_from_db()
    if review.status == ReviewStatus.SIGNED and not _valid_signature(review):
        _transition(actor, review, ReviewStatus.HELD)


def _valid_signature(review: Review) -> bool:
    return review.signatures.filter(content_hash=minutes_hash(review)).exists()


@transaction.atomic
def review_minutes_update(*, actor: User, review: Review, minutes: str, decisions: str) -> Review:
    review = Review.objects.select_for_update().get(pk=review.pk)
    _ensure_minutes_open(review)
    record_update(actor=actor, obj=review, fields={"minutes": minutes, "decisions": decisions})
    _after_minutes_change(actor, review)
    review.refresh_from_db()
    return review


def _attempt(actor: User, review: Review, outcome: str) -> None:
    record_create(
        actor=actor,
        obj=ReviewSignatureAttempt(
            review=review, user=actor, outcome=outcome, attempted_at=timezone.now()
        ),
    )


def recent_sign_failures(user: User) -> int:
    since = timezone.now() - SIGN_WINDOW
    return ReviewSignatureAttempt.objects.filter(
        user=user, outcome=AttemptOutcome.WRONG_PASSWORD, attempted_at__gte=since
    ).count()


def review_sign(
    *, actor: User, review: Review, password: str, printed_name: str, meaning: str
) -> ReviewSignature:
    """Sign the minutes: an electronic signature bound to the hash of the minutes' content.

    Not one transaction on purpose: a rejected attempt stays recorded when the error is raised.
    """
    review = Review.objects.get(pk=review.pk)
    if role_of(actor) not in (Role.QUALITY_MANAGER, Role.ADMIN):
        raise SqmsError(_("Only a quality manager or an administrator may sign the minutes."))
    if review.status == ReviewStatus.DRAFT:
        raise InvalidTransition(_("Only the minutes of a held meeting can be signed."))
    printed_name, meaning = printed_name.strip(), meaning.strip()
    if not printed_name:
        raise SqmsError(_("Type your name as it should be printed with the signature."))
    if not meaning:
        raise SqmsError(_("State what your signature means."))
    if not review.minutes.strip():
        raise SqmsError(_("Write the minutes before signing them."))
    if recent_sign_failures(actor) >= SIGN_FAILURE_LIMIT:
        _attempt(actor, review, AttemptOutcome.THROTTLED)
        raise SigningThrottled(
            _("Too many wrong passwords. Please wait 15 minutes before you sign again.")
        )
    if not actor.check_password(password):
        _attempt(actor, review, AttemptOutcome.WRONG_PASSWORD)
        raise WrongPassword(_("The password is not correct; the minutes were not signed."))
    with transaction.atomic():
        _attempt(actor, review, AttemptOutcome.SIGNED)
        signature = record_create(
            actor=actor,
            obj=ReviewSignature(
                review=review,
                signer=actor,
                printed_name=printed_name[:150],
                meaning=meaning[:300],
                signed_at=timezone.now(),
                content_hash=minutes_hash(review),
            ),
        )
        if review.status == ReviewStatus.HELD:
            _transition(actor, review, ReviewStatus.SIGNED)
    return signature
