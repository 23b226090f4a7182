"""Whole columns of wall-clock text to UTC instants, in NumPy.

Exports carry timestamps as local text ("2026-03-02 09:15:00"). Parsing them one by one with
`datetime` costs about a microsecond each, which for a million records and five timestamp
columns is most of an import. Here a column is checked against the one plain ISO shape with a
single regular-expression pass over the joined text, parsed by NumPy, and moved from the local
zone to UTC with one offset lookup per distinct quarter hour. Anything outside the plain shape
(an offset, a slash, a dot) is left to the caller's per-value parser, so both agree on what a
value means.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

# The plain shape, position by position: YYYY-MM-DD, then optionally a space or T with hh:mm,
# optionally :ss, optionally a fraction of one to six digits. Ranges (month 13, 30 February,
# hour 24, second 60) are left to NumPy's parser, which refuses them as `fromisoformat` does.
_LENGTHS = np.array([10, 16, 19, 21, 22, 23, 24, 25, 26])
_FIXED = {4: "-", 7: "-", 10: " T", 13: ":", 16: ":", 19: "."}
_EPOCH_NAIVE = dt.datetime(1970, 1, 1)
_QUARTER_US = 15 * 60 * 1_000_000
_DAY_QUARTERS = 96
_ZERO = dt.timedelta(0)
_MICROSECOND = dt.timedelta(microseconds=1)
MISSING = np.iinfo(np.int64).min


def plain_mask(values: Sequence[str]) -> NDArray[np.bool_]:
    """True where a value has the plain ISO shape, which NumPy reads as `fromisoformat` does."""
    n = len(values)
    if n == 0:
        return np.zeros(0, dtype=np.bool_)
    text = np.array(values, dtype=np.str_)
    width = text.dtype.itemsize // 4
    if width < 10:
        return np.zeros(n, dtype=np.bool_)
    matrix = text.view(np.uint32).reshape(n, width)
    codes = matrix[:, : min(width, 26)]
    length = np.count_nonzero(matrix, axis=1)
    ok = np.isin(length, _LENGTHS)
    if ok.any():
        ok &= codes[:, 0] != ord("0")  # year 0 exists for NumPy, not for Python
        for p in range(codes.shape[1]):
            column = codes[:, p]
            if p in _FIXED:
                fits = column == ord(_FIXED[p][0])
                for other in _FIXED[p][1:]:
                    fits |= column == ord(other)
            else:
                fits = (column - ord("0")) <= 9  # unsigned: below "0" wraps round
            ok &= (length <= p) | fits
    return ok


def offset_stretches(first: int, last: int, tz: dt.tzinfo) -> tuple[list[int], list[int]]:
    """The zone's UTC offset (microseconds) over local quarter hours `first`..`last` (counted
    from 1970-01-01 00:00 local), as the quarters where each stretch of one offset starts.

    The offset is read once a day; where two days differ, the quarter hour of the change is
    found (offsets change on a quarter hour at the finest, and never twice in one day)."""

    def offset(q: int) -> int:
        moment = _EPOCH_NAIVE + dt.timedelta(microseconds=q * _QUARTER_US)
        return (tz.utcoffset(moment) or _ZERO) // _MICROSECOND

    starts, offsets = [first], [offset(first)]
    previous = first
    for day in range(first + _DAY_QUARTERS, last + _DAY_QUARTERS, _DAY_QUARTERS):
        if offset(day) != offsets[-1]:
            q = next(q for q in range(previous + 1, day + 1) if offset(q) != offsets[-1])
            starts.append(q)
            offsets.append(offset(q))
        previous = day
    return starts, offsets


def local_to_utc_us(local_us: NDArray[np.int64], tz: dt.tzinfo) -> NDArray[np.int64]:
    """Naive local microseconds to UTC microseconds, as `replace(tzinfo=tz)` then `astimezone`
    would (fold 0): each value takes the offset of its stretch (`offset_stretches`)."""
    if local_us.size == 0 or tz is dt.UTC:
        return local_us.copy()
    quarter = local_us // _QUARTER_US
    starts, offsets = offset_stretches(int(quarter.min()), int(quarter.max()), tz)
    stretch = np.searchsorted(np.array(starts), quarter, side="right") - 1
    result: NDArray[np.int64] = local_us - np.array(offsets, dtype=np.int64)[stretch]
    return result


def parse_plain(
    values: Sequence[str], tz: dt.tzinfo | str
) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """UTC epoch microseconds of the plain-shaped values and where they were plain; other
    positions hold MISSING. A plain-shaped value that is no date (30 February) is not plain."""
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    mask = plain_mask(values)
    out = np.full(len(values), MISSING, dtype=np.int64)
    if not mask.any():
        return out, mask
    picked = [v for v, ok in zip(values, mask, strict=True) if ok] if not mask.all() else values
    try:
        local = np.array(picked, dtype="datetime64[us]").astype(np.int64)
    except ValueError:  # an impossible date somewhere: find it value by value
        local = np.empty(len(picked), dtype=np.int64)
        positions = np.flatnonzero(mask)
        for k, v in enumerate(picked):
            try:
                local[k] = np.datetime64(v, "us").astype(np.int64)
            except ValueError:
                mask[positions[k]] = False
                local[k] = MISSING
        keep = local != MISSING
        local = local[keep]
    out[mask] = local_to_utc_us(local, zone)
    return out, mask
