"""Factories for tests: small, readable, every record created through the services."""

from __future__ import annotations

import itertools

from sqms.core.models import User
from sqms.core.roles import Role
from sqms.core.services import user_create
from sqms.org import services
from sqms.org.models import Employee, JobRole, Service, Site, Team

PASSWORD = "correct-horse-battery-9"
_seq = itertools.count(1)


def make_user(
    role: str = Role.STAFF, *, username: str | None = None, sites: list[Site] | None = None
) -> User:
    user = user_create(
        actor=None, username=username or f"user{next(_seq)}", password=PASSWORD, role=role
    )
    for site in sites or []:
        site.scoped_users.add(user)
    return user


def make_site(code: str | None = None, name: str = "서울 센터") -> Site:
    n = next(_seq)
    return services.site_create(actor=None, code=code or f"S{n}", name=f"{name} {n}")


def make_team(site: Site | None = None) -> Team:
    n = next(_seq)
    return services.team_create(actor=None, site=site or make_site(), code=f"T{n}", name=f"팀 {n}")


def make_job_role() -> JobRole:
    n = next(_seq)
    return services.job_role_create(actor=None, code=f"R{n}", name=f"상담원 {n}")


def make_employee(site: Site | None = None, team: Team | None = None) -> Employee:
    n = next(_seq)
    site = site or (team.site if team else make_site())
    return services.employee_create(
        actor=None, employee_no=f"E{n}", name=f"홍길동{n}", site=site, team=team
    )


def make_service(sites: list[Site] | None = None) -> Service:
    n = next(_seq)
    return services.service_create(
        actor=None, code=f"SV{n}", name=f"서비스 {n}", channels=["phone"], sites=sites or []
    )
