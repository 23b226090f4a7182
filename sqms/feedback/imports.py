"""Import of responses collected by another system, from a CSV file, into one survey version.

The file (UTF-8 or CP949/EUC-KR, comma, semicolon or tab separated, at most `MAX_BYTES`) has a
header row naming its columns:

* ``external_id`` and ``submitted_at`` (required); ``service`` and ``site`` (codes), ``channel``,
  ``language`` (optional);
* one column per question: ``q1`` … ``qN`` by the question's position in the survey (also
  ``1`` … ``N`` or the question's Korean or English text); ``qN_e`` is the expectation of a
  SERVQUAL pair.

Every row is checked with the same rules as the public survey page (`services.answers_clean`)
plus the import's own: dates, codes, duplicate external IDs. A file-level problem (unknown or
missing columns, wrong encoding, too large) rejects the file. Row errors either reject the file
(`ImportPolicy.REJECT_ALL`) or leave out just those rows (`KEEP_GOOD`); every error is reported
with its row, column and reason, and the uploaded file is kept. Importing is idempotent on
(survey, external ID): a row whose external ID the survey (any version) already has is skipped.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import re
import uuid
import zoneinfo
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sqms.core.audit import PendingEntry, audit_record_many
from sqms.core.exceptions import SqmsError
from sqms.core.models import AuditAction, User
from sqms.core.records import record_create, record_update
from sqms.feedback import services
from sqms.feedback.models import (
    Answer,
    ImportPolicy,
    ImportStatus,
    Question,
    QuestionKind,
    Response,
    ResponseImport,
    ResponseImportError,
    Survey,
    SurveyStatus,
)
from sqms.org.access import scoped_site_ids
from sqms.org.models import Channel, Service, Site

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000
ERRORS_KEPT = 10_000
PREVIEW_ROWS = 10
BATCH = 1_000
MAX_EXTERNAL_ID = 100
ENCODINGS = ("auto", "utf-8", "cp949")
FIELDS = ("external_id", "submitted_at", "service", "site", "channel", "language")
REQUIRED = ("external_id", "submitted_at")
_ALIASES = {
    "external_id": "external_id",
    "externalid": "external_id",
    "외부_id": "external_id",
    "submitted_at": "submitted_at",
    "submitted": "submitted_at",
    "제출일시": "submitted_at",
    "service": "service",
    "service_code": "service",
    "서비스": "service",
    "site": "site",
    "site_code": "site",
    "사업장": "site",
    "channel": "channel",
    "채널": "channel",
    "language": "language",
    "lang": "language",
    "언어": "language",
}
_QUESTION = re.compile(r"^q?(\d{1,4})(_e|_expectation)?$")
_DATE_FORMATS = (
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y.%m.%d %H:%M:%S",
    "%Y.%m.%d %H:%M",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d",
    "%Y.%m.%d",
)
_LANGUAGES = {
    "ko": "ko",
    "kor": "ko",
    "korean": "ko",
    "한국어": "ko",
    "en": "en",
    "eng": "en",
    "english": "en",
    "영어": "en",
}
_MULTI_SPLIT = re.compile(r"[;|]")

Problem = tuple[str, str]  # (column, reason)


class FileProblem(SqmsError):
    """The file as a whole cannot be imported; `problems` lists (column, reason)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(reason for _c, reason in self.problems))


# --- reading ------------------------------------------------------------------------------------


def encoding_label(encoding: str) -> str:
    return "UTF-8" if encoding.startswith("utf") else "CP949"


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def decode(data: bytes, choice: str = "auto") -> tuple[str, str]:
    """The text of the file and the encoding it was read with (UTF-8 first, then CP949)."""
    if b"\x00" in data[:65_536]:
        raise FileProblem([("", _("The file is not a text export: it contains binary data."))])
    if choice in ("utf-8", "cp949"):
        candidates = ["utf-8-sig" if choice == "utf-8" else "cp949"]
    else:
        candidates = ["utf-8-sig", "cp949"]
    last: UnicodeDecodeError | None = None
    for encoding in candidates:
        try:
            return codecs.decode(data, encoding), encoding
        except UnicodeDecodeError as exc:
            last = exc
    if choice in ("utf-8", "cp949") and last is not None:
        raise FileProblem(
            [
                (
                    "",
                    _("The file cannot be read as %(encoding)s at line %(line)d.")
                    % {
                        "encoding": encoding_label(candidates[0]),
                        "line": _line_of(data, last.start),
                    },
                )
            ]
        )
    raise FileProblem(
        [
            (
                "",
                _(
                    "The file is neither UTF-8 nor CP949 (EUC-KR) text. Choose its encoding or "
                    "export it again as CSV."
                ),
            )
        ]
    )


@dataclass
class Table:
    encoding: str
    columns: list[str]
    rows: list[tuple[int, list[str]]]  # (row number as a spreadsheet shows it, cells)


def read_table(data: bytes, encoding: str = "auto") -> Table:
    """Decode and split the file; row numbers count the header as row 1. Blank rows are left out."""
    if len(data) > MAX_BYTES:
        raise FileProblem(
            [("", _("The file is larger than %(mb)d MB.") % {"mb": MAX_BYTES // (1024 * 1024)})]
        )
    text, used = decode(data, encoding)
    first = text.split("\n", 1)[0]
    if not first.strip():
        raise FileProblem([("", _("The file is empty."))])
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, list[str]]] = []
    number = 0
    try:
        for cells in reader:
            number += 1
            if number == 1:
                columns = [c.strip() for c in cells]
                continue
            if any(c.strip() for c in cells):
                rows.append((number, cells))
                if len(rows) > MAX_ROWS:
                    raise FileProblem(
                        [
                            (
                                "",
                                _("The file has more than %(n)d rows. Split it into smaller files.")
                                % {"n": MAX_ROWS},
                            )
                        ]
                    )
    except csv.Error as exc:
        raise FileProblem(
            [("", _("Row %(row)d cannot be read: %(reason)s") % {"row": number + 1, "reason": exc})]
        ) from None
    return Table(used, columns, rows)


# --- columns ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """What one column of the file holds: a response field, or a question's score/expectation."""

    field: str = ""
    question: Question | None = None
    expectation: bool = False

    def label(self, numbers: dict[int, int]) -> str:
        if self.question is None:
            return self.field
        n = numbers.get(self.question.pk, 0)
        text = self.question.text_for(translation.get_language() or "ko")
        if self.expectation:
            return _("Question %(n)d (expectation): %(text)s") % {"n": n, "text": text}
        return _("Question %(n)d: %(text)s") % {"n": n, "text": text}


def _norm(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().casefold())


def map_columns(columns: Sequence[str], questions: Sequence[Question]) -> list[Target | None]:
    """The target of each column; raise FileProblem listing every unknown, doubled or missing
    column."""
    by_text: dict[str, Question] = {}
    for q in questions:
        for text in (q.text_ko, q.text_en):
            if text:
                by_text.setdefault(text.strip().casefold(), q)
    problems: list[Problem] = []
    targets: list[Target | None] = []
    seen: dict[Target, str] = {}
    for i, column in enumerate(columns):
        key = _norm(column)
        target: Target | None = None
        if key in _ALIASES:
            target = Target(field=_ALIASES[key])
        elif m := _QUESTION.match(key):
            n = int(m.group(1))
            if 1 <= n <= len(questions):
                q = questions[n - 1]
                target = Target(question=q, expectation=bool(m.group(2)))
                if target.expectation and not q.is_pair:
                    problems.append(
                        (
                            column,
                            _("Question %(n)d has no expectation score.") % {"n": n},
                        )
                    )
                    target = None
                    targets.append(None)
                    continue
        elif column.strip().casefold() in by_text:
            target = Target(question=by_text[column.strip().casefold()])
        if target is None:
            if not column.strip():
                reason = _("Column %(n)d has no name.") % {"n": i + 1}
            else:
                reason = _(
                    "Unknown column. Use external_id, submitted_at, service, site, channel, "
                    "language and q1 to q%(n)d for the questions."
                ) % {"n": len(questions)}
            problems.append((column, reason))
        elif target in seen:
            problems.append(
                (column, _("This column repeats the column %(other)s.") % {"other": seen[target]})
            )
            target = None
        else:
            seen[target] = column
        targets.append(target)
    fields = {t.field for t in targets if t is not None and t.field}
    for name in REQUIRED:
        if name not in fields:
            problems.append((name, _("The required column %(name)s is missing.") % {"name": name}))
    if problems:
        raise FileProblem(problems)
    return targets


# --- rows ---------------------------------------------------------------------------------------


@dataclass
class Row:
    number: int
    external_id: str
    submitted_at: dt.datetime
    service_id: int | None
    site_id: int | None
    channel: str
    language: str
    answers: list[Answer]


def _unstorable(text: str) -> bool:
    """NUL and lone surrogates: PostgreSQL stores neither."""
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


class RowChecker:
    """Validate rows of one file against one survey version, for one user's sites."""

    def __init__(
        self,
        *,
        survey: Survey,
        user: Any,
        columns: Sequence[str],
        now: dt.datetime | None = None,
    ) -> None:
        self.survey = survey
        self.questions = list(survey.questions.select_related("show_if").order_by("order", "pk"))
        self.numbers = {q.pk: n for n, q in enumerate(self.questions, start=1)}
        self.columns = list(columns)
        self.targets = map_columns(self.columns, self.questions)
        self.column_of: dict[str, str] = {}
        self.index: dict[str, int] = {}
        for i, (column, target) in enumerate(zip(self.columns, self.targets, strict=True)):
            if target is None:
                continue
            if target.question is None:
                key = target.field
            else:
                key = f"q{target.question.pk}" + ("_e" if target.expectation else "")
            self.column_of[key], self.index[key] = column, i
        self.services = {s.code.casefold(): s.pk for s in Service.objects.all()}
        self.sites = {s.code.casefold(): s.pk for s in Site.objects.all()}
        self.scope = scoped_site_ids(user) if user is not None else None
        self.tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        self.now = now or timezone.now()
        self.channels: dict[str, str] = {}
        for value, _label in Channel.choices:
            self.channels[value] = value
            for lang in ("ko", "en"):
                with translation.override(lang):
                    self.channels[str(Channel(value).label).casefold()] = value
        self.seen: dict[str, int] = {}

    def mapping(self) -> list[list[str]]:
        """[column, what it holds] for the preview."""
        labels = {
            "external_id": _("External ID"),
            "submitted_at": _("Submitted"),
            "service": _("Service (code)"),
            "site": _("Site (code)"),
            "channel": _("Channel"),
            "language": _("Language"),
        }
        out = []
        for column, target in zip(self.columns, self.targets, strict=True):
            if target is None:
                continue
            text = labels[target.field] if target.field else target.label(self.numbers)
            out.append([column, str(text)])
        return out

    def _label(self, key: str) -> str:
        if key in self.column_of:
            return self.column_of[key]
        pk = int(key[1:].removesuffix("_e"))
        return f"q{self.numbers.get(pk, 0)}" + ("_e" if key.endswith("_e") else "")

    def _when(self, text: str) -> dt.datetime:
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            for fmt in _DATE_FORMATS:
                try:
                    moment = dt.datetime.strptime(text, fmt)
                    break
                except ValueError:
                    continue
            else:
                raise ValueError(text) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.tz)
        return moment.astimezone(dt.UTC)

    def _score(self, q: Question, text: str) -> tuple[str, str]:
        """(normalised text, error) for a scored question's cell."""
        low, high = q.scale or (0, 0)
        try:
            number = float(text.replace(",", "."))
        except ValueError:
            return "", _(
                "%(value)s is not a score: give a whole number from %(low)d to %(high)d."
            ) % {
                "value": text[:40],
                "low": low,
                "high": high,
            }
        if not number.is_integer():
            return "", _("%(value)s is not a whole number.") % {"value": text[:40]}
        if not low <= number <= high:
            return "", _("Score %(value)s is out of range: %(kind)s takes %(low)d to %(high)d.") % {
                "value": text[:40],
                "kind": q.get_kind_display(),
                "low": low,
                "high": high,
            }
        return str(int(number)), ""

    def _choices(self, q: Question, text: str) -> tuple[list[str], str]:
        allowed: dict[str, str] = {}
        for lang in ("ko", "en"):
            for value, label in q.choice_labels(lang):
                allowed[value.casefold()] = value
                allowed.setdefault(label.strip().casefold(), value)
        parts = (
            [p.strip() for p in _MULTI_SPLIT.split(text)]
            if q.kind == QuestionKind.MULTIPLE
            else [text]
        )
        picked: list[str] = []
        for part in parts:
            if not part:
                continue
            found = allowed.get(part.casefold())
            if found is None:
                options = ", ".join(v for v, _label in q.choice_labels("ko"))
                return [], _("%(value)s is not one of the choices (%(options)s).") % {
                    "value": part[:40],
                    "options": options,
                }
            if found not in picked:
                picked.append(found)
        if q.kind == QuestionKind.SINGLE and len(picked) > 1:
            return [], _("Choose only one option.")
        return picked, ""

    def check(self, number: int, cells: list[str]) -> tuple[Row | None, list[Problem]]:
        errors: list[Problem] = []
        if len(cells) > len(self.columns):
            extra = [c for c in cells[len(self.columns) :] if c.strip()]
            if extra:
                errors.append(
                    (
                        "",
                        _("This row has %(n)d cells but the header has %(m)d columns.")
                        % {"n": len(cells), "m": len(self.columns)},
                    )
                )
                return None, errors

        def cell(key: str) -> str:
            i = self.index.get(key)
            return cells[i].strip() if i is not None and i < len(cells) else ""

        for i, value in enumerate(cells[: len(self.columns)]):
            if _unstorable(value):
                errors.append(
                    (self.columns[i], _("The text contains characters that cannot be stored."))
                )
        if errors:
            return None, errors

        external_id = cell("external_id")
        column = self.column_of["external_id"]
        if not external_id:
            errors.append((column, _("The external ID is empty.")))
        elif len(external_id) > MAX_EXTERNAL_ID:
            errors.append(
                (
                    column,
                    _("The external ID is longer than %(n)d characters.") % {"n": MAX_EXTERNAL_ID},
                )
            )
        elif external_id in self.seen:
            errors.append(
                (
                    column,
                    _("Duplicate external ID %(id)s: already in row %(row)d.")
                    % {"id": external_id, "row": self.seen[external_id]},
                )
            )
        else:
            self.seen[external_id] = number

        when_text = cell("submitted_at")
        column = self.column_of["submitted_at"]
        submitted_at: dt.datetime | None = None
        if not when_text:
            errors.append((column, _("The submission time is empty.")))
        else:
            try:
                submitted_at = self._when(when_text)
            except (ValueError, OverflowError):
                errors.append(
                    (
                        column,
                        _("%(value)s is not a date and time. Use e.g. 2026-03-31 14:05.")
                        % {"value": when_text[:40]},
                    )
                )
            else:
                if submitted_at > self.now + dt.timedelta(minutes=5):
                    errors.append((column, _("The submission time is in the future.")))

        service_id = self.survey.service_id
        code = cell("service")
        if code:
            found = self.services.get(code.casefold())
            if found is None:
                errors.append(
                    (
                        self.column_of["service"],
                        _("Unknown service code %(code)s.") % {"code": code},
                    )
                )
            service_id = found

        site_id: int | None = None
        code = cell("site")
        if code:
            site_id = self.sites.get(code.casefold())
            if site_id is None:
                errors.append(
                    (self.column_of["site"], _("Unknown site code %(code)s.") % {"code": code})
                )
        unknown_site = bool(code) and site_id is None  # reported above
        if self.scope is not None and not unknown_site and site_id not in self.scope:
            errors.append(
                (
                    self.column_of.get("site", "site"),
                    _("You may import responses only for your own sites."),
                )
            )

        channel = ""
        text = cell("channel")
        if text:
            channel = self.channels.get(text.casefold(), "")
            if not channel:
                errors.append(
                    (
                        self.column_of["channel"],
                        _("Unknown channel %(value)s. Use one of: %(options)s.")
                        % {"value": text[:40], "options": ", ".join(Channel.values)},
                    )
                )

        language = "ko"
        text = cell("language")
        if text:
            language = _LANGUAGES.get(text.casefold(), "")
            if not language:
                errors.append(
                    (
                        self.column_of["language"],
                        _("Unknown language %(value)s. Use ko or en.") % {"value": text[:40]},
                    )
                )

        raw: dict[str, list[str]] = {}
        bad: set[str] = set()
        for q in self.questions:
            for key in (f"q{q.pk}", f"q{q.pk}_e"):
                text = cell(key)
                if not text:
                    continue
                if q.scale is not None:
                    value, problem = self._score(q, text)
                    raw[key] = [value] if value else []
                elif q.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
                    picked, problem = self._choices(q, text)
                    raw[key] = picked
                else:
                    raw[key], problem = [text], ""
                if problem:
                    errors.append((self._label(key), problem))
                    bad.add(key)
        clean = None
        try:
            clean = services.answers_clean(survey=self.survey, questions=self.questions, raw=raw)
        except services.AnswersInvalid as exc:
            for key, reason in exc.errors.items():
                if key not in bad:
                    errors.append((self._label(key), reason))
        if errors or clean is None or submitted_at is None:
            return None, errors
        return (
            Row(
                number,
                external_id,
                submitted_at,
                service_id,
                site_id,
                channel,
                language,
                clean.answers,
            ),
            [],
        )


# --- a whole file -------------------------------------------------------------------------------


@dataclass
class Plan:
    encoding: str
    mapping: list[list[str]]
    rows_total: int = 0
    good: list[Row] = field(default_factory=list)
    skipped: int = 0
    failed: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (row, column, reason)


def existing_ids(survey: Survey, ids: Iterable[str]) -> set[str]:
    """External IDs that the survey (any of its versions) already has."""
    wanted = list(ids)
    found: set[str] = set()
    for start in range(0, len(wanted), BATCH):
        found |= {
            str(x)
            for x in Response.objects.filter(
                survey__code=survey.code, external_id__in=wanted[start : start + BATCH]
            ).values_list("external_id", flat=True)
        }
    return found


def plan(
    *,
    survey: Survey,
    user: Any,
    data: bytes,
    encoding: str = "auto",
    now: dt.datetime | None = None,
) -> Plan:
    """Read and check a whole file without writing anything. Raise FileProblem."""
    table = read_table(data, encoding)
    checker = RowChecker(survey=survey, user=user, columns=table.columns, now=now)
    result = Plan(encoding_label(table.encoding), checker.mapping(), rows_total=len(table.rows))
    for number, cells in table.rows:
        row, errors = checker.check(number, cells)
        if row is None:
            result.failed += 1
            result.errors.extend((number, column, reason) for column, reason in errors)
        else:
            result.good.append(row)
    known = existing_ids(survey, (r.external_id for r in result.good))
    if known:
        result.skipped = sum(1 for r in result.good if r.external_id in known)
        result.good = [r for r in result.good if r.external_id not in known]
    return result


@dataclass
class PreviewRow:
    number: int
    cells: list[dict[str, Any]]
    errors: list[Problem]


def preview(*, response_import: ResponseImport, user: Any) -> dict[str, Any]:
    """The first rows of a stored file with their problems, and the column mapping."""
    try:
        data = Path(response_import.stored_path).read_bytes()
        table = read_table(data, response_import.encoding)
        checker = RowChecker(survey=response_import.survey, user=user, columns=table.columns)
    except FileProblem as exc:
        return {"problems": exc.problems}
    except OSError:
        return {"problems": [("", _("The uploaded file is no longer available."))]}
    rows = []
    for number, cells in table.rows[:PREVIEW_ROWS]:
        _row, errors = checker.check(number, cells)
        bad = {column for column, _reason in errors}
        padded = [*cells, *[""] * len(table.columns)][: len(table.columns)]
        rows.append(
            PreviewRow(
                number,
                [{"value": v, "bad": c in bad} for c, v in zip(table.columns, padded, strict=True)],
                errors,
            )
        )
    return {"columns": table.columns, "rows": rows, "mapping": checker.mapping()}


# --- services -----------------------------------------------------------------------------------


def import_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "feedback_imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _store(data: bytes) -> tuple[Path, str]:
    path = import_dir() / f"{uuid.uuid4().hex}.csv"
    path.write_bytes(data)
    return path, hashlib.sha256(data).hexdigest()


def _keep_errors(imp: ResponseImport, errors: Sequence[tuple[int, str, str]]) -> None:
    imp.errors.all().delete()
    ResponseImportError.objects.bulk_create(
        [
            ResponseImportError(response_import=imp, row=row, column=column[:255], reason=reason)
            for row, column, reason in errors[:ERRORS_KEPT]
        ],
        batch_size=BATCH,
    )


def _counts(p: Plan) -> dict[str, Any]:
    return {
        "columns": p.mapping,
        "rows_total": p.rows_total,
        "rows_valid": len(p.good),
        "rows_skipped": p.skipped,
        "rows_failed": p.failed,
        "errors_total": len(p.errors),
    }


@transaction.atomic
def response_import_create(
    *,
    actor: User | None,
    survey: Survey,
    file_name: str,
    data: bytes,
    policy: str = ImportPolicy.REJECT_ALL,
    encoding: str = "auto",
    now: dt.datetime | None = None,
) -> ResponseImport:
    """Keep the uploaded file and check it: a pending import to confirm, or a rejected one when
    the file as a whole cannot be imported. Nothing is imported yet."""
    if survey.status != SurveyStatus.ACTIVE:
        raise SqmsError(_("Responses can be imported only into an active survey."))
    if len(data) > MAX_BYTES:
        raise SqmsError(
            _("The file is larger than %(mb)d MB.") % {"mb": MAX_BYTES // (1024 * 1024)}
        )
    path, sha = _store(data)
    imp = ResponseImport(
        survey=survey,
        file_name=Path(file_name).name[:255] or "upload.csv",
        stored_path=str(path),
        size=len(data),
        sha256=sha,
        encoding=encoding if encoding in ENCODINGS else "auto",
        policy=ImportPolicy(policy),
        created_by=actor,
    )
    try:
        result = plan(survey=survey, user=actor, data=data, encoding=imp.encoding, now=now)
    except FileProblem as exc:
        imp.status = ImportStatus.REJECTED
        imp.message = _("The file cannot be imported; nothing was imported.")
        imp.finished_at = now or timezone.now()
        imp.errors_total = len(exc.problems)
        record_create(actor=actor, obj=imp)
        _keep_errors(imp, [(1, column, reason) for column, reason in exc.problems])
        return imp
    for name, value in _counts(result).items():
        setattr(imp, name, value)
    record_create(actor=actor, obj=imp)
    _keep_errors(imp, result.errors)
    return imp


@transaction.atomic
def response_import_run(
    *, actor: User | None, response_import: ResponseImport, now: dt.datetime | None = None
) -> ResponseImport:
    """Check the kept file again and import it under the import's error policy."""
    imp = (
        ResponseImport.objects.select_for_update()
        .select_related("survey")
        .get(pk=response_import.pk)
    )
    if imp.status != ImportStatus.PENDING:
        raise SqmsError(_("This import has already been run."))
    now = now or timezone.now()
    survey = imp.survey
    try:
        if survey.status != SurveyStatus.ACTIVE:
            raise FileProblem([("", _("Responses can be imported only into an active survey."))])
        try:
            data = Path(imp.stored_path).read_bytes()
        except OSError:
            raise FileProblem([("", _("The uploaded file is no longer available."))]) from None
        result = plan(survey=survey, user=actor, data=data, encoding=imp.encoding, now=now)
    except FileProblem as exc:
        record_update(
            actor=actor,
            obj=imp,
            fields={
                "status": ImportStatus.REJECTED,
                "message": _("The file cannot be imported; nothing was imported."),
                "finished_at": now,
                "errors_total": len(exc.problems),
            },
        )
        _keep_errors(imp, [(1, column, reason) for column, reason in exc.problems])
        return imp
    fields = _counts(result)
    _keep_errors(imp, result.errors)
    if result.errors and imp.policy == ImportPolicy.REJECT_ALL:
        fields |= {
            "status": ImportStatus.REJECTED,
            "message": _(
                "%(n)d rows have errors, so the whole file was rejected; nothing was imported."
            )
            % {"n": result.failed},
            "finished_at": now,
        }
        return record_update(actor=actor, obj=imp, fields=fields)
    try:
        with transaction.atomic():
            created = _write(actor=actor, imp=imp, rows=result.good)
    except IntegrityError:
        raise SqmsError(
            _("Another import stored some of these responses at the same time. Run it again.")
        ) from None
    fields |= {
        "status": ImportStatus.DONE,
        "rows_created": created,
        "message": _("%(n)d responses imported.") % {"n": created},
        "finished_at": now,
    }
    return record_update(actor=actor, obj=imp, fields=fields)


def _write(*, actor: User | None, imp: ResponseImport, rows: Sequence[Row]) -> int:
    created = 0
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        responses = [
            Response(
                survey_id=imp.survey_id,
                external_id=r.external_id,
                submitted_at=r.submitted_at,
                service_id=r.service_id,
                site_id=r.site_id,
                channel=r.channel,
                language=r.language,
            )
            for r in chunk
        ]
        Response.objects.bulk_create(responses)
        answers: list[Answer] = []
        for response, r in zip(responses, chunk, strict=True):
            for answer in r.answers:
                answer.response = response
                answers.append(answer)
        Answer.objects.bulk_create(answers, batch_size=BATCH)
        audit_record_many(
            actor=actor,
            entries=[
                PendingEntry(
                    action=AuditAction.CREATE,
                    obj=response,
                    changes={
                        "survey": [None, imp.survey_id],
                        "external_id": [None, response.external_id],
                        "import": [None, imp.pk],
                        "answers": [None, len(r.answers)],
                    },
                    reason=f"import {imp.pk}: {imp.file_name}",
                )
                for response, r in zip(responses, chunk, strict=True)
            ],
        )
        created += len(responses)
    return created


def report_rows(response_import: ResponseImport) -> Iterator[list[Any]]:
    for e in response_import.errors.order_by("row", "pk").iterator(chunk_size=2_000):
        yield [e.row, e.column, e.reason]
