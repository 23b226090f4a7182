"""Background jobs of the monitoring app: imports confirmed in the browser."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from sqms.monitoring.models import ImportRun


@db_task()  # type: ignore[untyped-decorator]
def import_run_task(run_id: int) -> None:
    from sqms.monitoring.services import import_run_execute

    run = ImportRun.objects.select_related("source", "created_by").filter(pk=run_id).first()
    if run is None:
        return
    import_run_execute(run=run, user=run.created_by)
