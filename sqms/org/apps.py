from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "sqms.org"
    label = "org"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from sqms.core.navigation import NavItem, nav_register
        from sqms.core.roles import Area

        nav_register(
            NavItem(
                order=900,
                label=_("Organisation"),
                url_name="org:site_list",
                area=Area.ORG,
                children=(
                    (_("Sites"), "org:site_list"),
                    (_("Teams"), "org:team_list"),
                    (_("Employees"), "org:employee_list"),
                    (_("Job roles"), "org:job_role_list"),
                    (_("Service catalogue"), "org:service_list"),
                ),
            )
        )
