"""Reading import files row by row and validating each row into a clean tuple.

Nothing here writes to the database. Files are streamed: CSV through a text wrapper over the
binary file, XLSX through python-calamine's row iterator, NDJSON line by line. Row numbers are
those a spreadsheet shows (the header is row 1); NDJSON lines count from 1.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import io
import json
import math
import re
import zoneinfo
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sqms.core.exceptions import SqmsError
from sqms.org.models import Channel

TARGETS: tuple[str, ...] = (
    "external_id",
    "service",
    "site",
    "team",
    "channel",
    "agent",
    "received_at",
    "first_response_at",
    "resolved_at",
    "handle_seconds",
    "resolved_first_contact",
    "category",
)
REQUIRED: tuple[str, ...] = ("external_id", "service", "site", "received_at")
TARGET_LABELS = {
    "external_id": gettext_lazy("External id"),
    "service": gettext_lazy("Service code"),
    "site": gettext_lazy("Site code"),
    "team": gettext_lazy("Team code"),
    "channel": gettext_lazy("Channel"),
    "agent": gettext_lazy("Agent's employee number"),
    "received_at": gettext_lazy("Received"),
    "first_response_at": gettext_lazy("First response"),
    "resolved_at": gettext_lazy("Resolved at"),
    "handle_seconds": gettext_lazy("Handling time (s)"),
    "resolved_first_contact": gettext_lazy("Resolved at first contact"),
    "category": gettext_lazy("Category"),
}
ENCODINGS: tuple[str, ...] = ("auto", "utf-8", "cp949")
MAX_LINE = 1_000_000
HEAD_BYTES = 65_536
_TRUE = {"true", "1", "예", "yes", "y", "t", "o"}
_FALSE = {"false", "0", "아니오", "아니요", "no", "n", "f", "x"}
_DATE_FORMATS = (
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y.%m.%d %H:%M:%S",
    "%Y.%m.%d %H:%M",
    "%Y/%m/%d",
    "%Y.%m.%d",
)
_HMS = re.compile(r"^(\d+):([0-5]?\d)(?::([0-5]?\d(?:\.\d+)?))?$")


def repeated_id(external_id: str, first_row: int) -> str:
    """The error of a good row whose external id an earlier good row of the file holds."""
    return _("External id “%(id)s” is repeated; it was first seen on row %(row)s.") % {
        "id": external_id,
        "row": first_row,
    }


class FileProblem(SqmsError):
    """The file as a whole cannot be read: nothing in it is imported."""

    def __init__(self, reason: str, *, row: int = 0, column: str = "") -> None:
        super().__init__(reason)
        self.reason, self.row, self.column = reason, row, column


class RawRow(NamedTuple):  # a tuple: a million of them are made per large import
    number: int
    cells: list[Any] | None
    problem: str = ""


@dataclass
class RowStream:
    columns: list[str]
    rows: Iterator[RawRow]
    progress: Callable[[], float]
    encoding: str = ""


def sniff_format(path: Path, name: str) -> str:
    with path.open("rb") as f:
        magic = f.read(4)
    if magic == b"PK\x03\x04":
        return "xlsx"
    lowered = name.lower()
    if lowered.endswith((".ndjson", ".jsonl")):
        return "ndjson"
    return "csv"


def detect_encoding(head: bytes, choice: str = "auto") -> str:
    if choice not in ("", "auto"):
        return "utf-8-sig" if choice.lower().replace("_", "-") in ("utf-8", "utf8") else "cp949"
    if b"\x00" in head:
        raise FileProblem(_("The file is not a text export: it contains binary data."))
    for encoding in ("utf-8-sig", "cp949"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
        return encoding
    raise FileProblem(
        _(
            "The file is neither UTF-8 nor CP949 (EUC-KR) text. Choose its encoding or "
            "export it again as CSV."
        )
    )


def encoding_label(encoding: str) -> str:
    return "UTF-8" if encoding.startswith("utf") else "CP949"


@contextlib.contextmanager
def open_rows(path: Path, *, fmt: str, encoding: str = "auto") -> Iterator[RowStream]:
    if fmt == "xlsx":
        yield _xlsx_rows(path)
        return
    size = max(path.stat().st_size, 1)
    with path.open("rb") as binary:
        head = binary.read(HEAD_BYTES)
        binary.seek(0)
        if fmt == "ndjson":
            yield _ndjson_rows(binary, size)
            return
        chosen = detect_encoding(head, encoding)
        text = io.TextIOWrapper(binary, encoding=chosen, errors="strict", newline="")
        try:
            yield _csv_rows(text, binary, size, chosen)
        finally:
            text.detach()


def _lines(text: io.TextIOWrapper, where: Callable[[], int], encoding: str) -> Iterator[str]:
    while True:
        try:
            line = text.readline(MAX_LINE)
        except UnicodeDecodeError:
            raise FileProblem(
                _("The file cannot be read as %(encoding)s after row %(row)s.")
                % {"encoding": encoding_label(encoding), "row": where()},
                row=where() + 1,
            ) from None
        if not line:
            return
        if len(line) >= MAX_LINE and not line.endswith(("\n", "\r")):
            raise FileProblem(
                _("Row %(row)s is longer than %(n)s characters: this is not a CSV export.")
                % {"row": where() + 1, "n": MAX_LINE},
                row=where() + 1,
            )
        yield line


def _csv_rows(text: io.TextIOWrapper, binary: Any, size: int, encoding: str) -> RowStream:
    counter = [1]
    lines = _lines(text, lambda: counter[0], encoding)
    first = next(lines, "")
    if not first.strip():
        raise FileProblem(_("The file is empty."), row=1)
    delimiter = max((",", ";", "\t"), key=first.count)
    header_reader = csv.reader([first], delimiter=delimiter)
    try:
        columns = [c.strip() for c in next(header_reader)]
    except csv.Error as exc:
        raise FileProblem(str(exc), row=1) from None

    def rows() -> Iterator[RawRow]:
        reader = csv.reader(lines, delimiter=delimiter)
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise FileProblem(
                    _("Row %(row)s cannot be read: %(reason)s")
                    % {"row": counter[0] + 1, "reason": exc},
                    row=counter[0] + 1,
                ) from None
            counter[0] += 1
            if cells and (cells[0].strip() or any(c.strip() for c in cells)):
                yield RawRow(counter[0], cells)

    return RowStream(columns, rows(), lambda: min(binary.tell() / size, 1.0), encoding)


def _xlsx_rows(path: Path) -> RowStream:
    try:
        from python_calamine import CalamineWorkbook

        workbook = CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0)
        height = max(int(sheet.height), 1)
        iterator = iter(sheet.iter_rows())
        header = next(iterator, None)
    except Exception as exc:  # calamine raises several error types for broken files
        raise FileProblem(
            _("The spreadsheet cannot be read: %(reason)s") % {"reason": exc}
        ) from None
    if not header:
        raise FileProblem(_("The file is empty."), row=1)
    columns = ["" if c is None else str(c).strip() for c in header]
    counter = [1]

    def rows() -> Iterator[RawRow]:
        for cells in iterator:
            counter[0] += 1
            if any(c not in (None, "") for c in cells):
                yield RawRow(counter[0], list(cells))

    return RowStream(columns, rows(), lambda: min(counter[0] / height, 1.0), "")


def _ndjson_rows(binary: Any, size: int) -> RowStream:
    columns = [*TARGETS, "extra"]

    def rows() -> Iterator[RawRow]:
        number = 0
        while True:
            line = binary.readline(MAX_LINE)
            if not line:
                return
            number += 1
            if not line.strip():
                continue
            try:
                if len(line) >= MAX_LINE and not line.endswith(b"\n"):
                    raise ValueError
                item = json.loads(line)
            except (ValueError, UnicodeDecodeError):
                yield RawRow(number, None, _("This line is not valid JSON."))
                continue
            if not isinstance(item, dict):
                yield RawRow(number, None, _("Each record must be a JSON object."))
                continue
            yield RawRow(number, [item.get(c) for c in columns])

    return RowStream(columns, rows(), lambda: min(binary.tell() / size, 1.0), "utf-8")


# --- validation -----------------------------------------------------------------------------


@dataclass
class Lookups:
    """Codes to ids, loaded once per import."""

    services: dict[str, int] = field(default_factory=dict)
    sites: dict[str, int] = field(default_factory=dict)
    teams: dict[str, tuple[int, int]] = field(default_factory=dict)
    agents: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class CleanRow:
    external_id: str
    service_id: int
    site_id: int
    team_id: int | None
    channel: str
    agent_id: int | None
    received_at: dt.datetime
    first_response_at: dt.datetime | None
    resolved_at: dt.datetime | None
    handle_seconds: float | None
    resolved_first_contact: bool | None
    category: str
    extra: str


RowErrors = list[tuple[str, str]]


def _UNSTORABLE() -> str:
    return _("The text contains characters that cannot be stored.")


def _unstorable(text: str) -> bool:
    """NUL and lone surrogates: PostgreSQL stores neither."""
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


class RowValidator:
    def __init__(
        self, *, columns: list[str], mapping: Mapping[str, str], lookups: Lookups, time_zone: str
    ) -> None:
        folded = {c.strip().casefold(): i for i, c in enumerate(columns) if c}
        self.columns = columns
        self.index: dict[str, int] = {}
        self.names: dict[str, str] = {}
        self.extra: dict[str, int] = {}
        missing: list[str] = []
        labelled: list[str] = []
        for target in TARGETS:
            wanted = str(mapping.get(target) or target)
            i = folded.get(wanted.strip().casefold())
            if i is None:
                if target in REQUIRED:
                    missing.append(wanted)
                    labelled.append(f"{TARGET_LABELS[target]} “{wanted}”")
                continue
            self.index[target], self.names[target] = i, columns[i]
        for key, column in mapping.items():
            if key.startswith("extra.") and (i := folded.get(str(column).casefold())) is not None:
                self.extra[key.removeprefix("extra.")] = i
        if "extra" in folded and "extra" not in self.extra:
            self.extra["*"] = folded["extra"]
        if missing:
            raise FileProblem(
                _(
                    "Required columns are missing: %(columns)s. The file has: %(found)s. "
                    "Choose the file's column for each in the source's column mapping."
                )
                % {"columns": ", ".join(labelled), "found": ", ".join(columns) or "-"},
                row=1,
                column=", ".join(missing),
            )
        self.lookups = lookups
        self.tz = zoneinfo.ZoneInfo(time_zone)
        self.channels = set(Channel.values)

    def column_of(self, target: str) -> str:
        return self.names.get(target, target)

    def _cell(self, cells: list[Any], target: str) -> Any:
        i = self.index.get(target)
        if i is None or i >= len(cells):
            return None
        value = cells[i]
        return value.strip() if isinstance(value, str) else value

    def _when(self, value: Any) -> dt.datetime | None:
        if value in (None, ""):
            return None
        if isinstance(value, dt.datetime):
            moment = value
        elif isinstance(value, dt.date):
            moment = dt.datetime.combine(value, dt.time())
        else:
            text = str(value).strip()
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

    @staticmethod
    def _seconds(value: Any) -> float | None:
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            raise ValueError
        if isinstance(value, dt.timedelta):
            number = value.total_seconds()
        elif isinstance(value, dt.time):
            number = value.hour * 3600 + value.minute * 60 + value.second
        elif isinstance(value, int | float):
            number = float(value)
        elif (m := _HMS.match(str(value))) is not None:
            if m[3] is None:  # mm:ss
                number = int(m[1]) * 60 + float(m[2])
            else:  # hh:mm:ss
                number = int(m[1]) * 3600 + int(m[2]) * 60 + float(m[3])
        else:
            number = float(str(value).replace(",", ""))
        if not math.isfinite(number):
            raise ValueError
        return number

    @staticmethod
    def _flag(value: Any) -> bool | None:
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return value
        key = _text(value).casefold()
        if key in _TRUE:
            return True
        if key in _FALSE:
            return False
        raise ValueError

    def clean(self, cells: list[Any]) -> tuple[CleanRow | None, RowErrors]:
        errors: RowErrors = []
        col = self.column_of
        for target, i in self.index.items():
            if i < len(cells) and isinstance(cells[i], str) and _unstorable(cells[i]):
                errors.append(
                    (col(target), _("The text contains characters that cannot be stored."))
                )
        if errors:
            return None, errors

        def need(target: str) -> str:
            text = _text(self._cell(cells, target))
            if not text:
                errors.append((col(target), _("A value is required.")))
            return text

        external_id = need("external_id")
        if len(external_id) > 100:
            errors.append((col("external_id"), _("At most 100 characters.")))
        codes = {t: need(t) for t in ("service", "site")}
        service_id = self.lookups.services.get(codes["service"])
        if codes["service"] and service_id is None:
            errors.append((col("service"), _("Unknown service code “%s”.") % codes["service"]))
        site_id = self.lookups.sites.get(codes["site"])
        if codes["site"] and site_id is None:
            errors.append((col("site"), _("Unknown site code “%s”.") % codes["site"]))
        team_id: int | None = None
        if team_code := _text(self._cell(cells, "team")):
            team = self.lookups.teams.get(team_code)
            if team is None:
                errors.append((col("team"), _("Unknown team code “%s”.") % team_code))
            elif site_id is not None and team[1] != site_id:
                errors.append((col("team"), _("This team belongs to another site.")))
            else:
                team_id = team[0]
        agent_id: int | None = None
        if agent_no := _text(self._cell(cells, "agent")):
            agent_id = self.lookups.agents.get(agent_no)
            if agent_id is None:
                errors.append((col("agent"), _("Unknown employee number “%s”.") % agent_no))
        channel = _text(self._cell(cells, "channel")).lower()
        if channel and channel not in self.channels:
            errors.append(
                (
                    col("channel"),
                    _("Unknown channel “%(value)s”; use one of %(choices)s.")
                    % {"value": channel, "choices": ", ".join(sorted(self.channels))},
                )
            )
        moments: dict[str, dt.datetime | None] = {}
        for target in ("received_at", "first_response_at", "resolved_at"):
            raw = self._cell(cells, target)
            try:
                moments[target] = self._when(raw)
            except (ValueError, OverflowError):
                moments[target] = None
                errors.append((col(target), _("“%s” is not a date and time.") % _text(raw)[:100]))
        received = moments["received_at"]
        if received is None and not any(c == col("received_at") for c, _r in errors):
            errors.append((col("received_at"), _("A value is required.")))
        for target in ("first_response_at", "resolved_at"):
            later = moments[target]
            if received is not None and later is not None and later < received:
                errors.append(
                    (col(target), _("This time is before the time received: negative duration."))
                )
        handle: float | None = None
        try:
            handle = self._seconds(self._cell(cells, "handle_seconds"))
        except (ValueError, OverflowError):
            errors.append((col("handle_seconds"), _("Not a number of seconds.")))
        if handle is not None and handle < 0:
            errors.append((col("handle_seconds"), _("A duration cannot be negative.")))
        flag: bool | None = None
        try:
            flag = self._flag(self._cell(cells, "resolved_first_contact"))
        except ValueError:
            errors.append((col("resolved_first_contact"), _("Not a yes/no value.")))
        category = _text(self._cell(cells, "category"))
        if len(category) > 100:
            errors.append((col("category"), _("At most 100 characters.")))
        extra: dict[str, Any] = {}
        for name, i in self.extra.items():
            value = cells[i] if i < len(cells) else None
            if name == "*":
                if isinstance(value, dict):
                    extra.update({str(k): v for k, v in value.items()})
                elif value not in (None, ""):
                    errors.append(("extra", _("Must be a JSON object.")))
            elif value not in (None, ""):
                extra[name] = value if isinstance(value, int | float | bool) else _text(value)
        try:
            extra_json = json.dumps(extra, sort_keys=True, ensure_ascii=False, default=str)
        except ValueError:
            errors.append(("extra", _("Must be a JSON object.")))
            extra_json = "{}"
        if _unstorable(extra_json) or "\\u0000" in extra_json:
            errors.append(("extra", _UNSTORABLE()))
        if errors or service_id is None or site_id is None or received is None:
            return None, errors
        return CleanRow(
            external_id,
            service_id,
            site_id,
            team_id,
            channel,
            agent_id,
            received,
            moments["first_response_at"],
            moments["resolved_at"],
            handle,
            flag,
            category,
            extra_json,
        ), []
