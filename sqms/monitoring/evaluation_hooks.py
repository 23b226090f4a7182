"""What an import touched, and handing it to the evaluation worker.

Blocks of new records leave pending merges (`merges`): evaluation adds just those records to
their cells. Blocks holding corrections note the (service, hour) of every row they write, and
of the old position of a corrected row that moved, and evaluation recomputes those periods.
Either way its cost follows the batch, not the history.
"""

from __future__ import annotations

import numpy as np
from django.db import transaction

from sqms.monitoring.ingest_columns import RecordColumns

HOUR_US = 3_600_000_000


def hours_of(records: RecordColumns) -> list[tuple[int, set[int]]]:
    """Per service, the epoch hours (seconds // 3600) the records were received in."""
    if not len(records):
        return []
    pairs = np.unique(
        np.stack([records.service_id, records.received_us // HOUR_US], axis=1), axis=0
    )
    out: dict[int, set[int]] = {}
    for service_id, hour in pairs.tolist():
        out.setdefault(service_id, set()).add(hour)
    return list(out.items())


def evaluation_enqueue(touched: dict[int, set[int]]) -> None:
    """Queue the evaluation of the touched services once the transaction commits: their
    pending merges, and a recomputation of the given hours (corrected records; none when
    every record was new)."""
    from sqms.monitoring.tasks import evaluate_touched_task

    payload = {int(k): sorted(v) for k, v in touched.items()}
    if payload:
        transaction.on_commit(lambda: evaluate_touched_task(payload))
