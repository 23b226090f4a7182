"""Background jobs of the monitoring app: imports confirmed in the browser, and evaluation."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from sqms.monitoring.models import ImportRun


@db_task()  # type: ignore[untyped-decorator]
def import_run_task(run_id: int) -> None:
    from sqms.monitoring.services import import_run_execute

    run = ImportRun.objects.select_related("source", "created_by").filter(pk=run_id).first()
    if run is None:
        return
    import_run_execute(run=run, user=run.created_by)


@db_task(retries=3, retry_delay=120)  # type: ignore[untyped-decorator]
def alert_deliver_task(delivery_id: int) -> None:
    """Send one alert delivery; a failure raises so that the worker retries it."""
    from sqms.monitoring.alerts import alert_deliver
    from sqms.monitoring.models import AlertDelivery

    delivery = (
        AlertDelivery.objects.select_related("signal__standard", "signal__version", "recipient")
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is not None:
        alert_deliver(delivery=delivery)


@db_task()  # type: ignore[untyped-decorator]
def evaluate_touched_task(touched: dict[int, list[int]]) -> None:
    """Re-evaluate the (service, hour) periods an import or API batch wrote to."""
    from sqms.monitoring.evaluation import touched_evaluate

    touched_evaluate(touched={int(k): v for k, v in touched.items()})


@db_task()  # type: ignore[untyped-decorator]
def version_evaluate_task(version_id: int) -> None:
    """A standard got a new version: recompute its history from the version on, set-based."""
    from sqms.monitoring.evaluation import version_reevaluate
    from sqms.standards.models import StandardVersion

    version = StandardVersion.objects.filter(pk=version_id).first()
    if version is not None:
        version_reevaluate(version=version)


@db_task()  # type: ignore[untyped-decorator]
def standard_evaluate_task(standard_id: int) -> None:
    """A standard back in use: recompute its whole history, set-based."""
    from sqms.monitoring.evaluation import standard_evaluate
    from sqms.standards.models import ServiceStandard

    qs = ServiceStandard.objects.select_related("metric").filter(archived_at__isnull=True)
    standard = qs.filter(pk=standard_id).first()
    if standard is not None:
        standard_evaluate(standard=standard)


@db_periodic_task(crontab(minute="*/10"))  # type: ignore[untyped-decorator]
def evaluate_feedback_task() -> None:
    """Feedback, complaint and inspection metrics: re-evaluate what changed since each
    standard's watermark (those apps cannot call monitoring)."""
    from sqms.monitoring.evaluation import feedback_watermark_evaluate

    feedback_watermark_evaluate()


@db_periodic_task(crontab(minute="5-59/10"))  # type: ignore[untyped-decorator]
def evaluate_pending_task() -> None:
    """Blocks of new records whose evaluation task was lost: merge them now."""
    from sqms.monitoring.evaluation import pending_leftovers_evaluate

    pending_leftovers_evaluate()
