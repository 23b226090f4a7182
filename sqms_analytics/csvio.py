"""Reading spreadsheet exports (CSV) with errors that name the row and the column.

Row numbers are those a spreadsheet shows: the header is row 1, the first data
row is row 2. Files may be UTF-8 (with or without the BOM Excel writes) or CP949,
what Korean Excel writes by default; the delimiter may be a comma, semicolon or tab.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from sqms_analytics.errors import InputError

FloatArray = NDArray[np.float64]

_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
_TRUE = {"true", "1", "예", "yes", "y", "t"}
_FALSE = {"false", "0", "아니오", "아니요", "no", "n", "f"}


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    row_numbers: tuple[int, ...]  # spreadsheet row of each data row

    def __len__(self) -> int:
        return len(self.rows)

    def index_of(self, name: str) -> int:
        if name in self.columns:
            return self.columns.index(name)
        folded = [c.strip().casefold() for c in self.columns]
        key = name.strip().casefold()
        if key in folded:
            return folded.index(key)
        raise InputError("missing_column", name=name, available=", ".join(self.columns))

    def name_of(self, name: str) -> str:
        return self.columns[self.index_of(name)]

    def text(self, name: str) -> list[str]:
        """The cells of a column, as written (surrounding blanks removed)."""
        j = self.index_of(name)
        return [row[j].strip() if j < len(row) else "" for row in self.rows]

    def numbers(self, name: str, *, allow_missing: bool = False) -> FloatArray:
        """A numeric column; empty cells are NaN if ``allow_missing``, else an error."""
        column = self.name_of(name)
        cells = self.text(name)
        out = np.empty(len(cells), dtype=np.float64)
        for i, cell in enumerate(cells):
            if cell == "":
                if not allow_missing:
                    raise InputError("missing_value", row=self.row_numbers[i], column=column)
                out[i] = np.nan
                continue
            value = parse_number(cell)
            if value is None:
                raise InputError("not_numeric", row=self.row_numbers[i], column=column, value=cell)
            out[i] = value
        if allow_missing and np.isnan(out).all():
            raise InputError("empty", column=column)
        return out

    def flags(self, name: str) -> NDArray[np.bool_]:
        """A yes/no column: TRUE/FALSE, true/false, 1/0, yes/no, 예/아니오."""
        column = self.name_of(name)
        out = np.empty(len(self.rows), dtype=bool)
        for i, cell in enumerate(self.text(name)):
            key = cell.casefold()
            if key in _TRUE:
                out[i] = True
            elif key in _FALSE:
                out[i] = False
            else:
                raise InputError("bad_flag", row=self.row_numbers[i], column=column, value=cell)
        return out


def parse_number(cell: str) -> float | None:
    text = cell.strip()
    if _THOUSANDS.match(text):
        text = text.replace(",", "")
    try:
        value = float(text)
    except ValueError:
        return None
    if value != value or value in (float("inf"), float("-inf")):
        return None  # "nan" and "inf" are words, not measurements
    return value


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "cp949"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputError("csv_unreadable", reason="encoding (UTF-8 or CP949 expected)")


def parse_csv(text: str) -> Table:
    sample = text[:8192]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = next(reader, None)
        if header is None:
            raise InputError("csv_no_rows")
        columns = tuple(h.strip() for h in header)
        rows: list[tuple[str, ...]] = []
        numbers: list[int] = []
        for record in reader:
            if not any(cell.strip() for cell in record):
                continue  # blank line
            rows.append(tuple(record))
            numbers.append(reader.line_num)
    except csv.Error as exc:
        raise InputError("csv_unreadable", row=reader.line_num, reason=str(exc)) from None
    if not rows:
        raise InputError("csv_no_rows")
    return Table(columns, tuple(rows), tuple(numbers))


def read_csv(path: str | Path) -> Table:
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise InputError("file_not_found", path=str(p)) from None
    except OSError as exc:
        raise InputError("csv_unreadable", reason=exc.strerror or str(exc)) from None
    return parse_csv(_decode(raw))


def locate(
    error: InputError,
    rows: Sequence[int],
    columns: Mapping[str, str],
) -> InputError:
    """Give an array-level error (``index``, ``field``) its spreadsheet row and column.

    ``rows[i]`` is the row of array element i; ``columns`` maps a field name to the
    column it came from.
    """
    if error.row is None and error.index is not None and 0 <= error.index < len(rows):
        error.row = rows[error.index]
    if error.column is None and error.field is not None and error.field in columns:
        error.column = columns[error.field]
    return error


__all__ = ["Table", "locate", "parse_csv", "parse_number", "read_csv"]
