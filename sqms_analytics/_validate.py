"""Shared input checks for array arguments; each error names the first bad element."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sqms_analytics.errors import InputError

FloatArray = NDArray[np.float64]


def first(mask: NDArray[np.bool_] | np.bool_) -> int:
    return int(np.argmax(mask))


def as_float_1d(values: ArrayLike, field: str, *, allow_nan: bool = False) -> FloatArray:
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError("not_numeric", field=field) from None
    if arr.ndim != 1:
        raise InputError("not_one_dimensional", field=field)
    if arr.size == 0:
        raise InputError("empty", field=field)
    finite = np.isfinite(arr)
    if not finite.all():
        bad = ~finite if not allow_nan else np.isinf(arr)
        if bad.any():
            i = first(bad)
            code = "not_finite" if not np.isnan(arr[i]) else "missing_value"
            raise InputError(code, index=i, field=field, value=str(arr[i]))
    return arr


def as_float_2d(values: ArrayLike, field: str) -> FloatArray:
    """Subgroups as rows; NaN pads rows of a ragged (variable-size) data set."""
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError("not_numeric", field=field) from None
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise InputError("not_two_dimensional", field=field)
    if arr.size == 0:
        raise InputError("empty", field=field)
    if np.isinf(arr).any():
        i = first(np.isinf(arr).any(axis=1))
        raise InputError("not_finite", index=i, field=field, value="inf")
    return arr


def check_nonnegative(arr: FloatArray, field: str) -> None:
    neg = arr < 0
    if neg.any():
        i = first(neg)
        raise InputError("negative", index=i, field=field, value=fmt_value(arr[i]))


def check_positive(arr: FloatArray, field: str) -> None:
    bad = arr <= 0
    if bad.any():
        i = first(bad)
        code = "zero_size" if arr[i] == 0 else "negative"
        raise InputError(code, index=i, field=field, value=fmt_value(arr[i]))


def check_integer(arr: FloatArray, field: str) -> None:
    bad = arr != np.floor(arr)
    if bad.any():
        i = first(bad)
        raise InputError("not_integer", index=i, field=field, value=fmt_value(arr[i]))


def check_same_length(a: FloatArray, b: FloatArray, field_a: str, field_b: str) -> None:
    if a.shape[0] != b.shape[0]:
        raise InputError(
            "length_mismatch",
            field=field_b,
            first=field_a,
            second=field_b,
            n_first=a.shape[0],
            n_second=b.shape[0],
        )


def fmt_value(v: float | np.floating) -> str:
    f = float(v)
    return str(int(f)) if f.is_integer() else repr(f)
