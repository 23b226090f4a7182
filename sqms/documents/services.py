"""Writes of document control: each one validated, atomic where it may be, and audit-logged."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable

from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.core.access import role_of
from sqms.core.audit import PendingEntry, audit_record_many, diff, snapshot
from sqms.core.exceptions import InvalidTransition, SqmsError
from sqms.core.models import AuditAction, User
from sqms.core.records import record_create, record_update
from sqms.core.signing import SIGN_FAILURE_LIMIT, SIGN_WINDOW, AttemptOutcome
from sqms.documents import rules
from sqms.documents.content import check_upload, content_hash
from sqms.documents.models import (
    AckCampaign,
    Acknowledgement,
    Document,
    Meaning,
    Revision,
    RevisionFile,
    RevisionStatus,
    Signature,
    SignatureAttempt,
    StatusChange,
)
from sqms.org.models import Employee, JobRole, Site, Team

ACK_REMINDER_DAYS = 3


class WrongPassword(SqmsError):
    """The password typed to sign did not match."""


class SigningThrottled(SqmsError):
    """Too many wrong passwords in a short time."""


def add_months(day: dt.date, months: int) -> dt.date:
    year, month0 = divmod(day.month - 1 + months, 12)
    year += day.year
    return day.replace(
        year=year, month=month0 + 1, day=min(day.day, calendar.monthrange(year, month0 + 1)[1])
    )


def revision_current_hash(revision: Revision) -> str:
    """The hash of the revision's content as it is now in the database."""
    shas = RevisionFile.objects.filter(revision=revision).values_list("sha256", flat=True)
    return content_hash(revision.body, list(shas))


# --- documents --------------------------------------------------------------------------------


@transaction.atomic
def document_create(
    *,
    actor: User | None,
    number: str,
    title_ko: str,
    doc_type: str,
    owner: User,
    title_en: str = "",
    review_interval_months: int = 12,
    body: str = "",
) -> Document:
    """A new controlled document with its first revision, a draft."""
    document = record_create(
        actor=actor,
        obj=Document(
            number=number,
            title_ko=title_ko,
            title_en=title_en,
            doc_type=doc_type,
            owner=owner,
            review_interval_months=review_interval_months,
        ),
    )
    _revision_new(actor=actor, document=document, number=1, body=body, summary="")
    return document


def document_update(
    *, actor: User | None, document: Document, fields: dict[str, object]
) -> Document:
    allowed = {"number", "title_ko", "title_en", "doc_type", "owner", "review_interval_months"}
    unknown = set(fields) - allowed
    if unknown:
        raise SqmsError(_("These fields cannot be changed here: %s") % ", ".join(sorted(unknown)))
    return record_update(actor=actor, obj=document, fields=fields)


def document_review_done(*, actor: User | None, document: Document) -> Document:
    """The owner has reviewed the document: the next review is one interval from today."""
    today = timezone.localdate()
    return record_update(
        actor=actor,
        obj=document,
        fields={"next_review_on": add_months(today, document.review_interval_months)},
        reason=_("Periodic review done."),
    )


# --- revisions --------------------------------------------------------------------------------


def _revision_new(
    *, actor: User | None, document: Document, number: int, body: str, summary: str
) -> Revision:
    author = actor or document.owner
    revision = Revision(
        document=document,
        number=number,
        body=body,
        change_summary=summary,
        created_by=author,
        content_hash=content_hash(body, []),
    )
    return record_create(actor=actor, obj=revision)


def _open_revision(document: Document) -> Revision | None:
    open_statuses = [RevisionStatus.DRAFT, RevisionStatus.IN_REVIEW, RevisionStatus.APPROVED]
    return document.revisions.filter(status__in=open_statuses).order_by("-number").first()


@transaction.atomic
def revision_start(*, actor: User, document: Document, change_summary: str = "") -> Revision:
    """A new draft, copied from the latest revision (its body and its files)."""
    document = Document.objects.select_for_update().get(pk=document.pk)
    if document.is_archived:
        raise SqmsError(_("This document is archived."))
    pending = _open_revision(document)
    if pending is not None:
        raise SqmsError(
            _("Revision %(n)s is still in progress; finish or withdraw it first.")
            % {"n": pending.number}
        )
    latest = document.revisions.order_by("-number").first()
    number = latest.number + 1 if latest else 1
    revision = _revision_new(
        actor=actor,
        document=document,
        number=number,
        body=latest.body if latest else "",
        summary=change_summary,
    )
    if latest is not None:
        for old in latest.files.all():
            copy = RevisionFile(
                revision=revision,
                file=old.file.name,
                original_name=old.original_name,
                size=old.size,
                sha256=old.sha256,
                mime=old.mime,
            )
            record_create(actor=actor, obj=copy)
        _refresh_hash(actor, revision)
    return revision


def _ensure_editable(revision: Revision) -> None:
    if revision.status != RevisionStatus.DRAFT:
        raise SqmsError(
            _(
                "Revision %(n)s is %(status)s and can no longer be changed. "
                "Start a new revision to change the document."
            )
            % {"n": revision.number, "status": revision.get_status_display()}
        )


def _refresh_hash(actor: User | None, revision: Revision) -> Revision:
    return record_update(
        actor=actor, obj=revision, fields={"content_hash": revision_current_hash(revision)}
    )


@transaction.atomic
def revision_update(
    *, actor: User, revision: Revision, body: str, change_summary: str = ""
) -> Revision:
    revision = Revision.objects.select_for_update().get(pk=revision.pk)
    _ensure_editable(revision)
    shas = list(revision.files.values_list("sha256", flat=True))
    return record_update(
        actor=actor,
        obj=revision,
        fields={
            "body": body,
            "change_summary": change_summary,
            "content_hash": content_hash(body, shas),
        },
    )


@transaction.atomic
def revision_file_add(
    *, actor: User, revision: Revision, upload: UploadedFile[bytes]
) -> RevisionFile:
    _ensure_editable(revision)
    checked = check_upload(upload)
    attached = RevisionFile(
        revision=revision,
        original_name=(upload.name or "")[:255],
        size=checked.size,
        sha256=checked.sha256,
        mime=checked.mime,
    )
    # Content-addressed: the same bytes are stored once and a stored file is never overwritten.
    name = f"documents/{checked.sha256}.{checked.extension}"
    storage = attached.file.storage
    if not storage.exists(name):
        name = storage.save(name, upload)
    attached.file.name = name
    record_create(actor=actor, obj=attached)
    _refresh_hash(actor, revision)
    return attached


@transaction.atomic
def revision_file_remove(*, actor: User, attached: RevisionFile) -> Revision:
    revision = attached.revision
    _ensure_editable(revision)
    before = snapshot(attached)
    audit_record_many(
        actor=actor,
        entries=[PendingEntry(action=AuditAction.DELETE, obj=attached, changes=diff(before, {}))],
    )
    attached.delete()  # the stored file stays: earlier revisions may share it
    return _refresh_hash(actor, revision)


def _valid_approval(revision: Revision) -> bool:
    current = revision_current_hash(revision)
    return revision.signatures.filter(meaning=Meaning.APPROVED, content_hash=current).exists()


@transaction.atomic
def revision_transition(
    *, actor: User | None, revision: Revision, to: str, reason: str = ""
) -> Revision:
    """Move a revision along the transition table; record the change; audit-log it."""
    revision = Revision.objects.select_for_update().select_related("document").get(pk=revision.pk)
    current = revision.status
    if not rules.allowed(current, to):
        raise InvalidTransition(
            _("A revision that is %(from)s cannot become %(to)s.")
            % {
                "from": RevisionStatus(current).label,
                "to": RevisionStatus(to).label if to in RevisionStatus.values else to,
            }
        )
    if to in (RevisionStatus.APPROVED, RevisionStatus.PUBLISHED) and not _valid_approval(revision):
        raise InvalidTransition(
            _("The revision needs a valid approval signature on its current content.")
        )
    now = timezone.now()
    fields: dict[str, object] = {"status": to}
    if to == RevisionStatus.PUBLISHED:
        previous = Revision.objects.filter(
            document=revision.document_id, status=RevisionStatus.PUBLISHED
        ).exclude(pk=revision.pk)
        for old in previous:
            revision_transition(
                actor=actor,
                revision=old,
                to=RevisionStatus.SUPERSEDED,
                reason=_("Superseded by revision %(n)s.") % {"n": revision.number},
            )
        fields["published_at"] = now
        record_update(
            actor=actor,
            obj=revision.document,
            fields={
                "next_review_on": add_months(
                    timezone.localdate(), revision.document.review_interval_months
                ),
                "review_reminded_on": None,
            },
            reason=reason,
        )
    record_update(actor=actor, obj=revision, fields=fields, reason=reason)
    record_create(
        actor=actor,
        obj=StatusChange(
            revision=revision,
            from_status=current,
            to_status=to,
            actor=actor,
            reason=reason,
            changed_at=now,
        ),
    )
    return revision


# --- e-signatures -----------------------------------------------------------------------------


def _attempt(actor: User, revision: Revision, meaning: str, outcome: str) -> None:
    record_create(
        actor=actor,
        obj=SignatureAttempt(
            revision=revision,
            user=actor,
            meaning=meaning,
            outcome=outcome,
            attempted_at=timezone.now(),
        ),
    )


def recent_sign_failures(user: User) -> int:
    since = timezone.now() - SIGN_WINDOW
    return SignatureAttempt.objects.filter(
        user=user, outcome=AttemptOutcome.WRONG_PASSWORD, attempted_at__gte=since
    ).count()


def revision_sign(
    *,
    actor: User,
    revision: Revision,
    password: str,
    meaning: str,
    printed_name: str,
) -> Signature:
    """An electronic signature bound to the hash of the revision's exact content.

    Not one transaction on purpose: a rejected attempt stays recorded when the error is raised.
    """
    if meaning not in Meaning.values:
        raise SqmsError(_("Choose what the signature means."))
    revision = Revision.objects.select_related("document").get(pk=revision.pk)
    if revision.status != RevisionStatus.IN_REVIEW:
        raise InvalidTransition(_("Only a revision in review can be signed."))
    rule = rules.rule_for(revision.document.doc_type)
    if not rule.may_sign(role_of(actor) or "", meaning):
        raise SqmsError(
            _("Your role may not sign this %(type)s as “%(meaning)s”.")
            % {
                "type": revision.document.get_doc_type_display(),
                "meaning": Meaning(meaning).label,
            }
        )
    if (
        meaning == Meaning.APPROVED
        and revision.created_by_id == actor.pk
        and not rule.allow_self_approval
    ):
        raise SqmsError(
            _("A %(type)s may not be approved by its own author; ask another approver.")
            % {"type": revision.document.get_doc_type_display()}
        )
    printed_name = printed_name.strip()
    if not printed_name:
        raise SqmsError(_("Type your name as it should be printed with the signature."))
    if recent_sign_failures(actor) >= SIGN_FAILURE_LIMIT:
        _attempt(actor, revision, meaning, AttemptOutcome.THROTTLED)
        raise SigningThrottled(
            _("Too many wrong passwords. Please wait 15 minutes before you sign again.")
        )
    if not actor.check_password(password):
        _attempt(actor, revision, meaning, AttemptOutcome.WRONG_PASSWORD)
        raise WrongPassword(_("The password is not correct; the revision was not signed."))
    with transaction.atomic():
        _attempt(actor, revision, meaning, AttemptOutcome.SIGNED)
        signature = record_create(
            actor=actor,
            obj=Signature(
                revision=revision,
                signer=actor,
                printed_name=printed_name[:150],
                meaning=meaning,
                signed_at=timezone.now(),
                content_hash=revision_current_hash(revision),
            ),
        )
        if meaning == Meaning.APPROVED:
            revision_transition(
                actor=actor, revision=revision, to=RevisionStatus.APPROVED, reason=printed_name
            )
    return signature


# --- publishing and acknowledgements ------------------------------------------------------------


def campaign_targets(
    *, sites: Iterable[Site], teams: Iterable[Team], job_roles: Iterable[JobRole]
) -> list[Employee]:
    """Active employees with a login in any of the chosen sites, teams or job roles."""
    wanted = Q(site__in=list(sites)) | Q(team__in=list(teams)) | Q(job_role__in=list(job_roles))
    return list(
        Employee.objects.filter(wanted, archived_at__isnull=True, user__is_active=True)
        .select_related("user")
        .distinct()
        .order_by("pk")
    )


@transaction.atomic
def ack_campaign_create(
    *,
    actor: User | None,
    revision: Revision,
    deadline: dt.date,
    sites: Iterable[Site] = (),
    teams: Iterable[Team] = (),
    job_roles: Iterable[JobRole] = (),
) -> AckCampaign:
    if revision.status != RevisionStatus.PUBLISHED:
        raise SqmsError(_("Only a published revision can be sent for acknowledgement."))
    sites, teams, job_roles = list(sites), list(teams), list(job_roles)
    if not (sites or teams or job_roles):
        raise SqmsError(_("Choose at least one site, team or job role."))
    if deadline < timezone.localdate():
        raise SqmsError(_("The deadline is in the past."))
    campaign = record_create(
        actor=actor,
        obj=AckCampaign(revision=revision, deadline=deadline, created_by=actor),
        m2m={"sites": sites, "teams": teams, "job_roles": job_roles},
    )
    rows = Acknowledgement.objects.bulk_create(
        Acknowledgement(campaign=campaign, employee=e, user=e.user)
        for e in campaign_targets(sites=sites, teams=teams, job_roles=job_roles)
        if e.user is not None
    )
    audit_record_many(
        actor=actor,
        entries=[
            PendingEntry(action=AuditAction.CREATE, obj=r, changes=diff({}, snapshot(r)))
            for r in rows
        ],
    )
    return campaign


@transaction.atomic
def revision_publish(
    *,
    actor: User,
    revision: Revision,
    deadline: dt.date | None = None,
    sites: Iterable[Site] = (),
    teams: Iterable[Team] = (),
    job_roles: Iterable[JobRole] = (),
) -> AckCampaign | None:
    """Publish an approved revision; with a deadline, ask the chosen people to acknowledge it."""
    sites, teams, job_roles = list(sites), list(teams), list(job_roles)
    if deadline is None and (sites or teams or job_roles):
        raise SqmsError(_("Give a deadline for the acknowledgement."))
    revision = revision_transition(actor=actor, revision=revision, to=RevisionStatus.PUBLISHED)
    if deadline is None:
        return None
    return ack_campaign_create(
        actor=actor,
        revision=revision,
        deadline=deadline,
        sites=sites,
        teams=teams,
        job_roles=job_roles,
    )


def acknowledgement_confirm(*, actor: User, acknowledgement: Acknowledgement) -> Acknowledgement:
    if acknowledgement.user_id != actor.pk:
        raise SqmsError(_("Only the person asked can confirm this acknowledgement."))
    if acknowledgement.acknowledged_at is not None:
        return acknowledgement
    return record_update(
        actor=actor, obj=acknowledgement, fields={"acknowledged_at": timezone.now()}
    )


# --- reminders (run daily by tasks.py) ----------------------------------------------------------


def acknowledgement_reminders_send(*, today: dt.date, days_before: int = ACK_REMINDER_DAYS) -> int:
    """Remind everyone whose deadline is near or past and who has not confirmed; once a day."""
    due = (
        Acknowledgement.objects.filter(
            acknowledged_at__isnull=True,
            campaign__revision__status=RevisionStatus.PUBLISHED,
            campaign__deadline__lte=today + dt.timedelta(days=days_before),
            user__is_active=True,
        )
        .exclude(reminded_on=today)
        .select_related("user", "campaign__revision__document")
    )
    sent = 0
    for ack in due:
        document = ack.campaign.revision.document
        if ack.user.email:
            send_mail(
                _("Please read %(document)s") % {"document": document},
                _(
                    "Please read revision %(n)s of %(document)s and confirm that you have "
                    "read and understood it by %(deadline)s."
                )
                % {
                    "n": ack.campaign.revision.number,
                    "document": document,
                    "deadline": ack.campaign.deadline.isoformat(),
                },
                None,
                [ack.user.email],
            )
            sent += 1
        record_update(actor=None, obj=ack, fields={"reminded_on": today})
    return sent


def review_reminders_send(*, today: dt.date) -> int:
    """Tell document owners that a periodic review is due; once a day per document."""
    due = (
        Document.objects.filter(archived_at__isnull=True, next_review_on__lte=today)
        .exclude(review_reminded_on=today)
        .select_related("owner")
    )
    sent = 0
    for document in due:
        if document.owner.email:
            send_mail(
                _("Review due: %(document)s") % {"document": document},
                _("%(document)s is due for its periodic review (since %(date)s).")
                % {"document": document, "date": (document.next_review_on or today).isoformat()},
                None,
                [document.owner.email],
            )
            sent += 1
        record_update(actor=None, obj=document, fields={"review_reminded_on": today})
    return sent
