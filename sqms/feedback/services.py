"""Writes of the feedback app: surveys and their versions, distribution links, responses.

A survey that already has responses is never changed in place: the change is applied to a new
version (`survey_revise`), so that every stored answer keeps the question it answered.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.core.audit import PendingEntry, audit_record_many
from sqms.core.exceptions import SqmsError
from sqms.core.models import AuditAction, User
from sqms.core.records import record_create, record_update
from sqms.feedback import prepared
from sqms.feedback.models import (
    Answer,
    Distribution,
    DistributionKind,
    Question,
    QuestionKind,
    Response,
    ServqualMode,
    Survey,
    SurveyStatus,
)
from sqms.feedback.servqual import ITEMS as SERVQUAL_ITEMS
from sqms.org.models import Employee, Service, Site, Team

MAX_TEXT = 2000
MAX_CONTACT = 100
MAX_SINGLE_USE = 500
EFFECTS_DELAY = 1  # seconds between a deferred submit and the batch that writes its effects
EFFECTS_BATCH = 500

log = logging.getLogger(__name__)


class LinkUnavailable(SqmsError):
    """The link does not accept responses (expired, used, or its survey is not active)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class AnswersInvalid(SqmsError):
    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__(_("Some answers need attention."))


# --- surveys ----------------------------------------------------------------------------------


def survey_has_responses(survey: Survey) -> bool:
    return Response.objects.filter(survey=survey).exists()


def survey_create(*, actor: User | None, **fields: Any) -> Survey:
    return record_create(actor=actor, obj=Survey(**fields))


@transaction.atomic
def survey_revise(*, actor: User | None, survey: Survey) -> Survey:
    """Copy the survey and its questions into a new draft version."""
    if Survey.objects.filter(previous=survey).exists():
        raise SqmsError(_("This version has already been revised; change the latest version."))
    top = Survey.objects.filter(code=survey.code).aggregate(v=Max("version"))["v"] or 0
    copy = Survey(
        code=survey.code,
        version=top + 1,
        title_ko=survey.title_ko,
        title_en=survey.title_en,
        intro_ko=survey.intro_ko,
        intro_en=survey.intro_en,
        service=survey.service,
        status=SurveyStatus.DRAFT,
        previous=survey,
        collect_contact=survey.collect_contact,
        retention_days=survey.retention_days,
    )
    record_create(actor=actor, obj=copy)
    mapping: dict[int, Question] = {}
    old_questions = list(survey.questions.order_by("order", "pk"))
    for q in old_questions:
        new = Question(
            survey=copy,
            order=q.order,
            kind=q.kind,
            text_ko=q.text_ko,
            text_en=q.text_en,
            required=q.required,
            choices=q.choices,
            servqual_dimension=q.servqual_dimension,
            servqual_item=q.servqual_item,
            servqual_mode=q.servqual_mode,
            show_if_max=q.show_if_max,
        )
        new.save()
        mapping[q.pk] = new
    for q in old_questions:
        if q.show_if_id and q.show_if_id in mapping:
            new = mapping[q.pk]
            new.show_if = mapping[q.show_if_id]
            new.save(update_fields=["show_if"])
    audit_record_many(
        actor=actor,
        entries=[
            PendingEntry(action=AuditAction.CREATE, obj=q, changes={"copied_from": [None, pk]})
            for pk, q in mapping.items()
        ],
    )
    return copy


def _editable(actor: User | None, survey: Survey) -> Survey:
    if survey.status == SurveyStatus.CLOSED:
        raise SqmsError(_("A closed survey cannot be changed."))
    if survey_has_responses(survey):
        return survey_revise(actor=actor, survey=survey)
    return survey


@transaction.atomic
def survey_update(*, actor: User | None, survey: Survey, fields: Mapping[str, Any]) -> Survey:
    """Change a survey; with responses, the change makes a new version, which is returned."""
    target = _editable(actor, survey)
    fields = {k: v for k, v in fields.items() if k not in ("code", "version", "previous")}
    return record_update(actor=actor, obj=target, fields=fields)


_STATUS_EDGES = {
    SurveyStatus.DRAFT: {SurveyStatus.ACTIVE, SurveyStatus.CLOSED},
    SurveyStatus.ACTIVE: {SurveyStatus.CLOSED},
    SurveyStatus.CLOSED: {SurveyStatus.ACTIVE},
}


@transaction.atomic
def survey_set_status(*, actor: User | None, survey: Survey, status: str) -> Survey:
    from sqms.core.exceptions import InvalidTransition

    if status not in _STATUS_EDGES.get(SurveyStatus(survey.status), set()):
        raise InvalidTransition(_("This status change is not allowed."))
    if status == SurveyStatus.ACTIVE and not survey.questions.exists():
        raise SqmsError(_("Add at least one question first."))
    return record_update(actor=actor, obj=survey, fields={"status": status})


# --- questions --------------------------------------------------------------------------------


def _check_question(q: Question) -> None:
    if q.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE) and len(q.choice_labels("ko")) < 2:
        raise ValidationError({"choices": _("Give at least two choices.")})
    if q.show_if_id is not None:
        parent = q.show_if
        if parent is None or parent.survey_id != q.survey_id or parent.scale is None:
            raise ValidationError(
                {"show_if": _("A follow-up must depend on a scored question of this survey.")}
            )
        if parent.pk == q.pk or parent.order >= q.order:
            raise ValidationError({"show_if": _("A follow-up must come after its question.")})
        if q.show_if_max is None:
            raise ValidationError({"show_if_max": _("Give the score that shows the follow-up.")})


def _next_order(survey: Survey) -> int:
    top = survey.questions.aggregate(o=Max("order"))["o"]
    return 1 if top is None else top + 1


@transaction.atomic
def question_add(*, actor: User | None, survey: Survey, fields: Mapping[str, Any]) -> Question:
    target = _editable(actor, survey)
    data = dict(fields)
    parent = data.pop("show_if", None)
    q = Question(survey=target, order=_next_order(target), **data)
    if parent is not None:
        q.show_if = target.questions.filter(order=parent.order).first() or parent
    _check_question(q)
    return record_create(actor=actor, obj=q)


def _counterpart(target: Survey, question: Question) -> Question:
    if target.pk == question.survey_id:
        return question
    found = target.questions.filter(order=question.order).first()
    if found is None:  # pragma: no cover - the copy keeps every order
        raise SqmsError(_("The question was not found in the new version."))
    return found


@transaction.atomic
def question_update(
    *, actor: User | None, question: Question, fields: Mapping[str, Any]
) -> Question:
    target = _editable(actor, question.survey)
    q = _counterpart(target, question)
    data = dict(fields)
    if data.get("show_if") is not None:
        data["show_if"] = _counterpart(target, data["show_if"])
    record_update(actor=actor, obj=q, fields=data)
    _check_question(q)  # raising rolls the update back
    return q


@transaction.atomic
def question_remove(*, actor: User | None, question: Question) -> Survey:
    target = _editable(actor, question.survey)
    q = _counterpart(target, question)
    target.questions.filter(show_if=q).update(show_if=None, show_if_max=None)
    audit_record_many(
        actor=actor,
        entries=[
            PendingEntry(action=AuditAction.DELETE, obj=q, changes={"text_ko": [q.text_ko, None]})
        ],
    )
    q.delete()
    return target


@transaction.atomic
def question_move(*, actor: User | None, question: Question, up: bool) -> Survey:
    target = _editable(actor, question.survey)
    q = _counterpart(target, question)
    siblings = list(target.questions.order_by("order", "pk"))
    i = next(i for i, s in enumerate(siblings) if s.pk == q.pk)
    j = i - 1 if up else i + 1
    if 0 <= j < len(siblings):
        other = siblings[j]
        if other.pk == q.show_if_id or other.show_if_id == q.pk:
            raise SqmsError(_("A follow-up must come after its question."))
        siblings[i], siblings[j] = siblings[j], siblings[i]
        for n, s in enumerate(siblings, start=1):
            if s.order != n:
                record_update(actor=actor, obj=s, fields={"order": n})
    return target


@transaction.atomic
def servqual_battery_add(*, actor: User | None, survey: Survey, mode: str) -> Survey:
    """Append the 22 standard SERVQUAL items."""
    target = _editable(actor, survey)
    if target.questions.filter(kind=QuestionKind.SERVQUAL).exists():
        raise SqmsError(_("This survey already has the SERVQUAL items."))
    mode = ServqualMode(mode)
    start = _next_order(target)
    rows = [
        Question(
            survey=target,
            order=start + n,
            kind=QuestionKind.SERVQUAL,
            text_ko=ko,
            text_en=en,
            required=False,
            servqual_dimension=dim,
            servqual_item=n + 1,
            servqual_mode=mode,
        )
        for n, (dim, ko, en) in enumerate(SERVQUAL_ITEMS)
    ]
    for row in rows:
        row.full_clean()
    created = Question.objects.bulk_create(rows)
    audit_record_many(
        actor=actor,
        entries=[
            PendingEntry(action=AuditAction.CREATE, obj=q, changes={"servqual_item": [None, i]})
            for i, q in enumerate(created, start=1)
        ],
    )
    return target


# --- distribution -----------------------------------------------------------------------------


def _token() -> str:
    return secrets.token_urlsafe(24)


def distribution_create(
    *,
    actor: User | None,
    survey: Survey,
    kind: str,
    label: str = "",
    expires_at: dt.datetime | None = None,
) -> Distribution:
    if kind == DistributionKind.SINGLE_USE:
        raise SqmsError(_("Create single-use links with their service context."))
    return record_create(
        actor=actor,
        obj=Distribution(
            survey=survey, kind=kind, label=label, token=_token(), expires_at=expires_at
        ),
    )


@dataclass(frozen=True)
class LinkContext:
    """Who served the customer: copied onto the response made through the link."""

    service: Service | None = None
    site: Site | None = None
    team: Team | None = None
    channel: str = ""
    agent: Employee | None = None
    label: str = ""


@transaction.atomic
def single_use_create_many(
    *,
    actor: User | None,
    survey: Survey,
    contexts: Sequence[LinkContext],
    expires_at: dt.datetime | None = None,
) -> list[Distribution]:
    if not 1 <= len(contexts) <= MAX_SINGLE_USE:
        raise SqmsError(_("Create between 1 and %(n)d links at once.") % {"n": MAX_SINGLE_USE})
    rows = []
    for ctx in contexts:
        site = (
            ctx.site
            or (ctx.team.site if ctx.team else None)
            or (ctx.agent.site if ctx.agent else None)
        )
        team = ctx.team or (ctx.agent.team if ctx.agent else None)
        row = Distribution(
            survey=survey,
            kind=DistributionKind.SINGLE_USE,
            label=ctx.label,
            token=_token(),
            expires_at=expires_at,
            service=ctx.service or survey.service,
            site=site,
            team=team,
            channel=ctx.channel,
            agent=ctx.agent,
        )
        row.full_clean()
        rows.append(row)
    created = Distribution.objects.bulk_create(rows)
    audit_record_many(
        actor=actor,
        entries=[
            PendingEntry(action=AuditAction.CREATE, obj=d, changes={"kind": [None, d.kind]})
            for d in created
        ],
    )
    return created


@transaction.atomic
def distribution_expire(*, actor: User | None, distribution: Distribution) -> Distribution:
    now = timezone.now()
    if distribution.expires_at is not None and distribution.expires_at <= now:
        return distribution
    return record_update(actor=actor, obj=distribution, fields={"expires_at": now})


# --- responses --------------------------------------------------------------------------------


def link_problem(distribution: Distribution, *, now: dt.datetime | None = None) -> str:
    """Why a link takes no answers now: "expired", "used", "closed"; "" when it does."""
    now = now or timezone.now()
    if distribution.expires_at is not None and distribution.expires_at <= now:
        return "expired"
    if distribution.survey.status != SurveyStatus.ACTIVE:
        return "closed"
    if distribution.is_single_use and distribution.used_at is not None:
        return "used"
    return ""


def ip_hash(ip: str) -> str:
    return hashlib.sha256(f"{settings.SECRET_KEY}:{ip}".encode()).hexdigest() if ip else ""


def follow_up_shown(question: Question, scores: Mapping[int, int | None]) -> bool:
    if question.show_if_id is None or question.show_if_max is None:
        return True
    score = scores.get(question.show_if_id)
    return score is not None and score <= question.show_if_max


@dataclass
class CleanAnswers:
    answers: list[Answer] = field(default_factory=list)
    contact: dict[str, str] = field(default_factory=dict)
    consent: bool = False


def _first(raw: Mapping[str, Sequence[str]], key: str) -> str:
    values = raw.get(key) or []
    return str(values[0]).strip() if values else ""


def _score(text: str, low: int, high: int) -> int | None:
    try:
        value = int(text)
    except ValueError:
        return None
    return value if low <= value <= high else None


def answers_clean(
    *, survey: Survey, questions: Sequence[Question], raw: Mapping[str, Sequence[str]]
) -> CleanAnswers:
    """Validate answers (keys `q<id>`, `q<id>_e`, contact fields); raise AnswersInvalid."""
    errors: dict[str, str] = {}
    out = CleanAnswers()
    scores: dict[int, int | None] = {}
    required_msg = _("Please answer this question.")
    for q in questions:
        key = f"q{q.pk}"
        if not follow_up_shown(q, scores):
            continue
        answer = Answer(question=q)
        scale = q.scale
        if scale is not None:
            text = _first(raw, key)
            value = _score(text, *scale) if text else None
            if text and value is None:
                errors[key] = _("Choose a score between %(low)d and %(high)d.") % {
                    "low": scale[0],
                    "high": scale[1],
                }
            scores[q.pk] = value
            answer.value = value
            if q.is_pair:
                e_text = _first(raw, f"{key}_e")
                answer.expectation = _score(e_text, *scale) if e_text else None
                if e_text and answer.expectation is None:
                    errors[f"{key}_e"] = _("Choose a score between %(low)d and %(high)d.") % {
                        "low": scale[0],
                        "high": scale[1],
                    }
            empty = value is None and answer.expectation is None
        elif q.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            allowed = {v for v, _label in q.choice_labels("ko")}
            picked = [str(v) for v in (raw.get(key) or []) if str(v)]
            if q.kind == QuestionKind.SINGLE:
                picked = picked[:1]
            if any(v not in allowed for v in picked) or len(picked) > len(allowed):
                errors[key] = _("Choose from the options given.")
                picked = []
            answer.choice_values = picked
            empty = not picked
        else:
            text = _first(raw, key)
            if len(text) > MAX_TEXT:
                errors[key] = _("Please keep this under %(n)d characters.") % {"n": MAX_TEXT}
            answer.text = text
            empty = not text
        if empty:
            if q.required and key not in errors:
                errors[key] = required_msg
            continue
        out.answers.append(answer)
    if survey.collect_contact:
        contact = {
            "contact_name": _first(raw, "contact_name"),
            "contact_phone": _first(raw, "contact_phone"),
            "contact_email": _first(raw, "contact_email"),
        }
        consent = _first(raw, "consent") in ("on", "true", "1", "yes")
        for name, given in contact.items():
            if len(given) > MAX_CONTACT:
                errors[name] = _("Please keep this under %(n)d characters.") % {"n": MAX_CONTACT}
        if contact["contact_email"]:
            try:
                validate_email(contact["contact_email"])
            except ValidationError:
                errors["contact_email"] = _("Enter a valid e-mail address.")
        if any(contact.values()):
            if not consent:
                errors["consent"] = _(
                    "Contact details are kept only with your consent. Tick the box or leave "
                    "them empty."
                )
            out.contact, out.consent = contact, consent
    if errors:
        raise AnswersInvalid(errors)
    return out


def response_submit(
    *,
    distribution: Distribution,
    raw: Mapping[str, Sequence[str]],
    language: str,
    ip: str = "",
    now: dt.datetime | None = None,
    questions: list[Question] | None = None,
    defer_effects: bool = False,
    kept_link: bool = False,
) -> Response:
    """Store one response through a link. Public: the system is the actor. `questions` are the
    survey's, in order, when the caller has read them already.

    With `defer_effects` (the public page) only the response and its answers are written here;
    its follow-up and audit entry are written by `responses_effects_write` shortly after the
    commit, in batches: the audit chain's lock is then taken once per batch, not per respondent.
    The response row carries `effects_pending` until then, so nothing is lost if the task is.

    `kept_link`: the caller read this shared link in an earlier request; the insert then checks
    that it is unchanged and still open, and raises `prepared.LinkChanged` otherwise."""
    defer = defer_effects and not _effects_inline()
    guard = kept_link and not distribution.is_single_use
    if distribution.is_single_use or not defer:
        with transaction.atomic():
            return _response_store(distribution, raw, language, ip, now, questions, defer, guard)
    # A shared link takes no lock and the insert is atomic by itself (see `prepared`).
    return _response_store(distribution, raw, language, ip, now, questions, defer, guard)


def _response_store(
    distribution: Distribution,
    raw: Mapping[str, Sequence[str]],
    language: str,
    ip: str,
    now: dt.datetime | None,
    questions: list[Question] | None,
    defer: bool,
    guard: bool,
) -> Response:
    now = now or timezone.now()
    if distribution.is_single_use:
        # The row lock makes a single-use link single-use even under concurrent submits. A
        # shared link takes no lock, so its respondents never wait for one another.
        distribution = (
            Distribution.objects.select_for_update()
            .select_related("survey")
            .get(pk=distribution.pk)
        )
    problem = link_problem(distribution, now=now)
    if problem:
        raise LinkUnavailable(problem)
    survey = distribution.survey
    if questions is None:
        questions = list(survey.questions.order_by("order", "pk"))
    clean = answers_clean(survey=survey, questions=questions, raw=raw)
    response = Response(
        survey=survey,
        distribution=distribution,
        service_id=distribution.service_id or survey.service_id,
        site_id=distribution.site_id,
        team_id=distribution.team_id,
        channel=distribution.channel,
        agent_id=distribution.agent_id,
        language=language if language in ("ko", "en") else "ko",
        submitted_at=now,
        ip_hash=ip_hash(ip),
        effects_pending=defer,
    )
    if clean.contact and clean.consent:
        for name, value in clean.contact.items():
            setattr(response, name, value)
        response.consent_at = now
        response.retention_until = now + dt.timedelta(days=survey.retention_days)
    # The related rows come from the link itself: checking them again would cost a query each.
    response.full_clean(
        exclude=["survey", "distribution", "service", "site", "team", "agent"],
        validate_constraints=False,
    )
    prepared.response_insert(response, clean.answers, guard=distribution if guard else None)
    if distribution.is_single_use:
        distribution.used_at = now
        distribution.save(update_fields=["used_at", "updated_at"])
    if defer:
        transaction.on_commit(_effects_schedule, robust=True)
    else:
        _effects_write([response], {response.pk: clean.answers})
    return response


def _effects_inline() -> bool:
    """Huey's immediate mode (tests) runs tasks at once: deferred effects are written inline."""
    from huey.contrib.djhuey import HUEY

    return bool(HUEY.immediate)


_effects_next = 0.0  # per process: when the next batch may be scheduled


def _effects_schedule() -> None:
    """After a deferred submit commits: schedule one batch per EFFECTS_DELAY and process. A
    submit that finds a batch already scheduled is picked up by it, or at worst by the periodic
    sweep (`tasks.feedback_response_effects_sweep`)."""
    global _effects_next
    at = time.monotonic()
    if at < _effects_next:
        return
    _effects_next = at + EFFECTS_DELAY
    # Writing to the task queue may wait for a disk flush: the respondent does not wait for it.
    threading.Thread(target=_effects_enqueue, name="feedback-effects", daemon=True).start()


def _effects_enqueue() -> None:
    from sqms.feedback.tasks import feedback_response_effects

    try:
        feedback_response_effects.schedule(delay=EFFECTS_DELAY)
    except Exception:  # the periodic sweep writes the effects instead
        log.exception("Could not schedule the effects of survey responses.")


def _effects_write(responses: Sequence[Response], answers: Mapping[int, Sequence[Answer]]) -> None:
    """The follow-up (for a detractor) and the audit entry of each response; `answers` carry
    their questions."""
    from sqms.feedback.followups import followups_for_responses  # a detractor opens a task

    followups_for_responses(responses=responses, answers=answers)
    # Last: the audit chain's head is locked until commit, so take it as late as possible.
    audit_record_many(
        actor=None,
        entries=[
            PendingEntry(
                action=AuditAction.CREATE,
                obj=response,
                changes={
                    "survey": [None, response.survey_id],
                    "distribution": [None, response.distribution_id],
                    "answers": [None, len(answers.get(response.pk, ()))],
                    "contact": [None, bool(response.consent_at)],
                },
            )
            for response in responses
        ],
    )


@transaction.atomic
def responses_effects_write(*, limit: int = EFFECTS_BATCH) -> int:
    """Write the follow-ups and audit entries of up to `limit` responses stored with deferred
    effects, oldest first; returns how many. Idempotent; concurrent runs skip each other's rows."""
    due = list(
        Response.objects.select_for_update(skip_locked=True)
        .filter(effects_pending=True)
        .order_by("pk")[:limit]
    )
    if not due:
        return 0
    answers: dict[int, list[Answer]] = {r.pk: [] for r in due}
    for answer in Answer.objects.filter(response__in=due).select_related("question"):
        answers[answer.response_id].append(answer)
    _effects_write(due, answers)
    Response.objects.filter(pk__in=[r.pk for r in due]).update(effects_pending=False)
    return len(due)


@transaction.atomic
def responses_anonymise(*, now: dt.datetime | None = None) -> int:
    """Clear contact details past their retention date; scores and answers stay. Idempotent."""
    now = now or timezone.now()
    due = list(
        Response.objects.select_for_update().filter(
            retention_until__lte=now, anonymised_at__isnull=True
        )
    )
    if not due:
        return 0
    Response.objects.filter(pk__in=[r.pk for r in due]).update(
        contact_name="", contact_phone="", contact_email="", anonymised_at=now
    )
    audit_record_many(
        actor=None,
        entries=[
            PendingEntry(
                action=AuditAction.UPDATE,
                obj=r,
                changes={"anonymised_at": [None, now.isoformat()]},
                reason=_("The retention period ended."),
            )
            for r in due
        ],
    )
    return len(due)
