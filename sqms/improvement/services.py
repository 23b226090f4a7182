"""Writes of the improvement app: each validated, atomic where it may be, and audit-logged."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.core.access import role_of
from sqms.core.exceptions import InvalidTransition, ReasonRequired, SqmsError
from sqms.core.models import User
from sqms.core.records import record_archive, record_create, record_update
from sqms.core.roles import Role
from sqms.core.signing import SIGN_FAILURE_LIMIT, SIGN_WINDOW, AttemptOutcome
from sqms.documents.content import check_upload
from sqms.improvement import rules
from sqms.improvement.access import can_write
from sqms.improvement.models import (
    Action,
    ActionEvidence,
    ActionKind,
    ActionNote,
    ActionStatus,
    Bone,
    Cause,
    CauseCategory,
    CheckKind,
    DataSource,
    EffectivenessCheck,
    FishboneCause,
    Initiative,
    Lesson,
    NcStatus,
    Nonconformance,
    Priority,
    RaiseRule,
    Signature,
    SignatureAttempt,
    SourceType,
    Stage,
    StageChange,
    StatusChange,
    Suggestion,
    SuggestionComment,
    SuggestionStatus,
    SuggestionVote,
    Verdict,
    WhyStep,
)
from sqms.org.models import Employee, Service, Site
from sqms.standards.models import Metric, StandardVersion
from sqms_analytics import InputError, compare_means, compare_proportions
from sqms_analytics.serialize import comparison_to_dict

REMINDER_DAYS = 3
DEFAULT_RECURRENCE_DAYS = 90
DEFAULT_WINDOW_DAYS = 90
MAX_SERIES = 10_000


class WrongPassword(SqmsError):
    """The password typed to sign did not match."""


class SigningThrottled(SqmsError):
    """Too many wrong passwords in a short time."""


class EditConflict(SqmsError):
    """Someone else saved the record after this edit began."""


def recurrence_window() -> dt.timedelta:
    """How far back a recurrence is looked for; settings.SQMS_NC_RECURRENCE_DAYS, default 90."""
    days = int(getattr(settings, "SQMS_NC_RECURRENCE_DAYS", DEFAULT_RECURRENCE_DAYS))
    return dt.timedelta(days=days)


# --- nonconformances --------------------------------------------------------------------------


def _next_number(year: int) -> str:
    prefix = f"NC-{year}-"
    last = (
        Nonconformance.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    n = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{n:04d}"


def recurrence_find(*, nc: Nonconformance) -> Nonconformance | None:
    """An earlier nonconformance of the same service, with the same standard or the same root
    cause, detected within the recurrence window before this one."""
    if nc.service_id is None:
        return None
    same = Q()
    if nc.standard_version is not None:
        same |= Q(standard_version__standard_id=nc.standard_version.standard_id)
    if nc.root_cause_id is not None:
        same |= Q(root_cause_id=nc.root_cause_id)
    if not same:
        return None
    since = nc.detected_at - recurrence_window()
    return (
        Nonconformance.objects.filter(
            same, service_id=nc.service_id, detected_at__gte=since, detected_at__lte=nc.detected_at
        )
        .exclude(pk=nc.pk)
        .exclude(status=NcStatus.CANCELLED)
        .order_by("-detected_at", "-pk")
        .first()
    )


def _flag_recurrence(actor: User | None, nc: Nonconformance) -> Nonconformance:
    if nc.recurrence_of_id is not None:
        return nc
    earlier = recurrence_find(nc=nc)
    if earlier is None:
        return nc
    return record_update(
        actor=actor,
        obj=nc,
        fields={"recurrence_of": earlier},
        reason=_("Recurrence of %(number)s.") % {"number": earlier.number},
    )


@transaction.atomic
def nonconformance_create(
    *,
    actor: User | None,
    title: str,
    source_type: str,
    severity: str = "minor",
    description: str = "",
    detected_at: dt.datetime | None = None,
    service: Service | None = None,
    site: Site | None = None,
    process: str = "",
    standard_version: StandardVersion | None = None,
    source: models.Model | None = None,
    source_reference: str = "",
    evidence: dict[str, Any] | None = None,
    evidence_text: str = "",
    containment: str = "",
    correction: str = "",
) -> Nonconformance:
    """Raise a nonconformance from any source; flag it when it recurs."""
    detected_at = detected_at or timezone.now()
    if (
        site is not None
        and service is not None
        and service.sites.exists()
        and not service.sites.filter(pk=site.pk).exists()
    ):
        raise SqmsError(_("This service is not offered at this site."))
    nc = Nonconformance(
        number=_next_number(timezone.localtime(detected_at).year),
        title=title,
        description=description,
        source_type=source_type,
        severity=severity,
        detected_at=detected_at,
        service=service,
        site=site,
        process=process,
        standard_version=standard_version,
        source_reference=source_reference,
        evidence=evidence or {},
        evidence_text=evidence_text,
        containment=containment,
        correction=correction,
        reported_by=actor,
    )
    if source is not None:
        nc.source_content_type = ContentType.objects.get_for_model(source)
        nc.source_object_id = str(source.pk)
    record_create(actor=actor, obj=nc)
    return _flag_recurrence(actor, nc)


def nonconformance_from_signal(
    *,
    actor: User | None,
    standard_version: StandardVersion,
    title: str,
    evidence: dict[str, Any],
    source: models.Model | None = None,
    site: Site | None = None,
    automatic: bool = False,
    evidence_text: str = "",
) -> Nonconformance | None:
    """Raise from a monitoring signal: one click by a user, or automatically by the standard's
    rule. `evidence` carries the chart and the points. An automatic raise needs an enabled rule
    and adds nothing while an earlier one of the same standard and site is still open.
    """
    standard = standard_version.standard
    severity = "minor"
    if automatic:
        rule = RaiseRule.objects.filter(standard=standard, enabled=True).first()
        if rule is None:
            return None
        severity = rule.severity
        still_open = (
            Nonconformance.objects.filter(
                standard_version__standard=standard,
                site=site,
                source_type__in=[SourceType.SIGNAL, SourceType.RULE],
            )
            .exclude(status__in=[NcStatus.CLOSED, NcStatus.CANCELLED])
            .first()
        )
        if still_open is not None:
            return still_open
    return nonconformance_create(
        actor=actor,
        title=title,
        source_type=SourceType.RULE if automatic else SourceType.SIGNAL,
        severity=severity,
        service=standard.service,
        site=site,
        standard_version=standard_version,
        source=source,
        evidence=evidence,
        evidence_text=evidence_text,
    )


def nonconformance_report(*, actor: User, **fields: Any) -> Nonconformance:
    """A report by anyone who may read the area; a read-only role's report is a staff report."""
    if not can_write(actor):
        fields["source_type"] = SourceType.STAFF_REPORT
    return nonconformance_create(actor=actor, **fields)


EDITABLE = {
    "title",
    "description",
    "severity",
    "service",
    "site",
    "process",
    "standard_version",
    "source_reference",
    "evidence_text",
    "containment",
    "correction",
}


def _ensure_open(nc: Nonconformance) -> None:
    if nc.is_terminal:
        raise SqmsError(
            _("%(number)s is %(status)s and can no longer be changed.")
            % {"number": nc.number, "status": nc.get_status_display()}
        )


@transaction.atomic
def nonconformance_update(
    *, actor: User | None, nc: Nonconformance, fields: dict[str, Any], seen_updated_at: str = ""
) -> Nonconformance:
    """Change a nonconformance; with `seen_updated_at` (the version the editor loaded), a change
    or transition saved by someone else in between is refused instead of overwritten."""
    unknown = set(fields) - EDITABLE
    if unknown:
        raise SqmsError(_("These fields cannot be changed here: %s") % ", ".join(sorted(unknown)))
    nc = Nonconformance.objects.select_for_update().get(pk=nc.pk)
    if seen_updated_at and seen_updated_at != nc.updated_at.isoformat():
        raise EditConflict(
            _(
                "Someone else changed %(number)s while you were editing it. Your changes were "
                "not saved: reload the page and make them again."
            )
            % {"number": nc.number}
        )
    _ensure_open(nc)
    record_update(actor=actor, obj=nc, fields=fields)
    return _flag_recurrence(actor, nc)


def latest_check(nc: Nonconformance) -> EffectivenessCheck | None:
    return (
        EffectivenessCheck.objects.filter(nonconformance=nc).order_by("-created_at", "-pk").first()
    )


def requirement_problem(nc: Nonconformance, to: str) -> str | None:
    """Why the record may not move to `to` yet, or None when it meets the requirement."""
    live_actions = Action.objects.filter(nonconformance=nc).exclude(status=ActionStatus.CANCELLED)
    if to == NcStatus.CONTAINED and not nc.containment.strip():
        return _("Record the immediate containment first.")
    if to == NcStatus.ANALYSED and (
        nc.root_cause_id is None or not nc.root_cause_statement.strip()
    ):
        return _("Classify the root cause in the taxonomy and state it first.")
    if to == NcStatus.ACTION_PLANNED and not live_actions.exists():
        return _("Plan at least one action first.")
    if to == NcStatus.IMPLEMENTED and (
        not live_actions.exists() or live_actions.exclude(status=ActionStatus.DONE).exists()
    ):
        return _("Every action must be done or cancelled first.")
    if to == NcStatus.VERIFIED and latest_check(nc) is None:
        return _("Check the effectiveness of the actions first.")
    return None


@transaction.atomic
def nonconformance_transition(
    *,
    actor: User | None,
    nc: Nonconformance,
    to: str,
    reason: str = "",
    _signed: bool = False,
) -> Nonconformance:
    """Move a nonconformance along the transition table; record the change; audit-log it."""
    nc = Nonconformance.objects.select_for_update().get(pk=nc.pk)
    current = nc.status
    if not rules.allowed(current, to):
        raise InvalidTransition(
            _("A nonconformance that is %(from)s cannot become %(to)s.")
            % {
                "from": NcStatus(current).label,
                "to": NcStatus(to).label if to in NcStatus.values else to,
            }
        )
    if to in rules.SIGNED and not _signed:
        raise InvalidTransition(_("Closing needs the electronic signature of a quality manager."))
    if actor is not None and not rules.may(role_of(actor), to):
        raise InvalidTransition(
            _("Your role may not move a nonconformance to %(to)s.") % {"to": NcStatus(to).label}
        )
    reason = reason.strip()
    if to == NcStatus.CANCELLED and not reason:
        raise ReasonRequired(_("Please give a reason."))
    problem = requirement_problem(nc, to)
    if problem:
        raise InvalidTransition(problem)
    now = timezone.now()
    fields: dict[str, Any] = {"status": to}
    if to == NcStatus.CLOSED:
        fields["closed_at"] = now
    record_update(actor=actor, obj=nc, fields=fields, reason=reason)
    record_create(
        actor=actor,
        obj=StatusChange(
            nonconformance=nc,
            from_status=current,
            to_status=to,
            actor=actor,
            reason=reason,
            changed_at=now,
        ),
    )
    return nc


# --- the closing signature --------------------------------------------------------------------


def nonconformance_content(nc: Nonconformance) -> dict[str, Any]:
    """What the closing signature covers: the record, its analysis, actions and checks."""
    fields = [
        "number",
        "title",
        "description",
        "severity",
        "source_type",
        "source_reference",
        "evidence_text",
        "service_id",
        "site_id",
        "process",
        "standard_version_id",
        "containment",
        "correction",
        "root_cause_id",
        "root_cause_statement",
        "closing_justification",
    ]
    fresh = Nonconformance.objects.get(pk=nc.pk)
    return {
        "record": {f: getattr(fresh, f) for f in fields},
        "whys": list(
            WhyStep.objects.filter(nonconformance=nc).values_list("chain", "position", "text")
        ),
        "fishbone": list(
            FishboneCause.objects.filter(nonconformance=nc).values_list("bone", "text")
        ),
        "actions": [
            [a.pk, a.kind, a.title, a.status, a.owner_id, str(a.due_on), str(a.completed_on)]
            for a in Action.objects.filter(nonconformance=nc).order_by("pk")
        ],
        "checks": list(
            EffectivenessCheck.objects.filter(nonconformance=nc)
            .order_by("pk")
            .values_list("pk", "verdict")
        ),
    }


def nonconformance_content_hash(nc: Nonconformance) -> str:
    canonical = json.dumps(
        nonconformance_content(nc),
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _attempt(actor: User, nc: Nonconformance, outcome: str) -> None:
    record_create(
        actor=actor,
        obj=SignatureAttempt(
            nonconformance=nc, user=actor, outcome=outcome, attempted_at=timezone.now()
        ),
    )


def recent_sign_failures(user: User) -> int:
    since = timezone.now() - SIGN_WINDOW
    return SignatureAttempt.objects.filter(
        user=user, outcome=AttemptOutcome.WRONG_PASSWORD, attempted_at__gte=since
    ).count()


def needs_justification(nc: Nonconformance) -> bool:
    check = latest_check(nc)
    return check is None or check.verdict != Verdict.IMPROVED


def nonconformance_close(
    *,
    actor: User,
    nc: Nonconformance,
    password: str,
    printed_name: str,
    meaning: str,
    justification: str = "",
) -> Signature:
    """Close with an electronic signature bound to the hash of the record's content.

    Not one transaction on purpose: a rejected attempt stays recorded when the error is raised.
    """
    nc = Nonconformance.objects.get(pk=nc.pk)
    if role_of(actor) not in (Role.QUALITY_MANAGER, Role.ADMIN):
        raise SqmsError(_("Only a quality manager may close a nonconformance."))
    if nc.status != NcStatus.VERIFIED:
        raise InvalidTransition(_("Only a verified nonconformance can be closed."))
    printed_name, meaning, justification = (
        printed_name.strip(),
        meaning.strip(),
        justification.strip(),
    )
    if not printed_name:
        raise SqmsError(_("Type your name as it should be printed with the signature."))
    if not meaning:
        raise SqmsError(_("State what your signature means."))
    if needs_justification(nc) and not justification:
        raise ReasonRequired(
            _("The effectiveness check has no positive verdict: write why it may be closed.")
        )
    if recent_sign_failures(actor) >= SIGN_FAILURE_LIMIT:
        _attempt(actor, nc, AttemptOutcome.THROTTLED)
        raise SigningThrottled(
            _("Too many wrong passwords. Please wait 15 minutes before you sign again.")
        )
    if not actor.check_password(password):
        _attempt(actor, nc, AttemptOutcome.WRONG_PASSWORD)
        raise WrongPassword(_("The password is not correct; the nonconformance was not closed."))
    with transaction.atomic():
        _attempt(actor, nc, AttemptOutcome.SIGNED)
        if justification != nc.closing_justification:
            record_update(actor=actor, obj=nc, fields={"closing_justification": justification})
        signature = record_create(
            actor=actor,
            obj=Signature(
                nonconformance=nc,
                signer=actor,
                printed_name=printed_name[:150],
                meaning=meaning[:300],
                signed_at=timezone.now(),
                content_hash=nonconformance_content_hash(nc),
            ),
        )
        nonconformance_transition(
            actor=actor, nc=nc, to=NcStatus.CLOSED, reason=meaning, _signed=True
        )
    return signature


# --- root-cause analysis ----------------------------------------------------------------------


def why_add(*, actor: User | None, nc: Nonconformance, text: str, chain: int = 1) -> WhyStep:
    _ensure_open(nc)
    text = text.strip()
    if not text:
        raise SqmsError(_("Write the answer to “why?”."))
    last = (
        WhyStep.objects.filter(nonconformance=nc, chain=chain)
        .order_by("-position")
        .values_list("position", flat=True)
        .first()
    )
    step = WhyStep(nonconformance=nc, chain=chain, position=(last or 0) + 1, text=text)
    return record_create(actor=actor, obj=step)


def _delete(actor: User | None, obj: models.Model) -> None:
    from sqms.core.audit import PendingEntry, audit_record_many, diff, snapshot
    from sqms.core.models import AuditAction

    before = snapshot(obj)
    with transaction.atomic():
        audit_record_many(
            actor=actor,
            entries=[PendingEntry(action=AuditAction.DELETE, obj=obj, changes=diff(before, {}))],
        )
        obj.delete()


def why_remove(*, actor: User | None, step: WhyStep) -> None:
    _ensure_open(step.nonconformance)
    _delete(actor, step)


def fishbone_add(*, actor: User | None, nc: Nonconformance, bone: str, text: str) -> FishboneCause:
    _ensure_open(nc)
    if bone not in Bone.values:
        raise SqmsError(_("Choose a category of the diagram."))
    return record_create(
        actor=actor, obj=FishboneCause(nonconformance=nc, bone=bone, text=text.strip())
    )


def fishbone_remove(*, actor: User | None, cause: FishboneCause) -> None:
    _ensure_open(cause.nonconformance)
    _delete(actor, cause)


@transaction.atomic
def root_cause_set(
    *, actor: User | None, nc: Nonconformance, cause: Cause, statement: str
) -> Nonconformance:
    _ensure_open(nc)
    if cause.is_archived:
        raise SqmsError(_("This cause is archived; choose a current one."))
    nc = record_update(
        actor=actor,
        obj=nc,
        fields={"root_cause": cause, "root_cause_statement": statement.strip()},
    )
    return _flag_recurrence(actor, nc)


# --- cause taxonomy ---------------------------------------------------------------------------


def category_create(*, actor: User | None, code: str, name: str, bone: str) -> CauseCategory:
    return record_create(actor=actor, obj=CauseCategory(code=code, name=name, bone=bone))


def cause_create(*, actor: User | None, category: CauseCategory, code: str, name: str) -> Cause:
    if category.is_archived:
        raise SqmsError(_("This category is archived."))
    return record_create(actor=actor, obj=Cause(category=category, code=code, name=name))


def taxonomy_archive(
    *, actor: User | None, obj: CauseCategory | Cause, reason: str
) -> CauseCategory | Cause:
    return record_archive(actor=actor, obj=obj, reason=reason)


# --- actions ----------------------------------------------------------------------------------


def action_create(
    *,
    actor: User | None,
    nc: Nonconformance,
    kind: str,
    title: str,
    owner: User,
    due_on: dt.date,
    description: str = "",
    change_target: str = "",
    change_description: str = "",
    target: models.Model | None = None,
) -> Action:
    _ensure_open(nc)
    if kind not in ActionKind.values:
        raise SqmsError(_("Choose the kind of action."))
    action = Action(
        nonconformance=nc,
        kind=kind,
        title=title,
        description=description,
        owner=owner,
        due_on=due_on,
        change_target=change_target,
        change_description=change_description,
    )
    if target is not None:
        action.target_content_type = ContentType.objects.get_for_model(target)
        action.target_object_id = str(target.pk)
    return record_create(actor=actor, obj=action)


def action_link_target(*, actor: User | None, action: Action, target: models.Model) -> Action:
    """Link the record the action changed (a standard version, a process, …) once it exists."""
    return record_update(
        actor=actor,
        obj=action,
        fields={
            "target_content_type": ContentType.objects.get_for_model(target),
            "target_object_id": str(target.pk),
        },
    )


def action_set_status(
    *, actor: User | None, action: Action, status: str, today: dt.date | None = None
) -> Action:
    _ensure_open(action.nonconformance)
    if status not in ActionStatus.values:
        raise SqmsError(_("Choose a status."))
    if action.status == ActionStatus.CANCELLED:
        raise SqmsError(_("A cancelled action cannot be changed."))
    done = status == ActionStatus.DONE
    completed = (today or timezone.localdate()) if done else None
    return record_update(
        actor=actor, obj=action, fields={"status": status, "completed_on": completed}
    )


def action_note_add(*, actor: User, action: Action, text: str) -> ActionNote:
    text = text.strip()
    if not text:
        raise SqmsError(_("Write a note."))
    return record_create(
        actor=actor,
        obj=ActionNote(action=action, author=actor, text=text, created_at=timezone.now()),
    )


@transaction.atomic
def action_evidence_add(
    *, actor: User, action: Action, upload: UploadedFile[bytes]
) -> ActionEvidence:
    checked = check_upload(upload)
    evidence = ActionEvidence(
        action=action,
        original_name=(upload.name or "")[:255],
        size=checked.size,
        sha256=checked.sha256,
        mime=checked.mime,
    )
    name = f"improvement/{checked.sha256}.{checked.extension}"
    storage = evidence.file.storage
    if not storage.exists(name):
        name = storage.save(name, upload)
    evidence.file.name = name
    return record_create(actor=actor, obj=evidence)


# --- effectiveness ----------------------------------------------------------------------------

_SPLIT = re.compile(r"[\s,;]+")


def parse_values(text: str) -> list[float]:
    """Numbers separated by spaces, commas, semicolons or new lines."""
    out: list[float] = []
    for token in _SPLIT.split(text.strip()):
        if not token:
            continue
        try:
            value = float(token)
        except ValueError:
            raise SqmsError(_("“%(value)s” is not a number.") % {"value": token[:40]}) from None
        if value != value or value in (float("inf"), float("-inf")):
            raise SqmsError(_("“%(value)s” is not a number.") % {"value": token[:40]})
        out.append(value)
    if len(out) > MAX_SERIES:
        raise SqmsError(_("Too many values."))
    return out


def parse_counts(text: str) -> tuple[list[int], list[int]]:
    """One "events, cases" pair per line (e.g. "12, 400")."""
    events: list[int] = []
    sizes: list[int] = []
    for number, line in enumerate(text.strip().splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p for p in _SPLIT.split(line.strip()) if p]
        if len(parts) != 2 or not all(p.isdigit() for p in parts):
            raise SqmsError(
                _("Line %(n)s: write the number of events and the number of cases, e.g. 12, 400.")
                % {"n": number}
            )
        d, n = int(parts[0]), int(parts[1])
        if d > n or n == 0:
            raise SqmsError(
                _("Line %(n)s: the events must not exceed the cases, and cases must be positive.")
                % {"n": number}
            )
        events.append(d)
        sizes.append(n)
    if len(events) > MAX_SERIES:
        raise SqmsError(_("Too many values."))
    return events, sizes


def _signal_window(nc: Nonconformance) -> tuple[dt.date, dt.date] | None:
    """The periods a monitoring signal saw, as recorded in the evidence."""
    signal = (nc.evidence or {}).get("signal") if isinstance(nc.evidence, dict) else None
    if not isinstance(signal, dict):
        return None
    try:
        first = dt.datetime.fromisoformat(str(signal["first_period"]))
        last = dt.datetime.fromisoformat(str(signal["last_period"]))
    except (KeyError, ValueError):
        return None
    return timezone.localtime(first).date(), timezone.localtime(last).date()


def proposed_windows(nc: Nonconformance) -> tuple[dt.date, dt.date, dt.date, dt.date]:
    """Before: the window up to the first action (for a signal: the periods it saw); after:
    from the last completion on."""
    actions = list(Action.objects.filter(nonconformance=nc).exclude(status=ActionStatus.CANCELLED))
    start = min(
        (timezone.localtime(a.created_at).date() for a in actions),
        default=timezone.localtime(nc.detected_at).date(),
    )
    done = [a.completed_on for a in actions if a.completed_on]
    finish = max(done, default=timezone.localdate())
    span = dt.timedelta(days=DEFAULT_WINDOW_DAYS)
    after_to = finish + span
    seen = _signal_window(nc)
    if seen is not None and seen[0] < finish:
        return seen[0], min(seen[1], finish - dt.timedelta(days=1)), finish, after_to
    return start - span, start - dt.timedelta(days=1), finish, after_to


def effectiveness_compare(
    *, kind: str, higher_is_better: bool, before: str, after: str
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Parse both series and compare them; returns (before data, after data, result)."""
    try:
        if kind == CheckKind.PROPORTION:
            bd, bn = parse_counts(before)
            ad, an = parse_counts(after)
            if not bd or not ad:
                raise SqmsError(_("Enter data for both periods."))
            result = compare_proportions(bd, bn, ad, an, higher_is_better=higher_is_better)
            data_b: dict[str, Any] = {"events": bd, "sizes": bn}
            data_a: dict[str, Any] = {"events": ad, "sizes": an}
        elif kind == CheckKind.MEAN:
            bv, av = parse_values(before), parse_values(after)
            if len(bv) < 2 or len(av) < 2:
                raise SqmsError(_("Enter at least two values for each period."))
            result = compare_means(bv, av, higher_is_better=higher_is_better)
            data_b, data_a = {"values": bv}, {"values": av}
        else:
            raise SqmsError(_("Choose the kind of comparison."))
    except InputError as exc:
        raise SqmsError(str(exc)) from exc
    return data_b, data_a, comparison_to_dict(result)


def effectiveness_check_create(
    *,
    actor: User | None,
    nc: Nonconformance,
    kind: str,
    higher_is_better: bool,
    metric_label: str,
    before_from: dt.date,
    before_to: dt.date,
    after_from: dt.date,
    after_to: dt.date,
    before: str,
    after: str,
    metric: Metric | None = None,
) -> EffectivenessCheck:
    _ensure_open(nc)
    if before_from > before_to or after_from > after_to:
        raise SqmsError(_("A window ends before it starts."))
    if after_from <= before_to:
        raise SqmsError(_("The after window must start after the before window ends."))
    data_b, data_a, result = effectiveness_compare(
        kind=kind, higher_is_better=higher_is_better, before=before, after=after
    )
    check = EffectivenessCheck(
        nonconformance=nc,
        metric=metric,
        metric_label=metric_label or (str(metric) if metric else ""),
        kind=kind,
        higher_is_better=higher_is_better,
        data_source=DataSource.MANUAL,
        before_from=before_from,
        before_to=before_to,
        after_from=after_from,
        after_to=after_to,
        before_data=data_b,
        after_data=data_a,
        result=result,
        verdict=str(result["verdict"]),
        created_by=actor,
    )
    return record_create(actor=actor, obj=check)


# --- reminders and escalation (run daily by tasks.py) -------------------------------------------


def action_reminders_send(*, today: dt.date, days_before: int = REMINDER_DAYS) -> int:
    """Remind owners of open actions due within `days_before` days; once a day per action."""
    due = (
        Action.objects.filter(
            status__in=[ActionStatus.OPEN, ActionStatus.IN_PROGRESS],
            due_on__gte=today,
            due_on__lte=today + dt.timedelta(days=days_before),
        )
        .exclude(reminded_on=today)
        .select_related("owner", "nonconformance")
    )
    sent = 0
    for action in due:
        if action.owner.email and action.owner.is_active:
            send_mail(
                _("Action due: %(title)s") % {"title": action.title},
                _("The action “%(title)s” of %(number)s is due on %(due)s.")
                % {
                    "title": action.title,
                    "number": action.nonconformance.number,
                    "due": action.due_on.isoformat(),
                },
                None,
                [action.owner.email],
            )
            sent += 1
        record_update(actor=None, obj=action, fields={"reminded_on": today})
    return sent


def action_escalations_send(*, today: dt.date) -> int:
    """Tell the quality managers about overdue actions; once a day per action."""
    overdue = (
        Action.objects.filter(
            status__in=[ActionStatus.OPEN, ActionStatus.IN_PROGRESS], due_on__lt=today
        )
        .exclude(escalated_on=today)
        .select_related("owner", "nonconformance")
    )
    managers = list(
        User.objects.filter(role=Role.QUALITY_MANAGER, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    sent = 0
    for action in overdue:
        if managers:
            send_mail(
                _("Overdue action: %(title)s") % {"title": action.title},
                _("The action “%(title)s” of %(number)s, owned by %(owner)s, was due on %(due)s.")
                % {
                    "title": action.title,
                    "number": action.nonconformance.number,
                    "owner": action.owner.get_full_name() or action.owner.get_username(),
                    "due": action.due_on.isoformat(),
                },
                None,
                managers,
            )
            sent += 1
        record_update(actor=None, obj=action, fields={"escalated_on": today})
    return sent


# --- effectiveness from metric results (monitoring rollups) -----------------------------------


def _window(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    from sqms.monitoring.series import org_tz

    tz = org_tz()
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=tz),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    )


def effectiveness_from_results(
    *,
    nc: Nonconformance,
    before_from: dt.date,
    before_to: dt.date,
    after_from: dt.date,
    after_to: dt.date,
) -> tuple[str, bool, dict[str, Any], dict[str, Any], dict[str, Any], Metric]:
    """Compare the metric results of the nonconformance's standard at its site.

    Share-meeting standards: a proportions test on (records meeting, records) per period;
    other standards: a means test on the period values. Returns
    (kind, higher_is_better, before data, after data, result, metric).
    """
    from sqms.monitoring.series import segment_key, standard_series
    from sqms.standards.models import Aggregation, Direction

    if nc.standard_version_id is None:
        raise SqmsError(
            _("This nonconformance names no standard version: enter the data on the page.")
        )
    standard = StandardVersion.objects.select_related("standard__metric").get(
        pk=nc.standard_version_id
    )
    standard_obj = standard.standard
    metric = standard_obj.metric
    segments = [segment_key(site=nc.site_id), ""] if nc.site_id else [""]
    series: list[list[Any]] = []
    for segment in segments:
        # The site's results; the whole service's when the standard keeps none per site.
        series = []
        for start, end in ((before_from, before_to), (after_from, after_to)):
            s, e = _window(start, end)
            found = standard_series(standard=standard_obj, segment=segment, start=s, end=e)
            series.append([p for p in found if p.n])
        if any(series):
            break
    for label, (start, end), points in zip(
        (_("before"), _("after")),
        ((before_from, before_to), (after_from, after_to)),
        series,
        strict=True,
    ):
        if not points:
            raise SqmsError(
                _("There are no metric results in the %(which)s window (%(start)s – %(end)s).")
                % {"which": label, "start": start.isoformat(), "end": end.isoformat()}
            )
    before, after = series
    try:
        if metric.aggregation == Aggregation.SHARE_MEETING_THRESHOLD:
            kind, higher = CheckKind.PROPORTION, True
            bd, bn = [p.n_meeting for p in before], [p.n for p in before]
            ad, an = [p.n_meeting for p in after], [p.n for p in after]
            result = compare_proportions(bd, bn, ad, an, higher_is_better=higher)
            data_b: dict[str, Any] = {"events": bd, "sizes": bn}
            data_a: dict[str, Any] = {"events": ad, "sizes": an}
        else:
            kind, higher = CheckKind.MEAN, metric.direction == Direction.HIGHER_IS_BETTER
            bv = [float(p.value) for p in before if p.value is not None]
            av = [float(p.value) for p in after if p.value is not None]
            if len(bv) < 2 or len(av) < 2:
                raise SqmsError(
                    _("Each window needs the results of at least two periods for this metric.")
                )
            result = compare_means(bv, av, higher_is_better=higher)
            data_b, data_a = {"values": bv}, {"values": av}
    except InputError as exc:
        raise SqmsError(str(exc)) from exc
    for data, points in ((data_b, before), (data_a, after)):
        data["periods"] = [p.period_start.date().isoformat() for p in points]
        data["segment"] = segment
    return kind, higher, data_b, data_a, comparison_to_dict(result), metric


def effectiveness_check_from_results(
    *,
    actor: User | None,
    nc: Nonconformance,
    before_from: dt.date,
    before_to: dt.date,
    after_from: dt.date,
    after_to: dt.date,
    metric_label: str = "",
) -> EffectivenessCheck:
    """An effectiveness check on the stored metric results instead of typed-in data."""
    _ensure_open(nc)
    if before_from > before_to or after_from > after_to:
        raise SqmsError(_("A window ends before it starts."))
    if after_from <= before_to:
        raise SqmsError(_("The after window must start after the before window ends."))
    kind, higher, data_b, data_a, result, metric = effectiveness_from_results(
        nc=nc,
        before_from=before_from,
        before_to=before_to,
        after_from=after_from,
        after_to=after_to,
    )
    check = EffectivenessCheck(
        nonconformance=nc,
        metric=metric,
        metric_label=(metric_label or metric.name)[:200],
        kind=kind,
        higher_is_better=higher,
        data_source=DataSource.METRIC_RESULTS,
        before_from=before_from,
        before_to=before_to,
        after_from=after_from,
        after_to=after_to,
        before_data=data_b,
        after_data=data_a,
        result=result,
        verdict=str(result["verdict"]),
        created_by=actor,
    )
    return record_create(actor=actor, obj=check)


# --- monitoring signals -----------------------------------------------------------------------


def nonconformance_for_source(source: models.Model) -> Nonconformance | None:
    return (
        Nonconformance.objects.filter(
            source_content_type=ContentType.objects.get_for_model(source),
            source_object_id=str(source.pk),
        )
        .order_by("pk")
        .first()
    )


def signal_evidence(signal: Any) -> dict[str, Any]:
    """The signal's own evidence (chart, points, rule) plus a reference back to it."""
    evidence: dict[str, Any] = dict(signal.evidence or {})
    evidence.setdefault("points", [])
    chart = evidence.get("chart") or ""
    if not chart:
        monitoring = getattr(signal.standard, "monitoring", None)
        chart = getattr(monitoring, "chart", "") or ""
    evidence["chart"] = chart
    evidence["signal"] = {
        "id": signal.pk,
        "kind": signal.kind,
        "rule": signal.rule,
        "segment": signal.segment,
        "first_period": signal.first_period.isoformat(),
        "last_period": signal.last_period.isoformat(),
        "occurrences": signal.occurrences,
    }
    return evidence


def nonconformance_raise_from_signal(
    *, actor: User | None, signal: Any, automatic: bool = False
) -> Nonconformance | None:
    """Raise (once) a nonconformance from a monitoring signal; returns the existing one when
    the signal was raised before. An automatic raise needs the standard's enabled rule."""
    existing = nonconformance_for_source(signal)
    if existing is not None:
        return existing
    standard = signal.standard
    title = _("%(standard)s: %(kind)s") % {
        "standard": f"{standard.code} {standard.name}",
        "kind": signal.get_kind_display(),
    }
    text = _("Signal %(rule)s from %(first)s to %(last)s, %(n)s occurrence(s).") % {
        "rule": signal.rule or signal.get_kind_display(),
        "first": timezone.localtime(signal.first_period).date().isoformat(),
        "last": timezone.localtime(signal.last_period).date().isoformat(),
        "n": signal.occurrences,
    }
    return nonconformance_from_signal(
        actor=actor,
        standard_version=signal.version,
        title=title[:200],
        evidence=signal_evidence(signal),
        source=signal,
        site=signal.site,
        automatic=automatic,
        evidence_text=text,
    )


def raise_from_open_signals() -> int:
    """Raise nonconformances for the open signals of standards with an enabled rule.

    Idempotent: a signal raised before, or a standard and site with an open nonconformance from
    a signal, adds nothing. Returns the number of nonconformances created.
    """
    import logging

    from sqms.monitoring.models import Signal, SignalStatus

    log = logging.getLogger(__name__)
    rules_on = RaiseRule.objects.filter(enabled=True).values_list("standard_id", flat=True)
    signals = (
        Signal.objects.filter(status=SignalStatus.OPEN, standard_id__in=list(rules_on))
        .select_related("standard", "version", "site")
        .order_by("first_period", "pk")
    )
    created = 0
    for signal in signals:
        before = Nonconformance.objects.count()
        try:
            with transaction.atomic():
                nonconformance_raise_from_signal(actor=None, signal=signal, automatic=True)
        except (SqmsError, ValueError) as exc:
            log.warning("Signal %s not raised: %s", signal.pk, exc)
            continue
        created += Nonconformance.objects.count() - before
    return created


@transaction.atomic
def raise_rule_save(
    *, actor: User | None, standard: Any, enabled: bool, severity: str
) -> RaiseRule:
    """Create or change the automatic raising rule of a standard."""
    rule = RaiseRule.objects.filter(standard=standard).first()
    if rule is None:
        return record_create(
            actor=actor, obj=RaiseRule(standard=standard, enabled=enabled, severity=severity)
        )
    return record_update(actor=actor, obj=rule, fields={"enabled": enabled, "severity": severity})


_COMPLAINT_SEVERITY = {"critical": "critical", "high": "major"}


def nonconformance_raise_from_complaint(*, actor: User | None, complaint: Any) -> Nonconformance:
    """Raise (once) a nonconformance from a customer complaint; returns the existing one when
    the complaint was raised before."""
    existing = nonconformance_for_source(complaint)
    if existing is not None:
        return existing
    subject = str(getattr(complaint, "subject", "") or complaint)
    service, site = getattr(complaint, "service", None), getattr(complaint, "site", None)
    if (
        service is not None
        and site is not None
        and service.sites.exists()
        and not service.sites.filter(pk=site.pk).exists()
    ):
        site = None
    return nonconformance_create(
        actor=actor,
        title=(_("Complaint: %(title)s") % {"title": subject})[:200],
        source_type=SourceType.COMPLAINT,
        severity=_COMPLAINT_SEVERITY.get(str(getattr(complaint, "severity", "")), "minor"),
        description=str(getattr(complaint, "description", "") or ""),
        source=complaint,
        source_reference=str(getattr(complaint, "reference", "") or complaint.pk)[:200],
        service=service,
        site=site,
    )


# --- improvement initiatives (PDCA) -----------------------------------------------------------


def _next_code(model: Any, prefix_base: str, year: int) -> str:
    prefix = f"{prefix_base}-{year}-"
    last = (
        model.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    n = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{n:04d}"


INITIATIVE_FIELDS = {
    "title",
    "description",
    "priority",
    "owner",
    "service",
    "site",
    "standard",
    "metric",
    "unit",
    "expected_benefit",
    "realised_benefit",
    "nonconformance",
}


def _initiative_fields(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - INITIATIVE_FIELDS
    if unknown:
        raise SqmsError(_("These fields cannot be changed here: %s") % ", ".join(sorted(unknown)))
    out = dict(fields)
    standard = out.get("standard")
    if standard is not None and out.get("metric") is None:
        out["metric"] = standard.metric
    if standard is not None and out.get("service") is None:
        out["service"] = standard.service
    metric = out.get("metric")
    if metric is not None and not (out.get("unit") or "").strip():
        out["unit"] = metric.get_unit_display()
    return out


@transaction.atomic
def initiative_create(*, actor: User | None, title: str, owner: User, **fields: Any) -> Initiative:
    data = _initiative_fields({"title": title, "owner": owner, **fields})
    initiative = Initiative(number=_next_code(Initiative, "IMP", timezone.localdate().year), **data)
    return record_create(actor=actor, obj=initiative)


@transaction.atomic
def initiative_update(
    *,
    actor: User | None,
    initiative: Initiative,
    fields: dict[str, Any],
    seen_updated_at: str = "",
) -> Initiative:
    """Change an initiative; with `seen_updated_at` (the version the editor loaded), a change
    saved by someone else in between is refused instead of silently overwritten."""
    initiative = Initiative.objects.select_for_update().get(pk=initiative.pk)
    if seen_updated_at and seen_updated_at != initiative.updated_at.isoformat():
        raise EditConflict(
            _(
                "Someone else changed %(number)s while you were editing it. Your changes were "
                "not saved: reload the page and make them again."
            )
            % {"number": initiative.number}
        )
    if initiative.is_terminal and set(fields) - {"realised_benefit"}:
        raise SqmsError(
            _("%(number)s is %(stage)s and can no longer be changed.")
            % {"number": initiative.number, "stage": initiative.get_stage_display()}
        )
    return record_update(actor=actor, obj=initiative, fields=_initiative_fields(fields))


_BACKWARDS = {(Stage.DO, Stage.PLAN), (Stage.CHECK, Stage.DO), (Stage.ACT, Stage.PLAN)}


def stage_problem(initiative: Initiative, to: str) -> str | None:
    """Why the initiative may not move to `to` yet, or None."""
    if to == Stage.DO and initiative.expected_benefit is None:
        return _("Record the expected benefit first.")
    if to in (Stage.ACT, Stage.COMPLETED) and initiative.realised_benefit is None:
        return _("Record the realised benefit first.")
    return None


@transaction.atomic
def initiative_move(
    *, actor: User | None, initiative: Initiative, to: str, reason: str = ""
) -> Initiative:
    """Move an initiative along Plan–Do–Check–Act; record and audit-log the change."""
    initiative = Initiative.objects.select_for_update().get(pk=initiative.pk)
    current = initiative.stage
    if not rules.stage_allowed(current, to):
        raise InvalidTransition(
            _("An initiative in %(from)s cannot move to %(to)s.")
            % {
                "from": Stage(current).label,
                "to": Stage(to).label if to in Stage.values else to,
            }
        )
    if actor is not None and not can_write(actor):
        raise InvalidTransition(_("Your role may not move improvement initiatives."))
    reason = reason.strip()
    if (to == Stage.CANCELLED or (current, to) in _BACKWARDS) and not reason:
        raise ReasonRequired(_("Please give a reason."))
    problem = stage_problem(initiative, to)
    if problem:
        raise InvalidTransition(problem)
    now = timezone.now()
    fields: dict[str, Any] = {"stage": to}
    if to == Stage.COMPLETED:
        fields["completed_at"] = now
    record_update(actor=actor, obj=initiative, fields=fields, reason=reason)
    record_create(
        actor=actor,
        obj=StageChange(
            initiative=initiative,
            from_stage=current,
            to_stage=to,
            actor=actor,
            reason=reason,
            changed_at=now,
        ),
    )
    return initiative


# --- employee suggestions ---------------------------------------------------------------------


def _notify(user: User, subject: Any, body: Any = "", url: str = "", /, **params: Any) -> None:
    """One in-app notification, rendered in the recipient's language."""
    from django.utils import translation

    from sqms.core.services import notification_send

    if not user.is_active:
        return
    with translation.override(user.language or settings.LANGUAGE_CODE):
        notification_send(
            recipients=[user],
            title=str(subject) % params,
            body=(str(body) % params) if body else "",
            url=url,
        )


def _suggestion_url(suggestion: Suggestion) -> str:
    from django.urls import reverse

    return reverse("improvement:suggestion_detail", kwargs={"pk": suggestion.pk})


@transaction.atomic
def suggestion_submit(
    *,
    actor: User,
    title: str,
    body: str,
    anonymous: bool = False,
    service: Service | None = None,
    site: Site | None = None,
) -> Suggestion:
    """Any employee's idea; the submitter's team is kept for participation, never shown when
    anonymous."""
    from django.utils.translation import gettext_lazy

    title, body = title.strip(), body.strip()
    if not title:
        raise SqmsError(_("Give the idea a title."))
    if not body:
        raise SqmsError(_("Describe the idea."))
    employee = Employee.objects.filter(user=actor).select_related("team").first()
    team = employee.team if employee else None
    if site is None and employee is not None:
        site = employee.site
    suggestion = record_create(
        actor=actor,
        obj=Suggestion(
            number=_next_code(Suggestion, "SUG", timezone.localdate().year),
            title=title,
            body=body,
            submitter=actor,
            anonymous=anonymous,
            team=team,
            site=site,
            service=service,
        ),
    )
    _notify(
        actor,
        gettext_lazy("Your suggestion %(number)s was received."),
        gettext_lazy("The quality team will look at “%(title)s” and tell you what it decides."),
        _suggestion_url(suggestion),
        number=suggestion.number,
        title=suggestion.title,
    )
    return suggestion


@transaction.atomic
def suggestion_vote_toggle(*, actor: User, suggestion: Suggestion) -> bool:
    """Vote for a suggestion, or take the vote back; one vote per user. Returns whether the
    user now votes for it."""
    suggestion = Suggestion.objects.select_for_update().get(pk=suggestion.pk)
    if suggestion.submitter_id == actor.pk:
        raise SqmsError(_("You cannot vote for your own suggestion."))
    if suggestion.status != SuggestionStatus.SUBMITTED:
        raise SqmsError(_("Votes are closed: the suggestion was already decided."))
    vote = SuggestionVote.objects.filter(suggestion=suggestion, user=actor).first()
    if vote is not None:
        _delete(actor, vote)
        return False
    record_create(
        actor=actor,
        obj=SuggestionVote(suggestion=suggestion, user=actor, created_at=timezone.now()),
    )
    return True


def suggestion_comment_add(*, actor: User, suggestion: Suggestion, text: str) -> SuggestionComment:
    text = text.strip()
    if not text:
        raise SqmsError(_("Write a comment."))
    return record_create(
        actor=actor,
        obj=SuggestionComment(
            suggestion=suggestion, author=actor, text=text, created_at=timezone.now()
        ),
    )


def _ensure_submitted(suggestion: Suggestion) -> Suggestion:
    fresh = Suggestion.objects.select_for_update().get(pk=suggestion.pk)
    if fresh.status != SuggestionStatus.SUBMITTED:
        raise InvalidTransition(
            _("%(number)s was already %(status)s.")
            % {"number": fresh.number, "status": fresh.get_status_display()}
        )
    return fresh


def _ensure_triager(actor: User | None) -> None:
    if actor is not None and not can_write(actor):
        raise SqmsError(_("Only the quality team may decide on suggestions."))


@transaction.atomic
def suggestion_accept(
    *,
    actor: User,
    suggestion: Suggestion,
    owner: User | None = None,
    priority: str = Priority.MEDIUM,
) -> Initiative:
    """Accept: the idea becomes an initiative in the register; the submitter is told."""
    from django.utils.translation import gettext_lazy

    _ensure_triager(actor)
    suggestion = _ensure_submitted(suggestion)
    initiative = initiative_create(
        actor=actor,
        title=suggestion.title,
        owner=owner or actor,
        description=suggestion.body,
        priority=priority,
        service=suggestion.service,
        site=suggestion.site,
    )
    record_update(
        actor=actor,
        obj=suggestion,
        fields={
            "status": SuggestionStatus.ACCEPTED,
            "initiative": initiative,
            "triaged_by": actor,
            "triaged_at": timezone.now(),
        },
    )
    _notify(
        suggestion.submitter,
        gettext_lazy("Your suggestion %(number)s was accepted."),
        gettext_lazy("“%(title)s” became the improvement initiative %(initiative)s."),
        _suggestion_url(suggestion),
        number=suggestion.number,
        title=suggestion.title,
        initiative=initiative.number,
    )
    return initiative


@transaction.atomic
def suggestion_merge(*, actor: User, suggestion: Suggestion, into: Suggestion) -> Suggestion:
    """Merge a duplicate into another suggestion; its voters' votes are carried over."""
    from django.utils.translation import gettext_lazy

    _ensure_triager(actor)
    suggestion = _ensure_submitted(suggestion)
    if into.pk == suggestion.pk:
        raise SqmsError(_("A suggestion cannot be merged into itself."))
    if into.status in (SuggestionStatus.MERGED, SuggestionStatus.DECLINED):
        raise SqmsError(_("Choose a suggestion that is still open or accepted."))
    record_update(
        actor=actor,
        obj=suggestion,
        fields={
            "status": SuggestionStatus.MERGED,
            "merged_into": into,
            "triaged_by": actor,
            "triaged_at": timezone.now(),
        },
    )
    voters = set(SuggestionVote.objects.filter(suggestion=into).values_list("user_id", flat=True))
    for vote in SuggestionVote.objects.filter(suggestion=suggestion).select_related("user"):
        if vote.user_id not in voters and vote.user_id != into.submitter_id:
            record_create(
                actor=actor,
                obj=SuggestionVote(suggestion=into, user=vote.user, created_at=vote.created_at),
            )
    _notify(
        suggestion.submitter,
        gettext_lazy("Your suggestion %(number)s was merged."),
        gettext_lazy("“%(title)s” is followed up together with %(into)s."),
        _suggestion_url(into),
        number=suggestion.number,
        title=suggestion.title,
        into=into.number,
    )
    return suggestion


@transaction.atomic
def suggestion_decline(*, actor: User, suggestion: Suggestion, reason: str) -> Suggestion:
    from django.utils.translation import gettext_lazy

    _ensure_triager(actor)
    reason = reason.strip()
    if not reason:
        raise ReasonRequired(_("Please give a reason."))
    suggestion = _ensure_submitted(suggestion)
    record_update(
        actor=actor,
        obj=suggestion,
        fields={
            "status": SuggestionStatus.DECLINED,
            "decline_reason": reason,
            "triaged_by": actor,
            "triaged_at": timezone.now(),
        },
        reason=reason,
    )
    _notify(
        suggestion.submitter,
        gettext_lazy("Your suggestion %(number)s was declined."),
        gettext_lazy("The reason: %(reason)s"),
        _suggestion_url(suggestion),
        number=suggestion.number,
        reason=reason,
    )
    return suggestion


# --- lessons learned --------------------------------------------------------------------------

_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """For language-agnostic matching: NFKC, case-folded, without white space (Korean is often
    written with or without the spaces between words)."""
    import unicodedata

    return _SPACE.sub("", unicodedata.normalize("NFKC", text or "").casefold())


def lesson_search_text(lesson: Lesson) -> str:
    return normalise(
        " ".join([lesson.title, lesson.what_happened, lesson.what_we_learned, lesson.tags])
    )


@transaction.atomic
def lesson_publish(
    *,
    actor: User | None,
    title: str,
    what_happened: str,
    what_we_learned: str,
    tags: str = "",
    nonconformance: Nonconformance | None = None,
    initiative: Initiative | None = None,
) -> Lesson:
    """Publish what a closed nonconformance or a completed initiative taught."""
    if (nonconformance is None) == (initiative is None):
        raise SqmsError(_("A lesson comes from one closed nonconformance or one initiative."))
    if nonconformance is not None and nonconformance.status != NcStatus.CLOSED:
        raise SqmsError(_("Only a closed nonconformance can publish a lesson."))
    if initiative is not None and initiative.stage != Stage.COMPLETED:
        raise SqmsError(_("Only a completed initiative can publish a lesson."))
    tags = ", ".join(t.strip() for t in tags.split(",") if t.strip())
    lesson = Lesson(
        title=title.strip(),
        what_happened=what_happened.strip(),
        what_we_learned=what_we_learned.strip(),
        tags=tags[:300],
        nonconformance=nonconformance,
        initiative=initiative,
        published_by=actor,
    )
    if nonconformance is not None:
        nc = Nonconformance.objects.select_related("standard_version", "root_cause").get(
            pk=nonconformance.pk
        )
        lesson.service_id = nc.service_id
        lesson.site_id = nc.site_id
        if nc.standard_version is not None:
            lesson.standard_id = nc.standard_version.standard_id
        if nc.root_cause is not None:
            lesson.cause_category_id = nc.root_cause.category_id
    if initiative is not None:
        lesson.service_id = initiative.service_id
        lesson.site_id = initiative.site_id
        lesson.standard_id = initiative.standard_id
    lesson.search_text = lesson_search_text(lesson)
    return record_create(actor=actor, obj=lesson)
