"""Roles and what each may do, per area. One table, read by every access helper."""

from __future__ import annotations

from enum import IntEnum, StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    QUALITY_MANAGER = "quality_manager", _("Quality manager")
    PROCESS_OWNER = "process_owner", _("Process owner")
    STAFF = "staff", _("Staff")
    AUDITOR = "auditor", _("Auditor")
    EXECUTIVE = "executive", _("Executive")


class Area(StrEnum):
    ORG = "org"
    AUDIT = "audit"


class Level(IntEnum):
    NONE = 0
    READ = 1
    WRITE = 2


GRANTS: dict[str, dict[Area, Level]] = {
    Role.ADMIN: {Area.ORG: Level.WRITE, Area.AUDIT: Level.READ},
    Role.QUALITY_MANAGER: {Area.ORG: Level.WRITE, Area.AUDIT: Level.READ},
    Role.PROCESS_OWNER: {Area.ORG: Level.READ},
    Role.STAFF: {Area.ORG: Level.READ},
    # The auditor reads everything, the audit trail included, and changes nothing.
    Role.AUDITOR: {Area.ORG: Level.READ, Area.AUDIT: Level.READ},
    Role.EXECUTIVE: {Area.ORG: Level.READ},
}
