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
    DOCUMENTS = "documents"
    STANDARDS = "standards"
    FEEDBACK = "feedback"
    MONITORING = "monitoring"
    IMPROVEMENT = "improvement"
    POLICY = "policy"


class Level(IntEnum):
    NONE = 0
    READ = 1
    WRITE = 2


_READ_ALL = {
    Area.ORG: Level.READ,
    Area.DOCUMENTS: Level.READ,
    Area.STANDARDS: Level.READ,
    Area.FEEDBACK: Level.READ,
    Area.MONITORING: Level.READ,
    Area.IMPROVEMENT: Level.READ,
    Area.POLICY: Level.READ,
}
_WRITE_ALL = dict.fromkeys(_READ_ALL, Level.WRITE)

GRANTS: dict[str, dict[Area, Level]] = {
    Role.ADMIN: {**_WRITE_ALL, Area.AUDIT: Level.READ},
    Role.QUALITY_MANAGER: {**_WRITE_ALL, Area.AUDIT: Level.READ},
    # Process owners write the procedures of their processes, follow up their customers'
    # feedback and own corrective actions.
    Role.PROCESS_OWNER: {
        **_READ_ALL,
        Area.DOCUMENTS: Level.WRITE,
        Area.FEEDBACK: Level.WRITE,
        Area.IMPROVEMENT: Level.WRITE,
    },
    Role.STAFF: dict(_READ_ALL),
    # The auditor reads everything, the audit trail included, and changes nothing.
    Role.AUDITOR: {**_READ_ALL, Area.AUDIT: Level.READ},
    Role.EXECUTIVE: dict(_READ_ALL),
}
