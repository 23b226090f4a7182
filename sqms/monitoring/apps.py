from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "sqms.monitoring"
    label = "monitoring"
    verbose_name = _("Monitoring")

    def ready(self) -> None:
        from sqms.core.navigation import NavItem, nav_register
        from sqms.core.roles import Area
        from sqms.standards.hooks import unarchive_listeners, version_listeners

        if _version_evaluate not in version_listeners:
            version_listeners.append(_version_evaluate)
        if _standard_evaluate not in unarchive_listeners:
            unarchive_listeners.append(_standard_evaluate)

        nav_register(
            NavItem(
                order=400,
                label=_("Monitoring"),
                url_name="monitoring:dashboard",
                area=Area.MONITORING,
                children=(
                    (_("Dashboard"), "monitoring:dashboard"),
                    (_("Executive overview"), "monitoring:executive"),
                    (_("Signals"), "monitoring:signal_list"),
                    (_("Inspections"), "monitoring:inspection_list"),
                    (_("Service records"), "monitoring:record_list"),
                    (_("Imports"), "monitoring:import_list"),
                    (_("Sources"), "monitoring:source_list"),
                ),
            )
        )


def _version_evaluate(version: object) -> None:
    """A new standard version re-evaluates the standard's history in the worker."""
    from sqms.monitoring.tasks import version_evaluate_task

    version_evaluate_task(getattr(version, "pk", None))


def _standard_evaluate(standard: object) -> None:
    """A standard back in use re-evaluates its whole history in the worker: records that
    arrived while it was archived were counted into no standard of it."""
    from sqms.monitoring.tasks import standard_evaluate_task

    standard_evaluate_task(getattr(standard, "pk", None))
