"""Clock targets of complaints per severity (ISO 10002): who may set them, what applies, the write.

A changed target applies to complaints received afterwards and to due times recomputed
afterwards (severity or site changed, complaint reopened). Due times already set are kept:
they were the promise made when the complaint came in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from sqms.core.access import can, role_of
from sqms.core.exceptions import SqmsError
from sqms.core.models import User
from sqms.core.records import record_create, record_update
from sqms.core.roles import Area, Role
from sqms.feedback import complaint_rules as rules
from sqms.feedback.models import ComplaintSeverity, ComplaintTarget

# Most severe first: the order of the page.
ORDER = (
    ComplaintSeverity.CRITICAL,
    ComplaintSeverity.HIGH,
    ComplaintSeverity.MEDIUM,
    ComplaintSeverity.LOW,
)
FIELDS = ("acknowledge_hours", "resolve_hours")
CENT = Decimal("0.01")


def field_name(severity: str, field: str) -> str:
    """The form field of one severity's target, e.g. `critical_resolve_hours`."""
    return f"{severity}_{field}"


def can_manage_targets(user: Any) -> bool:
    """Targets are an organisation-wide promise: quality managers and administrators set them."""
    return can(user, Area.FEEDBACK, write=True) and role_of(user) in (
        Role.QUALITY_MANAGER,
        Role.ADMIN,
    )


def plain_hours(value: Decimal) -> str:
    """8.00 → "8", 1.50 → "1.5": as a person would type it."""
    return f"{value.normalize():f}"


def _as_hours(delta: dt.timedelta) -> Decimal:
    return (Decimal(int(delta.total_seconds())) / 3600).quantize(CENT)


@dataclass(frozen=True)
class TargetRow:
    severity: str
    label: str
    acknowledge_hours: Decimal
    resolve_hours: Decimal
    is_default: bool
    updated_at: dt.datetime | None

    @property
    def acknowledge_text(self) -> str:
        return plain_hours(self.acknowledge_hours)

    @property
    def resolve_text(self) -> str:
        return plain_hours(self.resolve_hours)


def complaint_targets_table() -> list[TargetRow]:
    """The target in force for each severity, stored or default, most severe first."""
    stored = {t.severity: t for t in ComplaintTarget.objects.all()}
    rows = []
    for severity in ORDER:
        target = stored.get(severity)
        if target is not None:
            ack, resolve = target.acknowledge_hours, target.resolve_hours
        else:
            ack, resolve = (_as_hours(d) for d in rules.TARGETS[severity])
        rows.append(
            TargetRow(
                severity=severity,
                label=str(ComplaintSeverity(severity).label),
                acknowledge_hours=ack,
                resolve_hours=resolve,
                is_default=target is None,
                updated_at=target.updated_at if target is not None else None,
            )
        )
    return rows


class TargetsInvalid(SqmsError):
    """Bad targets; `errors` is keyed by form field name (see `field_name`)."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__(_("Some fields need attention."))


@transaction.atomic
def complaint_targets_set(
    *, actor: User | None, values: Mapping[str, tuple[Decimal, Decimal]]
) -> list[ComplaintTarget]:
    """Store (acknowledge, resolve) business hours per severity; audit-logged, all or nothing.

    A severity still on its default and given the default again stays unstored. Returns the
    rows created or changed. Raises TargetsInvalid naming the form fields.
    """
    unknown = set(values) - set(ComplaintSeverity.values)
    if unknown:
        raise SqmsError(_("Unknown severity: %(names)s") % {"names": ", ".join(sorted(unknown))})
    stored = {t.severity: t for t in ComplaintTarget.objects.select_for_update()}
    pending: list[tuple[ComplaintTarget | None, ComplaintTarget]] = []
    errors: dict[str, str] = {}
    for severity in ORDER:
        if severity not in values:
            continue
        ack, resolve = values[severity]
        current = stored.get(severity)
        if current is None:
            if (ack, resolve) == tuple(_as_hours(d) for d in rules.TARGETS[severity]):
                continue
        elif (ack, resolve) == (current.acknowledge_hours, current.resolve_hours):
            continue
        candidate = ComplaintTarget(
            pk=current.pk if current else None,
            severity=severity,
            acknowledge_hours=ack,
            resolve_hours=resolve,
        )
        try:  # check every severity before writing any, so a bad one saves nothing
            candidate.full_clean(validate_unique=current is None)  # an update keeps its row
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                key = field_name(severity, name) if name in FIELDS else "__all__"
                errors.setdefault(key, str(messages[0]))
            continue
        for name in FIELDS:  # as the database returns it, so the audit trail compares alike
            setattr(candidate, name, getattr(candidate, name).quantize(CENT))
        pending.append((current, candidate))
    if errors:
        raise TargetsInvalid(errors)
    written = []
    for current, candidate in pending:
        if current is None:
            try:
                with transaction.atomic():
                    written.append(record_create(actor=actor, obj=candidate))
            except IntegrityError:  # another manager stored this severity a moment ago
                raise TargetsInvalid(
                    {
                        "__all__": _(
                            "Someone else saved these targets a moment ago. Check them and "
                            "save again."
                        )
                    }
                ) from None
        else:
            fields = {name: getattr(candidate, name) for name in FIELDS}
            written.append(record_update(actor=actor, obj=current, fields=fields))
    return written
