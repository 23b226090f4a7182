"""Writes of the organisation: each one validated, atomic and audit-logged."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from sqms.core.exceptions import SqmsError
from sqms.core.models import User
from sqms.core.records import record_archive, record_create, record_unarchive, record_update
from sqms.org.models import Channel, Employee, JobRole, Service, Site, Team

OrgRecord = Site | Team | JobRole | Employee | Service


def site_create(
    *,
    actor: User | None,
    code: str,
    name: str,
    address: str = "",
    time_zone: str = "Asia/Seoul",
    phone: str = "",
    scoped_users: Iterable[User] = (),
) -> Site:
    site = Site(code=code, name=name, address=address, time_zone=time_zone, phone=phone)
    return record_create(actor=actor, obj=site, m2m={"scoped_users": list(scoped_users)})


def team_create(
    *, actor: User | None, site: Site, code: str, name: str, description: str = ""
) -> Team:
    return record_create(
        actor=actor, obj=Team(site=site, code=code, name=name, description=description)
    )


def job_role_create(*, actor: User | None, code: str, name: str, description: str = "") -> JobRole:
    return record_create(actor=actor, obj=JobRole(code=code, name=name, description=description))


def _check_team_site(team: Team | None, site: Site) -> None:
    if team is not None and team.site_id != site.pk:
        raise SqmsError(_("The team %(team)s belongs to another site.") % {"team": team})


def employee_create(
    *,
    actor: User | None,
    employee_no: str,
    name: str,
    site: Site,
    team: Team | None = None,
    job_role: JobRole | None = None,
    email: str = "",
    phone: str = "",
    user: User | None = None,
    hired_on: dt.date | None = None,
) -> Employee:
    _check_team_site(team, site)
    employee = Employee(
        employee_no=employee_no,
        name=name,
        site=site,
        team=team,
        job_role=job_role,
        email=email,
        phone=phone,
        user=user,
        hired_on=hired_on,
    )
    return record_create(actor=actor, obj=employee)


def _clean_channels(channels: Iterable[str]) -> list[str]:
    valid = set(Channel.values)
    chosen = list(dict.fromkeys(channels))
    unknown = [c for c in chosen if c not in valid]
    if unknown:
        raise SqmsError(_("Unknown channel: %(channels)s") % {"channels": ", ".join(unknown)})
    return [c for c in Channel.values if c in chosen]


def service_create(
    *,
    actor: User | None,
    code: str,
    name: str,
    description: str = "",
    owner: Employee | None = None,
    channels: Iterable[str] = (),
    sites: Iterable[Site] = (),
) -> Service:
    service = Service(
        code=code,
        name=name,
        description=description,
        owner=owner,
        channels=_clean_channels(channels),
    )
    return record_create(actor=actor, obj=service, m2m={"sites": list(sites)})


@transaction.atomic
def org_record_update(
    *,
    actor: User | None,
    obj: OrgRecord,
    fields: Mapping[str, Any],
    m2m: Mapping[str, Any] | None = None,
    reason: str = "",
) -> OrgRecord:
    """Update any organisation record; checks what spans records before saving."""
    fields = dict(fields)
    if isinstance(obj, Service) and "channels" in fields:
        fields["channels"] = _clean_channels(fields["channels"])
    if isinstance(obj, Employee):
        _check_team_site(fields.get("team", obj.team), fields.get("site", obj.site))
    moving = isinstance(obj, Team) and "site" in fields and fields["site"].pk != obj.site_id
    if moving and obj.members.filter(archived_at__isnull=True).exists():  # type: ignore[union-attr]
        raise SqmsError(_("Move the team's employees before moving the team to another site."))
    return record_update(actor=actor, obj=obj, fields=fields, m2m=m2m, reason=reason)


def org_record_archive(*, actor: User | None, obj: OrgRecord, reason: str) -> OrgRecord:
    return record_archive(actor=actor, obj=obj, reason=reason)


def org_record_unarchive(*, actor: User | None, obj: OrgRecord, reason: str) -> OrgRecord:
    return record_unarchive(actor=actor, obj=obj, reason=reason)
