"""Response exports (CSV, XLSX); every cell is neutralised against formula injection."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.core.csvexport import neutralise
from sqms.feedback import selectors
from sqms.feedback.models import Question, Survey

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _columns(questions: list[Question]) -> list[tuple[Question, str]]:
    cols: list[tuple[Question, str]] = []
    for q in questions:
        if q.is_pair:
            cols.append((q, "expectation"))
        cols.append((q, "value"))
    return cols


def response_table(
    *, user: Any, survey: Survey, with_contact: bool = False
) -> tuple[list[str], Iterator[list[Any]]]:
    """Header and rows; contact details only for the roles that follow up feedback."""
    questions = selectors.survey_questions(survey=survey)
    cols = _columns(questions)
    header = [
        _("Response"),
        _("Submitted"),
        _("Language"),
        _("Service"),
        _("Site"),
        _("Team"),
        _("Channel"),
        _("Agent"),
        *([_("Name"), _("Phone"), _("E-mail")] if with_contact else []),
    ] + [
        f"Q{q.order} {'E' if part == 'expectation' else ''}{q.text_ko[:40]}".strip()
        for q, part in cols
    ]
    qs = (
        selectors.survey_responses(user=user, survey=survey)
        .select_related("team")
        .prefetch_related("answers")
    )

    def rows() -> Iterator[list[Any]]:
        tz = timezone.get_current_timezone()
        for r in qs.iterator(chunk_size=500):
            by_q = {a.question_id: a for a in r.answers.all()}
            row: list[Any] = [
                r.pk,
                r.submitted_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
                r.language,
                r.service.name if r.service else "",
                r.site.name if r.site else "",
                r.team.name if r.team else "",
                r.channel,
                r.agent.name if r.agent else "",
            ]
            if with_contact:
                row += [r.contact_name, r.contact_phone, r.contact_email]
            for q, part in cols:
                a = by_q.get(q.pk)
                if a is None:
                    row.append("")
                elif part == "expectation":
                    row.append(a.expectation if a.expectation is not None else "")
                elif a.choice_values:
                    labels = dict(q.choice_labels("ko"))
                    row.append("; ".join(labels.get(v, v) for v in a.choice_values))
                else:
                    row.append(a.value if a.value is not None else a.text)
            yield row

    return header, rows()


def _cell(value: Any) -> Any:
    if isinstance(value, int | float):
        return value
    return neutralise(value)


def xlsx_response(*, filename: str, header: list[str], rows: Iterable[list[Any]]) -> HttpResponse:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("responses")
    ws.append([_cell(h) for h in header])
    for row in rows:
        ws.append([_cell(v) for v in row])
    buffer = io.BytesIO()
    wb.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
