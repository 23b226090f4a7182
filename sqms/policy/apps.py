from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PolicyConfig(AppConfig):
    name = "sqms.policy"
    label = "policy"
    verbose_name = _("Quality policy")

    def ready(self) -> None:
        from sqms.core.navigation import NavItem, nav_register
        from sqms.core.roles import Area

        nav_register(
            NavItem(
                order=50,
                label=_("Quality policy"),
                url_name="policy:policy",
                area=Area.POLICY,
                children=(
                    (_("Policy"), "policy:policy"),
                    (_("Quality objectives"), "policy:objective_list"),
                    (_("Management reviews"), "policy:review_list"),
                ),
            )
        )
