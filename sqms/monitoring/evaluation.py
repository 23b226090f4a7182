"""Evaluation: metric values of a time range, column-wise, summed into rollup cells.

Everything here is set-based: one query fetches the columns a metric needs, NumPy turns them
into values, groups them by (grain period, segment) and sums each group; the rollup writer
replaces the touched cells in one transaction. The same code serves a whole history (a new
standard version), an import's touched periods and the periodic feedback pass.

Periods before a standard's first version are measured against version 1, so a standard
introduced today still shows the history behind it; every later period uses the version in
effect at its start.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import importlib
import importlib.util
import json
import math
import weakref
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from django.db import connection, transaction
from django.db.models import Max, Min
from django.utils import timezone
from numpy.typing import NDArray

from sqms.monitoring import series
from sqms.monitoring.models import Grain, RecordSource, ServiceRecord
from sqms.monitoring.timeparse import parse_plain
from sqms.standards.measurements import Measurements
from sqms.standards.models import (
    Aggregation,
    Comparison,
    Metric,
    MetricSource,
    Period,
    Segment,
    ServiceStandard,
    StandardVersion,
    Unit,
)
from sqms_analytics.sketch import GAMMA, LOG_GAMMA

UTC = dt.UTC
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
TABLE = ServiceRecord._meta.db_table
DATETIME_COLUMNS = {"received_at", "first_response_at", "resolved_at", "created_at", "updated_at"}
NUMBER_COLUMNS = {"handle_seconds"}
FLAG_COLUMNS = {"resolved_first_contact"}
TEXT_COLUMNS = {"category", "channel", "external_id"}
UNIT_SECONDS = {Unit.SECONDS: 1.0, Unit.MINUTES: 60.0, Unit.HOURS: 3600.0, Unit.DAYS: 86400.0}
TRUE_WORDS = {"1", "true", "t", "yes", "y", "o", "예", "네", "1.0"}
FALSE_WORDS = {"0", "false", "f", "no", "n", "x", "아니오", "아니요", "0.0"}
QUARTER_HOUR = 900
WINDOW_DAYS = 31
Ids = tuple[tuple[int, int], ...] | None  # inclusive ranges of record ids


# --- time helpers ---------------------------------------------------------------------------


def epoch(at: dt.datetime) -> float:
    return (at - EPOCH).total_seconds()


def from_epoch(seconds: float) -> dt.datetime:
    return EPOCH + dt.timedelta(seconds=float(seconds))


def _to_at(seconds: NDArray[np.float64]) -> NDArray[np.datetime64]:
    return (np.round(seconds * 1e6)).astype("int64").astype("datetime64[us]")


def _seconds_of(at: NDArray[np.datetime64]) -> NDArray[np.float64]:
    return at.astype("datetime64[us]").astype("int64").astype(np.float64) / 1e6


# --- values: record metrics -----------------------------------------------------------------


def _adapt(at: dt.datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(at)


def _select_expr(name: str, params: list[Any]) -> str:
    """The SQL of one field: epoch seconds for timestamps, the raw value otherwise."""
    pg = connection.vendor == "postgresql"
    if name in DATETIME_COLUMNS:
        return f"EXTRACT(EPOCH FROM {name})::float8" if pg else f"(julianday({name}) - 2440587.5)"
    if name in NUMBER_COLUMNS | FLAG_COLUMNS | TEXT_COLUMNS:
        return name
    if pg:
        params.append(name)
        return "extra->>%s"
    params.append(f'$."{name}"')
    return "json_extract(extra, %s)"


def _records_sql(
    select: str,
    *,
    service_id: int,
    start: dt.datetime | None,
    end: dt.datetime | None,
    params: list[Any],
    ids: Ids = None,
) -> str:
    """SELECT `select` over the service's records received in [start, end) (and with ids in
    the `ids` ranges when given); appends the parameters. On SQLite the (service, received_at)
    index finds the rows, and they are read in rowid order rather than index order: sequential
    table reads, several times faster on a long range."""
    where = ["service_id = %s"]
    params.append(service_id)
    if start is not None:
        where.append("received_at >= %s")
        params.append(_adapt(start))
    if end is not None:
        where.append("received_at < %s")
        params.append(_adapt(end))
    if ids is not None:
        where.append("(" + " OR ".join(["id BETWEEN %s AND %s"] * len(ids)) + ")" if ids else "0=1")
        params.extend(v for pair in ids for v in pair)
    if connection.vendor == "postgresql":
        return f"SELECT {select} FROM {TABLE} WHERE {' AND '.join(where)}"  # noqa: S608
    if ids is not None:
        # the rowid ranges find the rows; "+" keeps SQLite's planner, which has no statistics,
        # off the service index: that would walk every record of the service
        where[0] = "+service_id = %s"
        return f"SELECT {select} FROM {TABLE} WHERE {' AND '.join(where)}"  # noqa: S608
    found = " AND ".join(where)
    return f"SELECT {select} FROM {TABLE} WHERE id IN (SELECT id FROM {TABLE} WHERE {found})"  # noqa: S608


def _fetch_columns(
    *,
    service_id: int,
    start: dt.datetime | None,
    end: dt.datetime | None,
    fields: Sequence[str],
    ids: Ids = None,
) -> list[tuple[Any, ...]]:
    """One query: the segment columns and the metric's fields of the service's records (on
    SQLite followed by the record id)."""
    params: list[Any] = []
    pg = connection.vendor == "postgresql"
    at = "EXTRACT(EPOCH FROM received_at)::float8" if pg else "(julianday(received_at) - 2440587.5)"
    # NULL ids and channels arrive as 0 and "" so NumPy takes the columns without a loop
    exprs = [at, "COALESCE(site_id, 0)", "COALESCE(team_id, 0)", "COALESCE(channel, '')"]
    exprs += ["COALESCE(agent_id, 0)", "source_id"]
    exprs += [_select_expr(f, params) for f in fields]
    if not pg:
        exprs.append("id")  # restores the index order (`_in_index_order`)
    sql = _records_sql(
        ", ".join(exprs), service_id=service_id, start=start, end=end, params=params, ids=ids
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows: list[tuple[Any, ...]] = cursor.fetchall()
        return rows


def _reordered(values: Sequence[Any], order: NDArray[np.intp]) -> list[Any]:
    table = np.empty(len(values), dtype=object)
    table[:] = values
    out: list[Any] = table[order].tolist()
    return out


def _float_column(values: Sequence[Any]) -> NDArray[np.float64]:
    try:
        return np.array(values, dtype=np.float64)
    except (TypeError, ValueError):
        out = np.full(len(values), np.nan)
        for i, v in enumerate(values):
            with contextlib.suppress(TypeError, ValueError):
                out[i] = float(v)
        return out


def _flag_column(values: Sequence[Any]) -> NDArray[np.float64]:
    """Yes/no values as 1.0/0.0; anything unreadable is NaN (not measured)."""
    if isinstance(values, np.ndarray) and values.dtype.kind == "f":  # the concatenated read
        return values
    if all(v is None or isinstance(v, bool | int | float) for v in values):
        return np.array(values, dtype=np.float64)
    text = np.array(["" if v is None else str(v).strip().casefold() for v in values])
    uniq, inverse = np.unique(text, return_inverse=True)
    mapped = np.array(
        [1.0 if u in TRUE_WORDS else 0.0 if u in FALSE_WORDS else np.nan for u in uniq]
    )
    return mapped[inverse] if len(values) else np.array([], dtype=np.float64)


def _time_column(
    name: str,
    values: Sequence[Any],
    sources: Sequence[int] | NDArray[np.int64],
    zones: dict[int, ZoneInfo],
) -> NDArray[np.float64]:
    """Epoch seconds of a timestamp field; `extra` text without an offset is read in the
    source's time zone."""
    if name in DATETIME_COLUMNS:
        return _float_column(values)  # epoch seconds already (`_read_columns`)
    out = np.full(len(values), np.nan)
    if not len(values):
        return out
    # Plain local text ("2026-03-02 09:15:00") is read column-wise per source zone; anything
    # else (an offset, odd spacing, a number) goes through `fromisoformat` below.
    text = [v if type(v) is str else "" for v in values]
    source = np.asarray(sources, dtype=np.int64)
    done = np.zeros(len(values), dtype=bool)
    pks = [int(source[0])] if (source == source[0]).all() else np.unique(source).tolist()
    for pk in pks:
        rows = np.flatnonzero(source == pk) if len(pks) > 1 else None
        part = text if rows is None else [text[i] for i in rows.tolist()]
        micros, plain = parse_plain(part, zones.get(pk, UTC))
        if rows is None:
            out[plain] = micros[plain] / 1e6
            done |= plain
        else:
            out[rows[plain]] = micros[plain] / 1e6
            done[rows[plain]] = True
    for i in np.flatnonzero(~done).tolist():
        v = values[i]
        if v is None or v == "":
            continue
        try:
            parsed = dt.datetime.fromisoformat(str(v).strip())
        except ValueError:
            continue
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=zones.get(int(source[i]), UTC))
        out[i] = parsed.timestamp()
    return out


def _metric_fields(metric: Metric) -> list[str]:
    if metric.source == MetricSource.RECORD_DURATION:
        return [metric.start_field, metric.end_field]
    return [metric.value_field]


@dataclass
class _Columns:
    """The records of one read: segment columns as arrays, each field's raw values."""

    at: NDArray[np.float64]  # epoch seconds of received_at
    site: NDArray[np.int64]
    team: NDArray[np.int64]
    channel: NDArray[np.str_]
    agent: NDArray[np.int64]
    source: NDArray[np.int64]
    fields: dict[str, Any]
    as_text: set[str] = field(default_factory=set)  # fields read as text: timestamps only


# Within `touched_evaluate` the record standards of a service read the same ranges: one read
# of the union of their fields serves them all (service id -> field uses; (service, start,
# end) -> columns).
_SHARED: contextvars.ContextVar[tuple[dict[int, dict[str, bool]], dict[Any, _Columns]] | None] = (
    contextvars.ContextVar("sqms_shared_record_reads", default=None)
)


def _field_uses(metric: Metric) -> dict[str, bool]:
    """The metric's fields, each True when it is read only as a timestamp."""
    timed = metric.source == MetricSource.RECORD_DURATION
    return dict.fromkeys(_metric_fields(metric), timed)


def _merged_uses(a: dict[str, bool], b: dict[str, bool]) -> dict[str, bool]:
    out = dict(a)
    for f, timed in b.items():
        out[f] = out.get(f, True) and timed
    return out


@contextlib.contextmanager
def _shared_reads(uses: dict[int, dict[str, bool]]) -> Iterator[None]:
    token = _SHARED.set((uses, {}))
    try:
        yield
    finally:
        _SHARED.reset(token)


def _record_columns(
    *,
    service_id: int,
    start: dt.datetime | None,
    end: dt.datetime | None,
    uses: dict[str, bool],
    ids: Ids = None,
) -> _Columns | None:
    shared = _SHARED.get()
    if shared is None:
        return _read_columns(service_id=service_id, start=start, end=end, uses=uses, ids=ids)
    wanted, reads = shared
    key = (service_id, start, end, ids)
    cols = reads.get(key)
    if cols is None or any(
        f not in cols.fields or (f in cols.as_text and not timed) for f, timed in uses.items()
    ):
        union = _merged_uses(uses, wanted.get(service_id, {}))
        found = _read_columns(service_id=service_id, start=start, end=end, uses=union, ids=ids)
        if found is None:
            return None
        cols = reads[key] = found
    return cols


def _read_columns(
    *,
    service_id: int,
    start: dt.datetime | None,
    end: dt.datetime | None,
    uses: dict[str, bool],
    ids: Ids = None,
) -> _Columns | None:
    """The records' columns; timestamp columns as epoch seconds."""
    sqlite = connection.vendor != "postgresql"
    handled, found = _read_concatenated(
        service_id=service_id, start=start, end=end, uses=uses, ids=ids
    )
    if handled:
        return found
    fields = list(uses)
    rows = _fetch_columns(service_id=service_id, start=start, end=end, fields=fields, ids=ids)
    if not rows:
        return None
    cols: list[Sequence[Any]] = list(zip(*rows, strict=True))
    del rows
    at = _float_column(cols[0])
    ints = [np.array(cols[i], dtype=np.int64) for i in (1, 2, 4, 5)]
    channel = np.array(cols[3], dtype=np.str_)
    raw: list[Any] = []
    for f, c in zip(fields, cols[6 : 6 + len(fields)], strict=True):
        if f in DATETIME_COLUMNS:
            raw.append(_sqlite_seconds(_float_column(c)) if sqlite else _float_column(c))
        else:  # numbers as arrays now (NULL -> NaN, as their readers would make them)
            raw.append(_float_column(c) if f in NUMBER_COLUMNS else c)
    if sqlite:
        at = _sqlite_seconds(at)
        record_ids = np.array(cols[-1], dtype=np.int64)
        named = dict(zip(fields, raw, strict=True))
        return _in_index_order(at, ints, channel, named, record_ids, set())
    named = dict(zip(fields, raw, strict=True))
    return _Columns(at, ints[0], ints[1], channel, ints[2], ints[3], named)


def _sqlite_seconds(days: NDArray[np.float64]) -> NDArray[np.float64]:
    """Epoch seconds of `julianday() - 2440587.5`, to the millisecond SQLite keeps."""
    result: NDArray[np.float64] = np.round(days * 86400.0 * 1000.0) / 1000.0
    return result


def _in_index_order(
    at: NDArray[np.float64],
    ints: list[NDArray[np.int64]],
    channel: NDArray[np.str_],
    fields: dict[str, Any],
    ids: NDArray[np.int64],
    as_text: set[str],
) -> _Columns:
    """SQLite's columns back in the (received_at, id) order of its index, the order values
    are summed in."""
    order = np.lexsort((ids, at))
    if (order != np.arange(order.size)).any():
        at, channel = at[order], channel[order]
        ints = [c[order] for c in ints]
        fields = {
            f: c[order] if isinstance(c, np.ndarray) else _reordered(c, order)
            for f, c in fields.items()
        }
    return _Columns(at, ints[0], ints[1], channel, ints[2], ints[3], fields, as_text)


_SEP = "\x1f"
_NONE = -(2**63) + 1  # NULL among concatenated integers


def _read_concatenated(
    *,
    service_id: int,
    start: dt.datetime | None,
    end: dt.datetime | None,
    uses: dict[str, bool],
    ids: Ids = None,
) -> tuple[bool, _Columns | None]:
    """The columns as one joined text each (`group_concat` / `string_agg`), which NumPy
    parses far faster than Python builds row tuples. Integers (ids, timestamps in ms on SQLite
    or µs on PostgreSQL, yes/no columns) and text read only as timestamps travel exactly this
    way; anything else (numbers, flags in `extra`) returns (False, None) for the row-wise
    read."""
    pg = connection.vendor == "postgresql"
    if pg:
        scale = 1e6
        stamp = f"COALESCE((EXTRACT(EPOCH FROM {{}}) * 1000000)::int8, {_NONE})"

        def joined(expr: str) -> str:
            return f"string_agg(({expr})::text, ',')"

        def joined_text(expr: str) -> str:
            return f"string_agg({expr}, chr(31))"

    else:
        scale = 1e3
        stamp = (
            f"COALESCE(CAST(round((julianday({{}}) - 2440587.5) * 86400000.0) AS INTEGER), {_NONE})"
        )

        def joined(expr: str) -> str:
            return f"group_concat({expr})"

        def joined_text(expr: str) -> str:
            return f"group_concat({expr}, char(31))"

    exprs = [
        joined(stamp.format("received_at")),
        joined("COALESCE(site_id, 0)"),
        joined("COALESCE(team_id, 0)"),
        joined("COALESCE(agent_id, 0)"),
        joined("source_id"),
        joined("id"),
        joined_text("COALESCE(channel, '')"),
        "count(*)",
    ]
    params: list[Any] = []
    kinds: list[str] = []
    checks: list[str] = []
    for f, timed in uses.items():
        if f in DATETIME_COLUMNS:
            exprs.append(joined(stamp.format(f)))
            kinds.append("time")
        elif f in FLAG_COLUMNS:
            exprs.append(
                joined(f"COALESCE({f}::int, {_NONE})" if pg else f"COALESCE({f}, {_NONE})")
            )
            if not pg:
                checks.append(f"typeof({f}) NOT IN ('integer', 'null')")
            kinds.append("int")
        elif timed and f not in NUMBER_COLUMNS:
            exprs.append(joined_text(f"COALESCE({_select_expr(f, params)}, '')"))
            kinds.append("text")
        else:
            return False, None
    exprs.append(f"sum(CASE WHEN {' OR '.join(checks)} THEN 1 ELSE 0 END)" if checks else "0")
    sql = _records_sql(
        ", ".join(exprs), service_id=service_id, start=start, end=end, params=params, ids=ids
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    n = int(row[7])
    if n == 0:
        return True, None
    if row[-1]:
        return False, None  # a yes/no column holding something else than 0/1

    def integers(text: str) -> NDArray[np.int64]:
        values = np.fromstring(text, dtype=np.int64, sep=",")
        if values.size != n:
            raise ValueError("count")
        return values

    try:
        at = integers(row[0]) / scale
        ints = [integers(row[i]) for i in (1, 2, 3, 4)]
        record_ids = integers(row[5])
        channel_text = row[6].split(_SEP)
        fields: dict[str, Any] = {}
        for (f, _), kind, text in zip(uses.items(), kinds, row[8:-1], strict=True):
            if kind == "text":
                values = text.split(_SEP)
                if len(values) != n:
                    raise ValueError("separator inside a value")
                fields[f] = values
                continue
            number = integers(text)
            fields[f] = np.where(number == _NONE, np.nan, number / (scale if kind == "time" else 1))
    except ValueError:
        return False, None
    if len(channel_text) != n:
        return False, None
    as_text = {f for f, kind in zip(uses, kinds, strict=True) if kind == "text"}
    channel = np.array(channel_text, dtype=np.str_)
    if pg:
        return True, _Columns(at, ints[0], ints[1], channel, ints[2], ints[3], fields, as_text)
    return True, _in_index_order(at, ints, channel, fields, record_ids, as_text)


def record_measurements(
    *,
    metric: Metric,
    service_id: int,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    ids: Ids = None,
) -> Measurements:
    """The metric's value for each record of the service received in [start, end) (and with
    ids in the `ids` ranges when given)."""
    fields = _metric_fields(metric)
    cols = _record_columns(
        service_id=service_id, start=start, end=end, uses=_field_uses(metric), ids=ids
    )
    if cols is None:
        return Measurements.empty()
    sources = cols.source
    source = metric.source
    zones: dict[int, ZoneInfo] = {}
    if source == MetricSource.RECORD_DURATION and any(f not in DATETIME_COLUMNS for f in fields):
        zones = {
            pk: ZoneInfo(tz)
            for pk, tz in RecordSource.objects.filter(
                pk__in=np.unique(sources).tolist()
            ).values_list("pk", "time_zone")
        }
    first = cols.fields[fields[0]]
    if source == MetricSource.RECORD_DURATION:
        begin = _time_column(fields[0], first, sources, zones)
        finish = _time_column(fields[1], cols.fields[fields[1]], sources, zones)
        seconds = (
            _business_seconds(begin, finish, cols.site) if metric.business_time else finish - begin
        )
        seconds = np.where(seconds < 0, np.nan, seconds)
        value = seconds / UNIT_SECONDS.get(Unit(metric.unit), 1.0)
    elif source == MetricSource.RECORD_NUMBER:
        value = _float_column(first)
    elif source == MetricSource.RECORD_FLAG:
        value = _flag_column(first)
    else:  # category
        wanted = {str(v).strip().casefold() for v in metric.category_values}
        text = np.array(["" if v is None else str(v).strip().casefold() for v in first])
        uniq, inverse = np.unique(text, return_inverse=True)
        value = np.array([1.0 if u in wanted else 0.0 for u in uniq])[inverse]
    return Measurements(
        at=_to_at(cols.at),
        site=cols.site,
        team=cols.team,
        channel=cols.channel,
        agent=cols.agent,
        value=value,
    )


def _business_seconds(
    begin: NDArray[np.float64], finish: NDArray[np.float64], site: NDArray[np.int64]
) -> NDArray[np.float64]:
    """Opening seconds between two timestamps per row, by the site's calendar (per row in
    Python: only business-time metrics pay for it)."""
    from sqms.org.models import Site
    from sqms.standards.business_time import business_duration
    from sqms.standards.selectors import calendar_for_site, calendar_spec

    specs: dict[int, Any] = {}
    for site_obj in Site.objects.filter(pk__in={int(s) for s in np.unique(site)}):
        calendar = calendar_for_site(site=site_obj)
        specs[site_obj.pk] = calendar_spec(calendar=calendar) if calendar else None
    out = np.full(begin.shape, np.nan)
    for i in range(begin.shape[0]):
        b, f = begin[i], finish[i]
        if math.isnan(b) or math.isnan(f):
            continue
        if f < b:
            out[i] = -1.0
            continue
        spec = specs.get(int(site[i]))
        if spec is None or not spec.has_opening_hours:
            out[i] = f - b
            continue
        out[i] = business_duration(from_epoch(b), from_epoch(f), spec).total_seconds()
    return out


# --- values: any metric ---------------------------------------------------------------------


def _optional(module: str) -> Any:
    if importlib.util.find_spec(module) is None:
        return None
    return importlib.import_module(module)


def measurements_for(
    *,
    metric: Metric,
    service_id: int,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    ids: Ids = None,
) -> Measurements:
    """One value per measured item of any metric source; empty for a source not installed.
    `ids` (ranges of record ids) narrows a record metric to those records."""
    if metric.is_record_based:
        return record_measurements(
            metric=metric, service_id=service_id, start=start, end=end, ids=ids
        )
    # Other sources take bounds: an open range is everything.
    start = start or EPOCH
    end = end or dt.datetime(9000, 1, 1, tzinfo=UTC)
    if metric.source.startswith("feedback_"):
        from sqms.feedback.measurements import feedback_measurements

        return feedback_measurements(metric=metric, service_id=service_id, start=start, end=end)
    if metric.source.startswith("complaint_"):
        module = _optional("sqms.feedback.complaint_measurements")
        if module is not None:
            result: Measurements = module.complaint_measurements(
                metric=metric, service_id=service_id, start=start, end=end
            )
            return result
        return Measurements.empty()
    if metric.source == MetricSource.INSPECTION_SCORE:
        module = _optional("sqms.monitoring.inspections")
        if module is not None and hasattr(module, "inspection_measurements"):
            result = module.inspection_measurements(
                metric=metric, service_id=service_id, start=start, end=end
            )
            return result
    return Measurements.empty()


# --- grouping into cells --------------------------------------------------------------------


@dataclass
class Cells:
    """Summed cells of one grain, column-wise. A cell's segment is a row of `segments`
    (key, site, team, channel, agent): a grain has few segments and many periods, so the
    writer formats each segment once."""

    grain: str
    period: NDArray[np.float64]  # epoch seconds of the grain period start
    segment_of: NDArray[np.int64]  # per cell: its row in `segments`
    segments: list[tuple[str, int | None, int | None, str, int | None]]
    version: NDArray[np.int64]
    n: NDArray[np.int64]
    n_meeting: NDArray[np.int64]
    total: NDArray[np.float64]
    total_sq: NDArray[np.float64]
    value: NDArray[np.float64]
    sketch: list[str] = field(default_factory=list)  # JSON per cell; none: "{}" each

    def __len__(self) -> int:
        return int(self.period.shape[0])

    @property
    def segment(self) -> list[str]:
        """The segment key of each cell."""
        keys = np.array([seg[0] for seg in self.segments] or [""], dtype=object)
        out: list[str] = keys[self.segment_of].tolist()
        return out

    def segment_keys(self) -> set[str]:
        return {seg[0] for seg in self.segments}


def grains_of(versions: Sequence[StandardVersion]) -> list[str]:
    """Days always (weeks and months derive from them); hours too when a version is hourly."""
    grains: list[str] = [Grain.DAY]
    if any(v.period == Period.HOUR for v in versions):
        grains.append(Grain.HOUR)
    return grains


def period_starts(seconds: NDArray[np.float64], grain: str) -> NDArray[np.float64]:
    """Vectorised `series.period_start`: the start (epoch seconds) of each value's grain
    period in the organisation's time zone, exact across offsets and DST changes."""
    starts, code = _period_codes(seconds, grain)
    result: NDArray[np.float64] = starts[code]
    return result


def _period_codes(
    seconds: NDArray[np.float64], grain: str
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """The distinct period starts (sorted) and each value's index among them."""
    if seconds.size == 0:
        return np.array([], dtype=np.float64), np.array([], dtype=np.int64)
    tz = series.org_tz()
    period = Period.HOUR if grain == Grain.HOUR else Period.DAY
    quarter = np.floor(seconds / QUARTER_HOUR).astype(np.int64)
    first = int(quarter.min())
    uniq, inverse = _dense(quarter - first)
    starts, start_code = np.unique(_quarter_starts(uniq + first, period, tz), return_inverse=True)
    return starts, start_code.reshape(-1)[inverse]


# (zone, period) -> quarter hour -> period start: pure, and the same quarters come back for
# every standard and grain of an evaluation, so each is worked out once per process.
_QUARTER_STARTS: dict[tuple[str, str], dict[int, float]] = {}


def _quarter_starts(quarters: NDArray[np.int64], period: str, tz: ZoneInfo) -> NDArray[np.float64]:
    """Period starts of distinct quarter hours."""
    memo = _QUARTER_STARTS.setdefault((tz.key, period), {})
    if len(memo) > 2_000_000:
        memo.clear()
    found = [memo.get(q) for q in quarters.tolist()]
    missing = [q for q, start in zip(quarters.tolist(), found, strict=True) if start is None]
    if not missing:
        return np.array(found, dtype=np.float64)
    memo.update(zip(missing, _compute_quarter_starts(missing, period, tz).tolist(), strict=True))
    return np.array([memo[q] for q in quarters.tolist()], dtype=np.float64)


def _compute_quarter_starts(quarters: list[int], period: str, tz: ZoneInfo) -> NDArray[np.float64]:
    """Zone offsets change on a quarter hour at the finest, so a quarter's local date, hour
    and fold decide its period: `series.period_start` runs once per distinct local day or hour
    (and fold), not once per quarter."""
    hourly = period == Period.HOUR
    keys = []
    for q in quarters:
        local = (EPOCH + dt.timedelta(seconds=q * QUARTER_HOUR)).astimezone(tz)
        day = local.toordinal()
        keys.append(day * 48 + local.hour * 2 + local.fold if hourly else day)
    _, first, key_inverse = np.unique(
        np.array(keys, dtype=np.int64), return_index=True, return_inverse=True
    )
    starts = np.array(
        [
            epoch(series.period_start(from_epoch(quarters[i] * QUARTER_HOUR), period, tz))
            for i in first.tolist()
        ],
        dtype=np.float64,
    )
    result: NDArray[np.float64] = starts[key_inverse.reshape(-1)]
    return result


def _meets(values: NDArray[np.float64], comparison: str, threshold: float) -> NDArray[np.bool_]:
    with np.errstate(invalid="ignore"):
        if comparison == Comparison.LE:
            return values <= threshold
        if comparison == Comparison.LT:
            return values < threshold
        if comparison == Comparison.GT:
            return values > threshold
        return values >= threshold


def _versions_sorted(standard: ServiceStandard) -> list[StandardVersion]:
    return sorted(StandardVersion.objects.filter(standard=standard), key=lambda v: v.effective_from)


def _version_index(
    versions: Sequence[StandardVersion], periods: NDArray[np.float64]
) -> NDArray[np.int64]:
    effective = np.array([epoch(v.effective_from) for v in versions])
    idx = np.searchsorted(effective, periods, side="right") - 1
    return np.clip(idx, 0, len(versions) - 1).astype(np.int64)


def _families(with_agent: bool) -> list[tuple[str, ...]]:
    """The segment kinds cells are kept for: the whole service, each site, team and channel,
    site × channel and team × channel (by day only; hours keep single kinds), and each agent
    when a version segments by agent."""
    fams: list[tuple[str, ...]] = [
        (),
        ("site",),
        ("team",),
        ("channel",),
        ("site", "channel"),
        ("team", "channel"),
    ]
    if with_agent:
        fams.append(("agent",))
    return fams


# The last channel column factorized and its result, kept while that column lives: the
# standards of a service and both grains share one measurements' channel column.
_FACTORIZED: list[tuple[weakref.ref[Any], tuple[NDArray[np.str_], NDArray[np.int64]]]] = []


def _factorize(text: NDArray[np.str_]) -> tuple[NDArray[np.str_], NDArray[np.int64]]:
    """`_dense` of a few distinct strings (channels) by a dict rather than a string sort."""
    for known, result in _FACTORIZED:
        if known() is text:
            return result
    result = _factorize_now(text)
    _FACTORIZED[:] = [(weakref.ref(text, lambda _: _FACTORIZED.clear()), result)]
    return result


def _factorize_now(text: NDArray[np.str_]) -> tuple[NDArray[np.str_], NDArray[np.int64]]:
    names = sorted(set(text.tolist()))
    if len(names) > 64:  # not a handful after all: one sort
        return _dense(text)
    # one comparison of the column per distinct value, no Python loop over the rows
    codes = np.zeros(text.shape, dtype=np.int64)
    for rank, name in enumerate(names[1:], start=1):
        codes[text == name] = rank
    return np.array(names, dtype=np.str_), codes


def _dense(values: NDArray[Any]) -> tuple[NDArray[Any], NDArray[np.int64]]:
    """`np.unique(values, return_inverse=True)`; small non-negative integers (ids, codes) by
    a lookup table instead of a sort."""
    if values.dtype.kind in "iu" and values.size:
        low, high = int(values.min()), int(values.max())
        if low >= 0 and high < max(4 * values.size, 1 << 16):
            present = np.zeros(high + 1, dtype=bool)
            present[values] = True
            code = np.cumsum(present, dtype=np.int64) - 1
            return np.flatnonzero(present).astype(values.dtype), code[values]
    uniq, inverse = np.unique(values, return_inverse=True)
    return uniq, inverse.astype(np.int64).reshape(-1)


def _quantiles(
    group: NDArray[np.int64],
    values: NDArray[np.float64],
    n_groups: int,
    q: float,
    *,
    as_text: bool = False,
) -> tuple[NDArray[np.float64], list[Any]]:
    """Per group: its q-quantile, exactly as `Sketch.quantile`, and the sketch as JSON (the
    `Sketch.to_json` dict, or its compact text with `as_text`)."""
    positive = values > 0
    zeros = np.bincount(group[~positive], minlength=n_groups)
    keys = np.ceil(np.log(values[positive]) / LOG_GAMMA).astype(np.int64)
    pg = group[positive]
    # Unique (group, key) pairs with counts, sorted by group then key.
    order = np.lexsort((keys, pg))
    pg, keys = pg[order], keys[order]
    if pg.size:
        change = np.empty(pg.size, dtype=bool)
        change[0] = True
        change[1:] = (pg[1:] != pg[:-1]) | (keys[1:] != keys[:-1])
        starts = np.flatnonzero(change)
        pair_group, pair_key = pg[starts], keys[starts]
        pair_count = np.diff(np.append(starts, pg.size))
    else:
        pair_group = pair_key = pair_count = np.array([], dtype=np.int64)
    counts = zeros + np.bincount(pair_group, weights=pair_count, minlength=n_groups).astype(
        np.int64
    )
    result = np.full(n_groups, np.nan)
    rank = q * (counts - 1)
    has = counts > 0
    result[has & (rank < zeros)] = 0.0
    # cumulative count within each group, starting from its zeros
    cum = np.cumsum(pair_count)
    first_pair = np.searchsorted(pair_group, np.arange(n_groups), side="left")
    before = np.where(first_pair > 0, cum[np.maximum(first_pair - 1, 0)], 0) if cum.size else 0
    if pair_group.size:
        within = cum - np.asarray(before)[pair_group] + zeros[pair_group]
        hit = within > rank[pair_group]
        hit_idx = np.flatnonzero(hit)
        g_hit, first = np.unique(pair_group[hit_idx], return_index=True)
        chosen = pair_key[hit_idx[first]]
        todo = np.isnan(result[g_hit])
        result[g_hit[todo]] = _representatives(chosen[todo])
        # numeric edge: nothing exceeded the rank -> the largest bucket
        last = np.searchsorted(pair_group, np.arange(n_groups), side="right") - 1
        left = has & np.isnan(result)
        if left.any():
            result[left] = _representatives(pair_key[last[left]])
    bounds = np.searchsorted(pair_group, np.arange(n_groups + 1), side="left")
    if not as_text:
        k_list, c_list, z_list = pair_key.tolist(), pair_count.tolist(), zeros.tolist()
        return result, [
            {"z": int(z_list[g]), "k": k_list[lo:hi], "c": c_list[lo:hi]}
            for g, (lo, hi) in enumerate(
                zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True)
            )
        ]
    # the text `sketch_json` gives, cut per group out of one joined string
    keys_text, key_at = _joined(pair_key)
    counts_text, count_at = _joined(pair_count)
    z_list, b_list = zeros.tolist(), bounds.tolist()
    sketches = [
        f'{{"z":{z_list[g]},"k":[{keys_text[key_at[lo] : key_at[hi] - 1] if hi > lo else ""}],'
        f'"c":[{counts_text[count_at[lo] : count_at[hi] - 1] if hi > lo else ""}]}}'
        for g, (lo, hi) in enumerate(pairwise(b_list))
    ]
    return result, sketches


def _joined(values: NDArray[np.int64]) -> tuple[str, list[int]]:
    """The values joined by commas and where each starts (one past the end appended): the
    text of values [lo, hi) is `text[at[lo] : at[hi] - 1]`."""
    low = int(values.min()) if values.size else 0
    span = int(values.max()) - low + 1 if values.size else 0
    if 2 * span <= values.size:
        # few distinct numbers (bucket keys, counts): each is formatted once, not per pair
        words = [str(v) for v in range(low, low + span)]
        index = values - low
        parts: list[str] = np.array(words, dtype=object)[index].tolist()
        widths = np.fromiter(map(len, words), dtype=np.int64, count=span)[index]
    else:
        parts = list(map(str, values.tolist()))
        widths = np.fromiter(map(len, parts), dtype=np.int64, count=len(parts))
    at = np.zeros(len(parts) + 1, dtype=np.int64)
    np.cumsum(widths + 1, out=at[1:])
    return ",".join(parts), at.tolist()


def _representatives(keys: NDArray[np.int64]) -> NDArray[np.float64]:
    """Bucket representatives computed exactly as `Sketch.quantile` does (Python floats), so
    a stored cell and a merged one agree to the last bit."""
    return np.array([2 * GAMMA**k / (GAMMA + 1) for k in keys.tolist()], dtype=np.float64)


def _values(
    metric: Metric,
    n: NDArray[np.int64],
    n_meeting: NDArray[np.int64],
    total: NDArray[np.float64],
    quantile: NDArray[np.float64] | None,
) -> NDArray[np.float64]:
    """Vectorised `series.aggregate`."""
    agg = metric.aggregation
    nf = n.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        if agg == Aggregation.SHARE_MEETING_THRESHOLD:
            return 100.0 * n_meeting / nf
        if agg == Aggregation.MEAN:
            return total / nf
        if agg in series.QUANTILES:
            assert quantile is not None
            return quantile
        if agg == Aggregation.COUNT:
            if metric.source in (MetricSource.RECORD_FLAG, MetricSource.RECORD_CATEGORY):
                return total.astype(np.float64)
            return nf
        if agg == Aggregation.RATE_PER_N:
            return total / nf * float(metric.rate_base or 1)
    raise ValueError(f"unknown aggregation {agg}")


def cells_compute(
    *,
    metric: Metric,
    versions: Sequence[StandardVersion],
    measurements: Measurements,
    grain: str,
    only_periods: Iterable[float] | None = None,
) -> Cells:
    """Sum the measurements into the cells of one grain: every (period, segment) that has a
    value. `only_periods` (epoch seconds) keeps just those grain periods."""
    m = measurements
    keep = ~np.isnan(m.value)
    seconds = _seconds_of(m.at)
    starts, start_code = _period_codes(seconds, grain)
    if only_periods is not None:
        keep &= np.isin(starts, np.fromiter(only_periods, dtype=np.float64))[start_code]
    values = m.value[keep]
    used, period_code = _dense(start_code[keep])
    period_uniq = starts[used]
    periods = period_uniq[period_code]
    site, team, channel, agent = m.site[keep], m.team[keep], m.channel[keep], m.agent[keep]
    vidx = _version_index(versions, periods)
    meets = np.zeros(values.shape, dtype=bool)
    for i, v in enumerate(versions):
        sel = vidx == i
        if sel.any():
            meets[sel] = _meets(values[sel], v.comparison, float(v.threshold))
    with_agent = any(Segment.AGENT in (v.segments or []) for v in versions)
    n_periods = max(len(period_uniq), 1)
    channel_uniq, channel_all = _factorize(m.channel)
    channel_code = channel_all[keep]
    columns: dict[str, tuple[NDArray[Any], NDArray[np.int64], NDArray[np.bool_]]] = {
        "site": (*_dense(site), site != 0),
        "team": (*_dense(team), team != 0),
        "channel": (channel_uniq, channel_code, channel != ""),
        "agent": (*_dense(agent), agent != 0),
    }
    team_site: dict[int, int] = {}
    if team.size:
        # each team's site as the records name it (the largest id should they differ)
        width = int(site.max()) + 1
        pairs, _ = _dense(team * width + site)
        team_site = {int(p // width): int(p % width) for p in pairs.tolist() if p >= width}
    version_pk = np.array([v.pk for v in versions], dtype=np.int64)
    parts: list[Cells] = []
    for family in _families(with_agent):
        if grain == Grain.HOUR and len(family) > 1:
            continue  # combined segments are kept by day only
        mask = np.ones(values.shape, dtype=bool)
        seg = np.zeros(values.shape, dtype=np.int64)
        for name in family:
            uniq, codes, valid = columns[name]
            mask &= valid
            seg = seg * max(len(uniq), 1) + codes
        if not mask.any():
            continue
        rows = np.flatnonzero(mask)
        # groups ordered by segment, then period: the order of the rollup table's unique index
        g_uniq, grp = _dense(seg[rows] * n_periods + period_code[rows])
        ng = len(g_uniq)
        vals = values[rows]
        n = np.bincount(grp, minlength=ng).astype(np.int64)
        n_meeting = np.bincount(grp, weights=meets[rows], minlength=ng).astype(np.int64)
        total = np.bincount(grp, weights=vals, minlength=ng).astype(np.float64)
        total_sq = np.bincount(grp, weights=vals * vals, minlength=ng).astype(np.float64)
        # a representative row of each group decodes its period, version and segment
        rep = np.zeros(ng, dtype=np.int64)
        rep[grp] = np.arange(grp.size)
        idx = rows[rep]
        quantile = None
        sketches: list[str] = []
        if metric.aggregation in series.QUANTILES:
            q = series.QUANTILES[Aggregation(metric.aggregation)]
            quantile, sketches = _quantiles(grp, vals, ng, q, as_text=True)
        value = _values(metric, n, n_meeting, total, quantile)
        g_seg = g_uniq // n_periods
        change = np.ones(ng, dtype=bool)
        change[1:] = g_seg[1:] != g_seg[:-1]
        segments = [_segment_parts(family, site, team, channel, agent, team_site, int(r))
                    for r in idx[change].tolist()]  # fmt: skip
        parts.append(
            Cells(
                grain=grain,
                period=period_uniq[period_code[idx]],
                segment_of=np.cumsum(change).astype(np.int64) - 1,
                segments=segments,
                version=version_pk[vidx[idx]],
                n=n,
                n_meeting=n_meeting,
                total=total,
                total_sq=total_sq,
                value=value,
                sketch=sketches,
            )
        )
    return _concat(grain, parts)


def _segment_parts(
    family: tuple[str, ...],
    site: NDArray[np.int64],
    team: NDArray[np.int64],
    channel: NDArray[np.str_],
    agent: NDArray[np.int64],
    team_site: dict[int, int],
    row: int,
) -> tuple[str, int | None, int | None, str, int | None]:
    """(key, site, team, channel, agent) of the segment of `family` holding `row`; a team's
    cells name the team's site."""
    g_site = int(site[row]) if "site" in family else None
    g_team = int(team[row]) if "team" in family else None
    g_channel = str(channel[row]) if "channel" in family else ""
    g_agent = int(agent[row]) if "agent" in family else None
    key = series.segment_key(site=g_site, team=g_team, channel=g_channel, agent=g_agent)
    if g_team is not None:
        g_site = team_site.get(g_team) if g_team else None
    return (key, g_site or None, g_team or None, g_channel, g_agent or None)


def _concat(grain: str, parts: list[Cells]) -> Cells:
    if not parts:
        empty_f = np.array([], dtype=np.float64)
        empty_i = np.array([], dtype=np.int64)
        return Cells(grain, empty_f, empty_i, [], empty_i, empty_i, empty_i, empty_f, empty_f,
                     empty_f, [])  # fmt: skip
    if len(parts) == 1:
        return parts[0]
    offsets = np.cumsum([0] + [len(p.segments) for p in parts])
    return Cells(
        grain=grain,
        period=np.concatenate([p.period for p in parts]),
        segment_of=np.concatenate([p.segment_of + o for p, o in zip(parts, offsets, strict=False)]),
        segments=[s for p in parts for s in p.segments],
        version=np.concatenate([p.version for p in parts]),
        n=np.concatenate([p.n for p in parts]),
        n_meeting=np.concatenate([p.n_meeting for p in parts]),
        total=np.concatenate([p.total for p in parts]),
        total_sq=np.concatenate([p.total_sq for p in parts]),
        value=np.concatenate([p.value for p in parts]),
        sketch=[s for p in parts for s in p.sketch],
    )


# --- evaluating standards -------------------------------------------------------------------


@dataclass
class Outcome:
    """What one evaluation changed: cells written and removed, and where."""

    standard_id: int
    written: int = 0
    removed: int = 0
    segments: set[str] = field(default_factory=set)
    earliest: dt.datetime | None = None


def _day_ranges(days: Sequence[float]) -> list[tuple[dt.datetime, dt.datetime]]:
    """Contiguous [start, end) ranges covering sorted day starts (a day is ≤ 25 h long)."""
    ranges: list[tuple[dt.datetime, dt.datetime]] = []
    tz = series.org_tz()
    for day in sorted(set(days)):
        start = from_epoch(day)
        end = series.period_start(start + dt.timedelta(hours=26), Period.DAY, tz)
        if ranges and ranges[-1][1] >= start:
            ranges[-1] = (ranges[-1][0], max(ranges[-1][1], end))
        else:
            ranges.append((start, end))
    return ranges


def standard_evaluate(
    *,
    standard: ServiceStandard,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    touched: Iterable[dt.datetime] | None = None,
    detect: bool = True,
) -> Outcome:
    """Bring a standard's rollups up to date, set-based, and look for signals in what changed.

    First its pending merges (blocks of new records) are added to their cells. Then, with
    `touched` (moments whose records were corrected), the hour and day cells holding them are
    recomputed from the records of those days; without it, every cell in [start, end) (the
    whole history without bounds, which counts the pending blocks anyway). All of it in one
    transaction under a lock on the standard (`merges`).
    """
    from sqms.monitoring.merges import pending_take, standard_lock

    versions = _versions_sorted(standard)
    outcome = Outcome(standard_id=standard.pk)
    if not versions:
        return outcome
    metric = standard.metric
    grains = grains_of(versions)
    whole = touched is None and start is None and end is None
    with transaction.atomic():
        standard_lock(standard)
        pending = pending_take(standard) if metric.is_record_based else []
        if pending and not whole:
            _merge_pending(standard, versions, grains, pending, outcome)
        if touched is not None:
            _recompute_touched(standard, versions, grains, touched, outcome)
        else:
            _recompute_range(standard, versions, grains, start, end, outcome)
    watched = watched_segments(outcome.segments, versions[-1])
    if detect and outcome.earliest is not None and watched:
        from sqms.monitoring.detection import signals_detect

        signals_detect(standard=standard, segments=watched, start=outcome.earliest)
    return outcome


def _merge_pending(
    standard: ServiceStandard,
    versions: Sequence[StandardVersion],
    grains: Sequence[str],
    pending: Sequence[tuple[int, int]],
    outcome: Outcome,
) -> None:
    """Add the records of pending blocks to the stored cells: only those records are read,
    and only the cells of the periods they fall in are rewritten."""
    from sqms.monitoring.cell_merge import cells_merge, rollups_read
    from sqms.monitoring.merges import passes
    from sqms.monitoring.rollup_writer import rollups_replace

    metric = standard.metric
    for group in passes(pending):
        meas = measurements_for(metric=metric, service_id=standard.service_id, ids=tuple(group))
        if not len(meas):
            continue
        for grain in grains:
            new = cells_compute(metric=metric, versions=versions, measurements=meas, grain=grain)
            if not len(new):
                continue
            periods = np.unique(new.period)
            old = rollups_read(standard=standard, grain=grain, periods=periods)
            cells = cells_merge(metric=metric, old=old, new=new) if len(old) else new
            written, removed, segs = rollups_replace(
                standard=standard, grain=grain, cells=cells, periods=periods.tolist()
            )
            _note(outcome, written, removed, segs, periods)


def _recompute_touched(
    standard: ServiceStandard,
    versions: Sequence[StandardVersion],
    grains: Sequence[str],
    touched: Iterable[dt.datetime],
    outcome: Outcome,
) -> None:
    """Recompute the hour and day cells holding the moments, from the records of their days."""
    from sqms.monitoring.rollup_writer import rollups_replace

    moments = np.array([epoch(t) for t in touched], dtype=np.float64)
    if moments.size == 0:
        return
    metric = standard.metric
    wanted = {g: np.unique(period_starts(moments, g)) for g in grains}
    ranges = _day_ranges(wanted[Grain.DAY].tolist())
    chunks = [
        measurements_for(metric=metric, service_id=standard.service_id, start=a, end=b)
        for a, b in ranges
    ]
    meas = _join(chunks)
    for grain in grains:
        cells = cells_compute(
            metric=metric,
            versions=versions,
            measurements=meas,
            grain=grain,
            only_periods=wanted[grain].tolist(),
        )
        written, removed, segs = rollups_replace(
            standard=standard, grain=grain, cells=cells, periods=wanted[grain].tolist()
        )
        _note(outcome, written, removed, segs, wanted[grain])


def _recompute_range(
    standard: ServiceStandard,
    versions: Sequence[StandardVersion],
    grains: Sequence[str],
    start: dt.datetime | None,
    end: dt.datetime | None,
    outcome: Outcome,
) -> None:
    """Recompute every cell in [start, end), a window of days at a time."""
    from sqms.monitoring.rollup_writer import rollups_delete, rollups_insert

    metric = standard.metric
    # Whole days only: a period is never computed from part of its records.
    if start is not None:
        start = series.period_start(start, Period.DAY, series.org_tz())
    if end is not None:
        end = series.period_start(end, Period.DAY, series.org_tz())
    for grain in grains:
        removed, segs = rollups_delete(standard=standard, grain=grain, start=start, end=end)
        _note(outcome, 0, removed, segs, np.array([]))
    # A window of days at a time keeps memory flat on a long history.
    for lo, hi in _windows(standard, metric, start, end):
        meas = measurements_for(metric=metric, service_id=standard.service_id, start=lo, end=hi)
        for grain in grains:
            cells = cells_compute(metric=metric, versions=versions, measurements=meas, grain=grain)
            written, segs = rollups_insert(standard=standard, cells=cells)
            _note(outcome, written, 0, segs, cells.period)


def watched_segments(segments: Iterable[str], version: StandardVersion) -> list[str]:
    """The segments signals are looked for in: the whole service and the segments the version
    names (site, team, channel, agent, each alone). Combined cells such as site × channel are
    kept for dashboard filters only."""
    chosen = set(version.segments or [])
    out = []
    for seg in segments:
        parts = [p.split(":", 1)[0] for p in seg.split("|")] if seg else []
        if len(parts) <= 1 and all(p in chosen for p in parts):
            out.append(seg)
    return sorted(out)


def _windows(
    standard: ServiceStandard,
    metric: Metric,
    start: dt.datetime | None,
    end: dt.datetime | None,
) -> list[tuple[dt.datetime | None, dt.datetime | None]]:
    """[lo, hi) windows of whole days covering a record standard's data in [start, end)."""
    if not metric.is_record_based:
        return [(start, end)]
    qs = ServiceRecord.objects.filter(service_id=standard.service_id)
    if start is not None:
        qs = qs.filter(received_at__gte=start)
    if end is not None:
        qs = qs.filter(received_at__lt=end)
    bounds = qs.aggregate(lo=Min("received_at"), hi=Max("received_at"))
    if bounds["lo"] is None:
        return []
    tz = series.org_tz()
    lo = series.period_start(bounds["lo"], Period.DAY, tz)
    last = bounds["hi"]
    windows: list[tuple[dt.datetime | None, dt.datetime | None]] = []
    while lo <= last:
        hi = series.period_start(lo + dt.timedelta(days=WINDOW_DAYS, hours=12), Period.DAY, tz)
        windows.append((lo, hi))
        lo = hi
    return windows


def _note(
    outcome: Outcome, written: int, removed: int, segs: set[str], periods: NDArray[np.float64]
) -> None:
    outcome.written += written
    outcome.removed += removed
    outcome.segments |= segs
    if periods.size:
        first = from_epoch(float(periods.min()))
        if outcome.earliest is None or first < outcome.earliest:
            outcome.earliest = first


def _join(chunks: list[Measurements]) -> Measurements:
    chunks = [c for c in chunks if len(c)]
    if not chunks:
        return Measurements.empty()
    if len(chunks) == 1:
        return chunks[0]
    return Measurements(
        at=np.concatenate([c.at for c in chunks]),
        site=np.concatenate([c.site for c in chunks]),
        team=np.concatenate([c.team for c in chunks]),
        channel=np.concatenate([c.channel for c in chunks]),
        agent=np.concatenate([c.agent for c in chunks]),
        value=np.concatenate([c.value for c in chunks]),
    )


def standards_of_services(service_ids: Iterable[int]) -> list[ServiceStandard]:
    return list(
        ServiceStandard.objects.filter(service_id__in=list(service_ids), archived_at__isnull=True)
        .select_related("metric")
        .order_by("pk")
    )


def touched_evaluate(*, touched: dict[int, Sequence[int]], detect: bool = True) -> list[Outcome]:
    """After records were written: `touched` maps a service id to the hours (epoch hour
    numbers) whose records were corrected, none when all were new; each record standard of
    the service merges its pending blocks and recomputes just those hours."""
    outcomes = []
    standards = [s for s in standards_of_services(touched) if s.metric.is_record_based]
    uses: dict[int, dict[str, bool]] = {}
    for standard in standards:
        known = uses.get(standard.service_id, {})
        uses[standard.service_id] = _merged_uses(known, _field_uses(standard.metric))
    with _shared_reads(uses):
        for standard in standards:
            hours = touched.get(standard.service_id) or ()
            # both ends of each UTC hour: a local hour may straddle it (half-hour zones)
            moments = [from_epoch(h * 3600 + e) for h in hours for e in (0, 3599)]
            outcomes.append(standard_evaluate(standard=standard, touched=moments, detect=detect))
    return outcomes


def pending_leftovers_evaluate(
    *, older_than: dt.timedelta = dt.timedelta(minutes=10), now: dt.datetime | None = None
) -> list[Outcome]:
    """Merge pending blocks that waited longer than an evaluation takes: their task was lost
    (a worker stopped mid-way, a queue flushed). The periodic pass calls this."""
    from sqms.monitoring.models import PendingMerge

    before = (now or timezone.now()) - older_than
    ids = PendingMerge.objects.filter(created_at__lt=before).values("standard_id")
    qs = ServiceStandard.objects.filter(pk__in=ids, archived_at__isnull=True)
    return [standard_evaluate(standard=s) for s in qs.select_related("metric").order_by("pk")]


def evaluate_all(
    *,
    standards: Iterable[ServiceStandard] | None = None,
    since: dt.datetime | None = None,
    detect: bool = True,
) -> list[Outcome]:
    """Rebuild rollups of the given (default: every active) standard from `since`."""
    if standards is None:
        standards = ServiceStandard.objects.filter(archived_at__isnull=True).select_related(
            "metric"
        )
    return [standard_evaluate(standard=s, start=since, detect=detect) for s in standards]


def version_reevaluate(*, version: StandardVersion) -> Outcome:
    """A new version: recompute the standard's history from the version's effective date
    (from the beginning for version 1, which also covers the periods before it)."""
    standard = ServiceStandard.objects.select_related("metric").get(pk=version.standard_id)
    first = not StandardVersion.objects.filter(
        standard_id=version.standard_id, effective_from__lt=version.effective_from
    ).exists()
    return standard_evaluate(standard=standard, start=None if first else version.effective_from)


def feedback_watermark_evaluate(*, now: dt.datetime | None = None) -> list[Outcome]:
    """The periodic pass for metrics whose sources cannot call monitoring (feedback,
    complaints, inspections): each standard's watermark is its newest rollup update; items
    attributed since then (feedback) or in a 40-day window before it (other sources, which
    may arrive late) are re-evaluated. A standard without rollups is evaluated whole."""
    from sqms.monitoring.models import Rollup

    now = now or timezone.now()
    outcomes = []
    qs = ServiceStandard.objects.filter(archived_at__isnull=True).select_related("metric")
    for standard in qs:
        metric = standard.metric
        if metric.is_record_based:
            continue
        mark = Rollup.objects.filter(standard=standard).aggregate(m=Max("updated_at"))["m"]
        if mark is None:
            outcomes.append(standard_evaluate(standard=standard))
            continue
        if metric.source.startswith("feedback_"):
            from sqms.feedback.measurements import feedback_changed_since

            moments = feedback_changed_since(
                metric=metric, service_id=standard.service_id, since=mark
            )
            if moments:
                outcomes.append(standard_evaluate(standard=standard, touched=moments))
            continue
        outcomes.append(standard_evaluate(standard=standard, start=mark - dt.timedelta(days=40)))
    return outcomes


def sketch_json(data: dict[str, Any]) -> str:
    return json.dumps(data, separators=(",", ":"))
