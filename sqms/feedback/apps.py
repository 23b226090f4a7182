from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "sqms.feedback"
    label = "feedback"
    verbose_name = _("Customer feedback")

    def ready(self) -> None:
        from sqms.core.navigation import NavItem, nav_register
        from sqms.core.roles import Area

        nav_register(
            NavItem(
                order=300,
                label=_("Customer feedback"),
                url_name="feedback:survey_list",
                area=Area.FEEDBACK,
                children=(
                    (_("Surveys"), "feedback:survey_list"),
                    (_("Complaints"), "feedback:complaint_list"),
                    (_("Follow-ups"), "feedback:followup_list"),
                    (_("Customer needs"), "feedback:need_list"),
                    (_("Text analytics"), "feedback:text_analytics"),
                    (_("Response imports"), "feedback:import_list"),
                ),
                for_writers=frozenset({"feedback:import_list"}),
            )
        )
