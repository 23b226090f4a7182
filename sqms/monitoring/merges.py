"""Pending merges: blocks of new records waiting to be counted into their standards' rollups.

An import block of new records (no correction among them) writes, in its own transaction, one
`PendingMerge` per active record standard of its services, naming the block's ids.
Evaluation then reads just those records and merges their sums and sketches into the stored
cells (`cell_merge`), so its cost follows the block and not the records already stored.

Exactly once: every evaluation of a standard (a merge, a recomputation of touched hours, a new
version's history) runs in one transaction that first locks the standard and takes
(deletes) its pending merges. On PostgreSQL an import block takes a shared lock on its
services and standards when it writes its pending merges and holds it until it commits, so a
block commits either before an evaluation locks the standard (which then sees its records and
takes its pending merge) or after that evaluation ends (which did not see its records; a later
one merges them): never counted by a recomputation and merged again. Standard creation locks
the service, so a block that looked up the standards before the new one existed commits before
the new standard's first evaluation starts. On SQLite, IMMEDIATE transactions serialise every
writer, which does the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from django.db import connection
from numpy.typing import NDArray

from sqms.monitoring.models import PendingMerge
from sqms.org.models import Service
from sqms.standards.models import RECORD_SOURCES, Metric, ServiceStandard

Range = tuple[int, int]  # first and last id, inclusive
PASS_IDS = 2_000_000  # ids read per merge pass: memory stays bounded on a large import


def id_ranges(ids: NDArray[np.int64]) -> list[Range]:
    """Runs of consecutive ids."""
    if not ids.size:
        return []
    ids = np.sort(ids)
    breaks = np.flatnonzero(np.diff(ids) != 1)
    starts = np.concatenate([[0], breaks + 1])
    ends = np.concatenate([breaks, [ids.size - 1]])
    return [(int(ids[a]), int(ids[b])) for a, b in zip(starts, ends, strict=True)]


def coalesced(ranges: Iterable[Range]) -> list[Range]:
    """Sorted ranges with overlapping and adjacent ones joined."""
    out: list[Range] = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def passes(ranges: Sequence[Range], size: int = PASS_IDS) -> list[list[Range]]:
    """The ranges cut into groups spanning at most `size` ids each."""
    groups: list[list[Range]] = [[]]
    room = size
    for lo, hi in ranges:
        while lo <= hi:
            if room == 0:
                groups.append([])
                room = size
            take = min(hi - lo + 1, room)
            groups[-1].append((lo, lo + take - 1))
            room -= take
            lo += take
    return [g for g in groups if g]


def pending_add(*, service_ids: Sequence[int], ranges: Sequence[Range]) -> int:
    """In the transaction writing a block of new records: a pending merge per active record
    standard of the services and id range. Returns the rows written."""
    if not ranges or not service_ids:
        return 0
    services = sorted({int(s) for s in service_ids})
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # shared: blocks of several imports go on together; a standard being created
            # (it locks its service) or evaluated (`standard_lock`) waits, or is waited for
            cursor.execute(
                f"SELECT id FROM {Service._meta.db_table} "  # noqa: S608
                "WHERE id = ANY(%s) ORDER BY id FOR SHARE",
                [services],
            )
            cursor.execute(
                f"SELECT s.id FROM {ServiceStandard._meta.db_table} s "  # noqa: S608
                f"JOIN {Metric._meta.db_table} m ON m.id = s.metric_id "
                "WHERE s.service_id = ANY(%s) AND s.archived_at IS NULL AND m.source = ANY(%s) "
                "ORDER BY s.id FOR SHARE OF s",
                [services, sorted(RECORD_SOURCES)],
            )
            standards = [pk for (pk,) in cursor.fetchall()]
    else:
        standards = list(
            ServiceStandard.objects.filter(
                service_id__in=services,
                archived_at__isnull=True,
                metric__source__in=RECORD_SOURCES,
            )
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    rows = [
        PendingMerge(standard_id=pk, first_id=lo, last_id=hi)
        for pk in standards
        for lo, hi in ranges
    ]
    PendingMerge.objects.bulk_create(rows)
    return len(rows)


def standard_lock(standard: ServiceStandard) -> None:
    """Hold the standard until the transaction ends; no block can commit a pending merge for
    it meanwhile (SQLite's write lock already holds everything)."""
    if connection.vendor == "postgresql":
        list(
            ServiceStandard.objects.select_for_update(no_key=True)
            .filter(pk=standard.pk)
            .values_list("pk", flat=True)
        )


def pending_take(standard: ServiceStandard) -> list[Range]:
    """Delete the standard's pending merges (call under `standard_lock`); their id ranges,
    joined."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {PendingMerge._meta.db_table} "  # noqa: S608
            "WHERE standard_id = %s RETURNING first_id, last_id",
            [standard.pk],
        )
        rows = cursor.fetchall()
    return coalesced((int(a), int(b)) for a, b in rows)
