"""What an import touched, and handing it to the evaluation worker.

Imports note the (service, hour) of every row they write, and of the old position of a
corrected row that moved, so evaluation reads only those periods: its cost follows the batch,
not the history.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection, transaction

from sqms.monitoring.ingest import CleanRow
from sqms.monitoring.models import ServiceRecord

TABLE = ServiceRecord._meta.db_table


def hours_of(rows: Iterable[CleanRow]) -> list[tuple[int, set[int]]]:
    """Per service, the epoch hours (seconds // 3600) the rows were received in."""
    out: dict[int, set[int]] = {}
    for row in rows:
        out.setdefault(row.service_id, set()).add(int(row.received_at.timestamp()) // 3600)
    return list(out.items())


def hours_before(*, source_id: int, rows: Sequence[CleanRow]) -> list[tuple[int, set[int]]]:
    """For rows that exist already with other content: where they were before (a corrected
    row may have moved to another hour or service; its old cell must be recomputed too)."""
    if not rows:
        return []
    new = {r.external_id: r.row_hash for r in rows}
    ids = list(new)
    out: dict[int, set[int]] = {}
    step = 10_000 if connection.vendor == "postgresql" else 900
    for i in range(0, len(ids), step):
        found = ServiceRecord.objects.filter(
            source_id=source_id, external_id__in=ids[i : i + step]
        ).values_list("external_id", "row_hash", "service_id", "received_at")
        for external_id, row_hash, service_id, received in found:
            if new.get(external_id) != row_hash:
                out.setdefault(service_id, set()).add(int(received.timestamp()) // 3600)
    return list(out.items())


def evaluation_enqueue(touched: dict[int, set[int]]) -> None:
    """Queue the re-evaluation of the touched hours once the transaction commits."""
    from sqms.monitoring.tasks import evaluate_touched_task

    payload = {int(k): sorted(v) for k, v in touched.items() if v}
    if payload:
        transaction.on_commit(lambda: evaluate_touched_task(payload))
