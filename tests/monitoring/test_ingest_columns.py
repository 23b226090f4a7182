"""The column path of CSV validation gives exactly what the row path gives: values for good rows,
the same messages for bad ones."""

from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from sqms.monitoring.ingest import Lookups, RawRow, RowValidator
from sqms.monitoring.ingest_columns import ColumnValidator, RecordColumns
from sqms.monitoring.timeparse import MISSING, parse_plain

COLUMNS = [
    "external_id", "service", "site", "team", "channel", "agent", "received_at",
    "first_response_at", "resolved_at", "handle_seconds", "resolved_first_contact", "category",
    "queued", "answered",
]  # fmt: skip
LOOKUPS = Lookups(
    services={"SV": 1, "SV2": 2},
    sites={"S1": 11, "S2": 12},
    teams={"T1": (21, 11), "T2": (22, 12)},
    agents={"E1": 31, "E2": 32},
)
TIMES = [
    "2026-03-02 09:00:00", "2026-03-02T09:15", "2026-03-02", "2026-03-02 09:00:00.5",
    "2026/03/02 09:20", "2026.03.02 09:20:01", "2026-02-30 09:00", "2026-03-02 24:00",
    "2026-03-02T09:00:00+00:00", "2026-03-08 02:30:00", "garbage", "", " 2026-03-02 10:00 ",
    "0000-01-01", "2026-03-02 09:00:00.1234567",
]  # fmt: skip
CELLS = {
    "external_id": ["", "X", " Y ", "Z" * 101, "dup"],
    "service": ["SV", "SV2", "", "nope"],
    "site": ["S1", "S2", "", "S9"],
    "team": ["", "T1", "T2", "T9"],
    "channel": ["", "phone", "CHAT", "fax"],
    "agent": ["", "E1", "E9"],
    "handle_seconds": ["", "30", "12.5", "-3", "1:30", "1,200", "nan", "abc", "0.", ".5"],
    "resolved_first_contact": ["", "Y", "n", "예", "아니오", "maybe", " TRUE "],
    "category": ["", "문의", "x" * 101, "민원"],
    "queued": ["", "2026-03-02 09:00:01", 'say "hi"', "back\\slash", "tab\there", "  "],
    "answered": ["", "2026-03-02 09:00:30", "%s %d", "\x00nul"],
}


def _validator(zone: str = "Asia/Seoul") -> RowValidator:
    return RowValidator(
        columns=COLUMNS,
        mapping={"extra.queued_at": "queued", "extra.answered_at": "answered"},
        lookups=LOOKUPS,
        time_zone=zone,
    )


def _random_rows(n: int, seed: int) -> list[RawRow]:
    rnd = random.Random(seed)
    rows = []
    for number in range(2, n + 2):
        cells = []
        for name in COLUMNS:
            if name in ("received_at", "first_response_at", "resolved_at"):
                cells.append(rnd.choice(TIMES))
            else:
                cells.append(rnd.choice(CELLS[name]))
        if rnd.random() < 0.6:  # most rows plainly good, as in real exports
            good = [f"ID{number}", "SV", "S1", rnd.choice(["", "T1"]), "phone"]
            cells[:5] = good
            cells[5:12] = ["E1", "2026-03-02 09:00:00", "", "2026-03-02 10:00", "30", "Y", ""]
            cells[rnd.randrange(12)] = rnd.choice(["", "2026-03-02 09:30", "T2", "12.5"])
        if rnd.random() < 0.05:
            cells = cells[: rnd.randrange(len(cells))]  # a short row
        rows.append(RawRow(number, cells))
    return rows


@pytest.mark.parametrize("zone", ["Asia/Seoul", "America/New_York"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_column_path_agrees_with_the_row_path(zone, seed):
    rows = _random_rows(1500, seed)
    row_validator = _validator(zone)
    expected_good, expected_problems = [], []
    numbers = []
    for raw in rows:
        clean, errors = row_validator.clean(raw.cells)
        if clean is None:
            expected_problems += [(raw.number, c, r) for c, r in errors]
        else:
            expected_good.append(clean)
            numbers.append(raw.number)
    expected = RecordColumns.from_rows(expected_good, numbers)

    got, problems = ColumnValidator(_validator(zone), text_cells=True).clean_block(rows)

    assert problems == expected_problems
    assert len(got) == len(expected) > 100
    for name in RecordColumns.__dataclass_fields__:
        a, b = getattr(got, name), getattr(expected, name)
        if isinstance(a, list):
            assert a == b, name
        else:
            np.testing.assert_array_equal(a, b, err_msg=name)


def test_a_block_without_the_column_path_still_validates_row_by_row():
    rows = _random_rows(200, 9)
    fast, fast_problems = ColumnValidator(_validator(), text_cells=True).clean_block(rows)
    slow, slow_problems = ColumnValidator(_validator(), text_cells=False).clean_block(rows)
    assert fast_problems == slow_problems
    assert fast.external_id == slow.external_id
    np.testing.assert_array_equal(fast.received_us, slow.received_us)


@pytest.mark.parametrize(
    "zone", ["Asia/Seoul", "America/New_York", "Europe/London", "Australia/Lord_Howe"]
)
def test_wall_clock_text_becomes_the_instant_python_reads(zone):
    tz = ZoneInfo(zone)
    rnd = random.Random(zone)
    start = dt.datetime(2025, 1, 1)
    values = [
        (start + dt.timedelta(seconds=rnd.randrange(2 * 365 * 86400))).isoformat(sep=" ")
        for _ in range(5000)
    ]
    values += ["2026-03-08 02:30:00", "2026-11-01 01:30:00", "2026/03/02 10:00", ""]
    micros, plain = parse_plain(values, zone)
    for value, us, ok in zip(values, micros.tolist(), plain.tolist(), strict=True):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            assert not ok
            assert us == MISSING
            continue
        want = moment.replace(tzinfo=tz).astimezone(dt.UTC)
        assert ok
        assert us == (want - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(
            microseconds=1
        ), value
