from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "sqms.documents"
    label = "documents"
    verbose_name = _("Documents")

    def ready(self) -> None:
        from sqms.core.navigation import NavItem, nav_register
        from sqms.core.roles import Area

        nav_register(
            NavItem(
                order=150,
                label=_("Documents"),
                url_name="documents:document_list",
                area=Area.DOCUMENTS,
                children=(
                    (_("All documents"), "documents:document_list"),
                    (_("Documents to acknowledge"), "documents:acknowledgement_list"),
                ),
            )
        )
