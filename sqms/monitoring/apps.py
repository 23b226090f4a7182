from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "sqms.monitoring"
    label = "monitoring"
    verbose_name = _("Monitoring")

    def ready(self) -> None:
        from sqms.core.navigation import NavItem, nav_register
        from sqms.core.roles import Area

        nav_register(
            NavItem(
                order=400,
                label=_("Monitoring"),
                url_name="monitoring:record_list",
                area=Area.MONITORING,
                children=(
                    (_("Service records"), "monitoring:record_list"),
                    (_("Imports"), "monitoring:import_list"),
                    (_("Sources"), "monitoring:source_list"),
                ),
            )
        )
