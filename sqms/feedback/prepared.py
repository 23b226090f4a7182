"""The insert of a survey response, in SQL built once per process: the write that runs once
per respondent (issue #5 measures it against a bare insert).

Django's ORM spends longer compiling an insert than SQLite or PostgreSQL spend running it (about
half a millisecond each here). The SQL below is derived from the models' own field definitions
and values pass through the fields' own adapters, so a field added to a model is written here
too. Everything else about responses (validation, follow-ups, audit) stays in `services`.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from django.db import connections, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model

from sqms.feedback.models import Answer, Distribution, Response, Survey, SurveyStatus


class LinkChanged(Exception):
    """The link or its survey changed since the caller read them: nothing was stored."""


def _fields(model: type[Model]) -> list[Field[Any, Any]]:
    return list(model._meta.concrete_fields)


def _quoted(alias: str, name: str | None) -> str:
    assert name, "a concrete field has a column"
    return connections[alias].ops.quote_name(name)


def _col(alias: str, model: type[Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, Field)
    return _quoted(alias, field.column)


@cache
def _insert_parts(model: type[Model], alias: str) -> tuple[list[Field[Any, Any]], str]:
    fields = [f for f in _fields(model) if not f.primary_key]
    columns = ", ".join(_quoted(alias, f.column) for f in fields)
    return fields, f"INSERT INTO {_quoted(alias, model._meta.db_table)} ({columns})"


def _params(obj: Model, fields: Sequence[Field[Any, Any]], conn: BaseDatabaseWrapper) -> list[Any]:
    return [f.get_db_prep_save(f.pre_save(obj, True), connection=conn) for f in fields]


@cache
def _guard_sql(alias: str) -> str:
    """The FROM/WHERE that lets a response row through only while its link is as it was read:
    the same rows (`updated_at` moves on every change), survey active, link not expired."""
    d = {n: _col(alias, Distribution, n) for n in ("id", "survey", "token", "updated_at")}
    s = {n: _col(alias, Survey, n) for n in ("id", "updated_at", "status")}
    expires = _col(alias, Distribution, "expires_at")
    return (
        f" FROM {_quoted(alias, Distribution._meta.db_table)} d"
        f" INNER JOIN {_quoted(alias, Survey._meta.db_table)} s ON s.{s['id']} = d.{d['survey']}"
        f" WHERE d.{d['id']} = %s AND d.{d['token']} = %s AND d.{d['updated_at']} = %s"
        f" AND s.{s['id']} = %s AND s.{s['updated_at']} = %s AND s.{s['status']} = %s"
        f" AND (d.{expires} IS NULL OR d.{expires} > %s)"
    )


def _guard_params(link: Distribution, conn: BaseDatabaseWrapper, now: Any) -> list[Any]:
    adapt = conn.ops.adapt_datetimefield_value
    survey = link.survey
    return [
        link.pk,
        link.token,
        adapt(link.updated_at),
        survey.pk,
        adapt(survey.updated_at),
        SurveyStatus.ACTIVE.value,
        adapt(now),
    ]


def response_insert(
    response: Response, answers: Sequence[Answer], *, guard: Distribution | None = None
) -> Response:
    """Insert a validated response and its answers atomically; sets the response's key.

    PostgreSQL: one statement (the response, then each answer, as data-modifying CTEs), atomic
    by itself, so no BEGIN/COMMIT round trips. Other databases: two statements in a transaction.
    With `guard` (a link the caller kept from an earlier request) the same statement checks
    that the link is unchanged, active and not expired, else stores nothing and raises
    LinkChanged: the link is not read again for every respondent.
    """
    alias = router.db_for_write(Response)
    conn = connections[alias]
    r_fields, r_head = _insert_parts(Response, alias)
    a_fields, a_head = _insert_parts(Answer, alias)
    r_params = _params(response, r_fields, conn)
    r_marks = ", ".join(["%s"] * len(r_fields))
    if guard is not None:
        r_values = f"SELECT {r_marks}{_guard_sql(alias)}"
        r_params += _guard_params(guard, conn, response.submitted_at)
    else:
        r_values = f"VALUES ({r_marks})"
    if conn.vendor == "postgresql":
        rest = [f for f in a_fields if f.name != "response"]
        select = ", ".join("r.id" if f.name == "response" else "%s" for f in a_fields)
        ctes = [f"r AS ({r_head} {r_values} RETURNING {_col(alias, Response, 'id')} AS id)"]
        params = list(r_params)
        for n, answer in enumerate(answers):
            ctes.append(f"a{n} AS ({a_head} SELECT {select} FROM r)")  # noqa: S608
            params += _params(answer, rest, conn)
        with conn.cursor() as cursor:
            cursor.execute(f"WITH {', '.join(ctes)} SELECT id FROM r", params)  # noqa: S608
            row = cursor.fetchone()
        if row is None:
            raise LinkChanged
        response.pk = row[0]
    else:
        # Everything is prepared before the transaction: SQLite holds its one write lock for
        # the two statements only. The answers' response key is filled in between.
        a_marks = "(" + ", ".join(["%s"] * len(a_fields)) + ")"
        a_sql = f"{a_head} VALUES {', '.join([a_marks] * len(answers))}"
        a_params = [p for a in answers for p in _params(a, a_fields, conn)]
        at = next(i for i, f in enumerate(a_fields) if f.name == "response")
        with transaction.atomic(using=alias), conn.cursor() as cursor:
            cursor.execute(f"{r_head} {r_values}", r_params)
            if cursor.rowcount != 1:
                raise LinkChanged
            response.pk = cursor.lastrowid
            if answers:
                a_params[at :: len(a_fields)] = [response.pk] * len(answers)
                cursor.execute(a_sql, a_params)
    response._state.adding = False
    response._state.db = alias
    for answer in answers:
        answer.response = response
    return response
