from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImprovementConfig(AppConfig):
    name = "sqms.improvement"
    label = "improvement"
    verbose_name = _("Improvement")

    def ready(self) -> None:
        from sqms.core.navigation import NavItem, nav_register
        from sqms.core.roles import Area

        nav_register(
            NavItem(
                order=500,
                label=_("Improvement"),
                url_name="improvement:nonconformance_list",
                area=Area.IMPROVEMENT,
                children=(
                    (_("Improvement dashboard"), "improvement:dashboard"),
                    (_("Nonconformances"), "improvement:nonconformance_list"),
                    (_("My actions"), "improvement:action_list"),
                    (_("Pareto of causes"), "improvement:cause_pareto"),
                    (_("Cause taxonomy"), "improvement:cause_list"),
                    (_("Improvement board"), "improvement:initiative_board"),
                    (_("Improvement suggestions"), "improvement:suggestion_list"),
                    (_("Lessons learned"), "improvement:lesson_list"),
                    (_("Automatic raising rules"), "improvement:raise_rule_list"),
                ),
            )
        )
