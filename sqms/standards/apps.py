from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StandardsConfig(AppConfig):
    name = "sqms.standards"
    label = "standards"
    verbose_name = _("Service standards")

    def ready(self) -> None:
        from sqms.core.navigation import NavItem, nav_register
        from sqms.core.roles import Area

        nav_register(
            NavItem(
                order=200,
                label=_("Service standards"),
                url_name="standards:standard_list",
                area=Area.STANDARDS,
                children=(
                    (_("Service standards"), "standards:standard_list"),
                    (_("Metrics"), "standards:metric_list"),
                    (_("Business-hours calendars"), "standards:calendar_list"),
                ),
            )
        )
