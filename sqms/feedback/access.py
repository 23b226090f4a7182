"""Access helpers: a stranger gets 404, a read-only role 403.

Surveys and their questions belong to the whole organisation. Responses and single-use links
carry a site: a user limited to some sites sees only those (and links without a site).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from sqms.core.access import can, ensure
from sqms.core.roles import Area
from sqms.feedback.models import Distribution, Question, Response, Survey
from sqms.org.access import scoped_site_ids


def can_write(user: Any) -> bool:
    return can(user, Area.FEEDBACK, write=True)


def responses_visible_to(user: Any) -> QuerySet[Response]:
    ids = scoped_site_ids(user)
    qs = Response.objects.all()
    return qs if ids is None else qs.filter(site_id__in=ids)


def distributions_visible_to(user: Any) -> QuerySet[Distribution]:
    ids = scoped_site_ids(user)
    qs = Distribution.objects.all()
    return qs if ids is None else qs.filter(Q(site__isnull=True) | Q(site_id__in=ids))


def _check(user: Any, obj: Any, *, write: bool) -> Any:
    if obj is None:
        raise Http404
    if write and not can_write(user):
        raise PermissionDenied
    return obj


def survey_get_for_user(*, user: Any, pk: int, write: bool = False) -> Survey:
    ensure(user, Area.FEEDBACK)
    survey: Survey = _check(
        user,
        Survey.objects.select_related("service", "previous").filter(pk=pk).first(),
        write=write,
    )
    return survey


def question_get_for_user(*, user: Any, pk: int, write: bool = False) -> Question:
    ensure(user, Area.FEEDBACK)
    qs = Question.objects.select_related("survey", "show_if")
    question: Question = _check(user, qs.filter(pk=pk).first(), write=write)
    return question


def distribution_get_for_user(*, user: Any, pk: int, write: bool = False) -> Distribution:
    ensure(user, Area.FEEDBACK)
    qs = distributions_visible_to(user).select_related("survey")
    distribution: Distribution = _check(user, qs.filter(pk=pk).first(), write=write)
    return distribution


def response_get_for_user(*, user: Any, pk: int) -> Response:
    ensure(user, Area.FEEDBACK)
    qs = responses_visible_to(user).select_related(
        "survey", "distribution", "service", "site", "team", "agent"
    )
    response: Response = _check(user, qs.filter(pk=pk).first(), write=False)
    return response
