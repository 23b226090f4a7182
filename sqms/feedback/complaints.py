"""Writes of complaint handling (ISO 10002): intake, workflow, clocks, escalation, satisfaction.

Every write is audited. The reply to the complainant and the internal notes are kept apart:
only `Complaint.reply` is ever shown to the complainant.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sqms.core.exceptions import InvalidTransition, ReasonRequired, SqmsError
from sqms.core.models import User
from sqms.core.records import record_create, record_update
from sqms.core.roles import Role
from sqms.core.services import notification_send
from sqms.feedback import complaint_rules as rules
from sqms.feedback.complaints_time import due_after, spec_for_site
from sqms.feedback.models import (
    Complaint,
    ComplaintCategory,
    ComplaintIntake,
    ComplaintNote,
    ComplaintSeverity,
    ComplaintStatus,
    ComplaintStatusChange,
)
from sqms.feedback.services import ip_hash

MAX_DESCRIPTION = 10_000
MAX_PUBLIC_DESCRIPTION = 5_000
RETENTION_DAYS = 3 * 365  # contact details of complainants, then anonymised

EDITABLE = (
    "subject",
    "description",
    "category",
    "severity",
    "service",
    "site",
    "team",
    "channel",
    "agent",
    "assignee",
)


class ComplaintInvalid(SqmsError):
    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__(_("Some fields need attention."))


def _next_reference(now: dt.datetime) -> str:
    prefix = f"C{now.year}-"
    last = (
        Complaint.objects.filter(reference__startswith=prefix)
        .order_by("-reference")
        .values_list("reference", flat=True)
        .first()
    )
    n = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{n:05d}"


def _set_due_times(complaint: Complaint, *, restart_resolution: dt.datetime | None = None) -> None:
    spec = spec_for_site(complaint.site_id)
    ack, resolve = rules.targets(complaint.severity)
    complaint.ack_due_at = due_after(complaint.received_at, ack, spec)
    complaint.resolve_due_at = due_after(restart_resolution or complaint.received_at, resolve, spec)


def contact_clean(
    *, name: str, phone: str, email: str, consent: bool, errors: dict[str, str]
) -> dict[str, str]:
    """Checked contact details; they are kept only with consent (PIPA)."""
    contact = {
        "complainant_name": name.strip(),
        "complainant_phone": phone.strip(),
        "complainant_email": email.strip(),
    }
    limits = {"complainant_name": 100, "complainant_phone": 40, "complainant_email": 100}
    for key, value in contact.items():
        if len(value) > limits[key]:
            errors[key] = _("Please keep this under %(n)d characters.") % {"n": limits[key]}
    if contact["complainant_email"] and "complainant_email" not in errors:
        try:
            validate_email(contact["complainant_email"])
        except ValidationError:
            errors["complainant_email"] = _("Enter a valid e-mail address.")
    if any(contact.values()) and not consent:
        errors["consent"] = _(
            "Contact details are kept only with the complainant's consent. Tick the box or "
            "leave them empty."
        )
    return contact


@transaction.atomic
def complaint_receive(
    *,
    actor: User | None,
    intake: str,
    subject: str,
    description: str,
    severity: str = ComplaintSeverity.MEDIUM,
    category: ComplaintCategory | None = None,
    service: Any = None,
    site: Any = None,
    team: Any = None,
    channel: str = "",
    agent: Any = None,
    assignee: User | None = None,
    language: str = "ko",
    complainant_name: str = "",
    complainant_phone: str = "",
    complainant_email: str = "",
    consent: bool = False,
    ip: str = "",
    received_at: dt.datetime | None = None,
) -> Complaint:
    """Record a new complaint and start its clocks. Raises ComplaintInvalid naming the fields."""
    now = timezone.now()
    received_at = received_at or now
    errors: dict[str, str] = {}
    subject, description = subject.strip(), description.strip()
    if not subject:
        errors["subject"] = _("Please give a subject.")
    elif len(subject) > 200:
        errors["subject"] = _("Please keep this under %(n)d characters.") % {"n": 200}
    if not description:
        errors["description"] = _("Please describe the complaint.")
    elif len(description) > MAX_DESCRIPTION:
        errors["description"] = _("Please keep this under %(n)d characters.") % {
            "n": MAX_DESCRIPTION
        }
    if severity not in ComplaintSeverity.values:
        errors["severity"] = _("Choose a severity from the list.")
    if category is not None and category.is_archived:
        errors["category"] = _("This category is no longer used.")
    contact = contact_clean(
        name=complainant_name,
        phone=complainant_phone,
        email=complainant_email,
        consent=consent,
        errors=errors,
    )
    if errors:
        raise ComplaintInvalid(errors)
    if site is None and team is not None:
        site = team.site
    if site is None and agent is not None:
        site = agent.site
    complaint = Complaint(
        intake=ComplaintIntake(intake),
        subject=subject,
        description=description,
        severity=severity,
        category=category,
        service=service,
        site=site,
        team=team,
        channel=channel,
        agent=agent,
        assignee=assignee,
        language=language if language in ("ko", "en") else "ko",
        received_at=received_at,
        ip_hash=ip_hash(ip),
    )
    if any(contact.values()):
        for key, value in contact.items():
            setattr(complaint, key, value)
        complaint.consent_at = min(received_at, now)  # given with the complaint
        complaint.retention_until = complaint.consent_at + dt.timedelta(days=RETENTION_DAYS)
    _set_due_times(complaint)
    for _attempt in range(5):
        complaint.reference = _next_reference(received_at)
        try:
            with transaction.atomic():
                record_create(actor=actor, obj=complaint)
        except (IntegrityError, ValidationError) as exc:
            if isinstance(exc, ValidationError) and "reference" not in getattr(
                exc, "error_dict", {}
            ):
                raise
            complaint.pk = None
            continue
        break
    else:  # pragma: no cover - five collisions in a row
        raise SqmsError(_("Please try again."))
    record_create(
        actor=actor,
        obj=ComplaintStatusChange(
            complaint=complaint,
            from_status=ComplaintStatus.RECEIVED,
            to_status=ComplaintStatus.RECEIVED,
            actor=actor,
            reason=str(ComplaintIntake(intake).label),
            changed_at=received_at,
        ),
    )
    if assignee is not None and assignee != actor:
        _notify(
            [assignee],
            complaint,
            lambda c: _("Complaint %(ref)s was assigned to you.") % {"ref": c.reference},
        )
    return complaint


@transaction.atomic
def complaint_update(
    *, actor: User | None, complaint: Complaint, fields: dict[str, Any]
) -> Complaint:
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise SqmsError(_("Unknown field: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    if not complaint.is_open:
        raise SqmsError(_("A closed or withdrawn complaint cannot be changed; reopen it first."))
    before_assignee = complaint.assignee_id
    new_fields = dict(fields)
    if any(k in fields and fields[k] != getattr(complaint, k) for k in ("severity", "site")):
        severity = fields.get("severity", complaint.severity)
        site = fields.get("site", complaint.site)
        spec = spec_for_site(site.pk if site is not None else None)
        ack, resolve = rules.targets(severity)
        restart = (
            complaint.changes.filter(to_status=ComplaintStatus.REOPENED)
            .order_by("-changed_at")
            .values_list("changed_at", flat=True)
            .first()
        )
        new_fields["ack_due_at"] = due_after(complaint.received_at, ack, spec)
        new_fields["resolve_due_at"] = due_after(restart or complaint.received_at, resolve, spec)
    record_update(actor=actor, obj=complaint, fields=new_fields)
    if complaint.assignee_id and complaint.assignee_id != before_assignee:
        assert complaint.assignee is not None
        if complaint.assignee != actor:
            _notify(
                [complaint.assignee],
                complaint,
                lambda c: _("Complaint %(ref)s was assigned to you.") % {"ref": c.reference},
            )
    return complaint


@transaction.atomic
def complaint_transition(
    *,
    actor: User | None,
    complaint: Complaint,
    to: str,
    reason: str = "",
    now: dt.datetime | None = None,
) -> Complaint:
    """Move a complaint along the transition table; record the change; audit-log it."""
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    current = complaint.status
    if not rules.allowed(current, to):
        raise InvalidTransition(
            _("A complaint that is %(from)s cannot become %(to)s.")
            % {
                "from": ComplaintStatus(current).label,
                "to": ComplaintStatus(to).label if to in ComplaintStatus.values else to,
            }
        )
    reason = reason.strip()[:2000]
    if to in rules.NEEDS_REASON and not reason:
        raise ReasonRequired(_("Please give a reason."))
    if to == ComplaintStatus.RESPONDED and not complaint.reply.strip():
        raise InvalidTransition(_("Write the reply to the complainant first."))
    now = now or timezone.now()
    fields: dict[str, Any] = {"status": to}
    if to == ComplaintStatus.ACKNOWLEDGED and complaint.acknowledged_at is None:
        fields["acknowledged_at"] = now
    elif to == ComplaintStatus.RESPONDED:
        fields["responded_at"] = now
        if complaint.acknowledged_at is None:
            fields["acknowledged_at"] = now
        if not complaint.satisfaction_token:
            fields["satisfaction_token"] = secrets.token_urlsafe(24)
    elif to == ComplaintStatus.CLOSED:
        fields["closed_at"] = now
    elif to == ComplaintStatus.REOPENED:
        _ack, resolve = rules.targets(complaint.severity)
        spec = spec_for_site(complaint.site_id)
        fields |= {
            "responded_at": None,
            "closed_at": None,
            "resolve_due_at": due_after(now, resolve, spec),
            "resolve_escalated_at": None,
            "reopen_count": complaint.reopen_count + 1,
        }
    elif to == ComplaintStatus.WITHDRAWN:
        fields["closed_at"] = now
    record_update(actor=actor, obj=complaint, fields=fields, reason=reason)
    record_create(
        actor=actor,
        obj=ComplaintStatusChange(
            complaint=complaint,
            from_status=current,
            to_status=to,
            actor=actor,
            reason=reason,
            changed_at=now,
        ),
    )
    return complaint


@transaction.atomic
def complaint_reply_set(*, actor: User | None, complaint: Complaint, reply: str) -> Complaint:
    """The reply the complainant sees; fixed once the complaint is responded to."""
    reply = reply.strip()
    if not reply:
        raise ValidationError({"reply": _("Please write the reply.")})
    if len(reply) > MAX_DESCRIPTION:
        raise ValidationError(
            {"reply": _("Please keep this under %(n)d characters.") % {"n": MAX_DESCRIPTION}}
        )
    if complaint.status in (
        ComplaintStatus.RESPONDED,
        ComplaintStatus.CLOSED,
        ComplaintStatus.WITHDRAWN,
    ):
        raise SqmsError(_("The reply was already sent; reopen the complaint to change it."))
    return record_update(actor=actor, obj=complaint, fields={"reply": reply})


def complaint_note_add(
    *, actor: User | None, complaint: Complaint, text: str, now: dt.datetime | None = None
) -> ComplaintNote:
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Please write the note.")})
    if len(text) > MAX_DESCRIPTION:
        raise ValidationError(
            {"text": _("Please keep this under %(n)d characters.") % {"n": MAX_DESCRIPTION}}
        )
    return record_create(
        actor=actor,
        obj=ComplaintNote(
            complaint=complaint, author=actor, text=text, created_at=now or timezone.now()
        ),
    )


@transaction.atomic
def complaint_satisfaction_record(
    *,
    actor: User | None,
    complaint: Complaint,
    score: int,
    via_link: bool = False,
    now: dt.datetime | None = None,
) -> Complaint:
    """The complainant's satisfaction with the handling (1–5), once there is a response.

    Through the tokenised link the complainant answers once; staff may correct it.
    """
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if complaint.status not in (ComplaintStatus.RESPONDED, ComplaintStatus.CLOSED):
        raise SqmsError(_("Satisfaction is asked after the complainant has the reply."))
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise ValidationError({"satisfaction": _("Choose a score between 1 and 5.")})
    if via_link and complaint.satisfaction is not None:
        raise SqmsError(_("Thank you: your rating was already recorded."))
    return record_update(
        actor=actor,
        obj=complaint,
        fields={"satisfaction": score, "satisfaction_at": now or timezone.now()},
        reason=_("Rated through the satisfaction link.") if via_link else "",
    )


# --- categories -------------------------------------------------------------------------------


def category_create(
    *, actor: User | None, code: str, name_ko: str, name_en: str = ""
) -> ComplaintCategory:
    return record_create(
        actor=actor,
        obj=ComplaintCategory(code=code.strip(), name_ko=name_ko.strip(), name_en=name_en.strip()),
    )


def category_archive(*, actor: User | None, category: ComplaintCategory) -> ComplaintCategory:
    if category.archived_at is not None:
        return category
    return record_update(
        actor=actor,
        obj=category,
        fields={"archived_at": timezone.now()},
        reason=_("Category archived."),
    )


# --- escalation and anonymisation (run by complaints_tasks) -----------------------------------


def quality_managers() -> list[User]:
    return list(User.objects.filter(role=Role.QUALITY_MANAGER, is_active=True))


def _notify(recipients: Iterable[User], complaint: Complaint, title: Any) -> int:
    url = reverse("feedback:complaint_detail", kwargs={"pk": complaint.pk})
    sent = 0
    for user in {u.pk: u for u in recipients if u is not None and u.is_active}.values():
        with translation.override(getattr(user, "language", "") or "ko"):
            sent += notification_send(
                recipients=[user], title=str(title(complaint)), body=complaint.subject, url=url
            )
    return sent


def complaints_escalate(*, now: dt.datetime | None = None) -> int:
    """Mark complaints whose clock ran out as escalated; tell the assignee and the quality
    managers. Each clock escalates once (a reopened complaint's new clock may again)."""
    now = now or timezone.now()
    managers = quality_managers()
    count = 0
    ack_due = Complaint.objects.filter(
        ack_due_at__lt=now, acknowledged_at__isnull=True, ack_escalated_at__isnull=True
    ).exclude(status__in=[ComplaintStatus.WITHDRAWN, ComplaintStatus.CLOSED])
    resolve_due = Complaint.objects.filter(
        resolve_due_at__lt=now, responded_at__isnull=True, resolve_escalated_at__isnull=True
    ).exclude(status__in=[ComplaintStatus.WITHDRAWN, ComplaintStatus.CLOSED])
    for field, qs, title in (
        (
            "ack_escalated_at",
            ack_due,
            lambda c: _("Complaint %(ref)s was not acknowledged in time.") % {"ref": c.reference},
        ),
        (
            "resolve_escalated_at",
            resolve_due,
            lambda c: _("Complaint %(ref)s was not resolved in time.") % {"ref": c.reference},
        ),
    ):
        for complaint in qs.select_related("assignee"):
            with transaction.atomic():
                record_update(
                    actor=None,
                    obj=complaint,
                    fields={field: now},
                    reason=_("Escalated: the time limit ran out."),
                )
                _notify([*managers, complaint.assignee], complaint, title)  # type: ignore[list-item]
            count += 1
    return count


@transaction.atomic
def complaints_anonymise(*, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    due = list(
        Complaint.objects.select_for_update().filter(
            retention_until__lte=now, anonymised_at__isnull=True
        )
    )
    for complaint in due:
        record_update(
            actor=None,
            obj=complaint,
            fields={
                "complainant_name": "",
                "complainant_phone": "",
                "complainant_email": "",
                "anonymised_at": now,
            },
            reason=_("The retention period ended."),
        )
    return len(due)


def overdue_q(now: dt.datetime) -> Q:
    open_ = ~Q(status__in=[ComplaintStatus.CLOSED, ComplaintStatus.WITHDRAWN])
    return open_ & (
        Q(ack_due_at__lt=now, acknowledged_at__isnull=True)
        | Q(resolve_due_at__lt=now, responded_at__isnull=True)
    )
