"""REST endpoints of the organisation: list (paginated, filterable), detail, create, update."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, Http404
from ninja import Field, Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from sqms.core.access import ensure
from sqms.core.api import api_user
from sqms.core.roles import Area
from sqms.org import access, selectors, services
from sqms.org.models import Channel, Employee, JobRole, Service, Site, Team
from sqms.org.selectors import OrgFilter

router = Router(tags=["organisation"])

Code = Field(..., min_length=1, max_length=20)
Name = Field(..., min_length=1, max_length=120)


class Filters(Schema):
    q: str = ""
    site: int | None = None
    team: int | None = None
    job_role: int | None = None
    channel: Channel | None = None
    archived: bool = False

    def to_filter(self) -> OrgFilter:
        return OrgFilter(q=self.q, site=self.site, team=self.team, job_role=self.job_role,
                         channel=self.channel or "", archived=self.archived)


class SiteOut(Schema):
    id: int
    code: str
    name: str
    address: str
    time_zone: str
    phone: str
    archived_at: dt.datetime | None


class SiteIn(Schema):
    code: str = Code
    name: str = Name
    address: str = Field("", max_length=250)
    time_zone: str = "Asia/Seoul"
    phone: str = Field("", max_length=40)


class SitePatch(Schema):
    code: str | None = Field(None, min_length=1, max_length=20)
    name: str | None = Field(None, min_length=1, max_length=120)
    address: str | None = Field(None, max_length=250)
    time_zone: str | None = None
    phone: str | None = Field(None, max_length=40)


class TeamOut(Schema):
    id: int
    site_id: int
    code: str
    name: str
    description: str
    archived_at: dt.datetime | None


class TeamIn(Schema):
    site_id: int
    code: str = Code
    name: str = Name
    description: str = ""


class TeamPatch(Schema):
    site_id: int | None = None
    code: str | None = Field(None, min_length=1, max_length=20)
    name: str | None = Field(None, min_length=1, max_length=120)
    description: str | None = None


class JobRoleOut(Schema):
    id: int
    code: str
    name: str
    description: str
    archived_at: dt.datetime | None


class JobRoleIn(Schema):
    code: str = Code
    name: str = Name
    description: str = ""


class JobRolePatch(Schema):
    code: str | None = Field(None, min_length=1, max_length=20)
    name: str | None = Field(None, min_length=1, max_length=120)
    description: str | None = None


class EmployeeOut(Schema):
    id: int
    employee_no: str
    name: str
    email: str
    phone: str
    site_id: int
    team_id: int | None
    job_role_id: int | None
    user_id: int | None
    hired_on: dt.date | None
    archived_at: dt.datetime | None


class EmployeeIn(Schema):
    employee_no: str = Code
    name: str = Name
    site_id: int
    team_id: int | None = None
    job_role_id: int | None = None
    email: str = ""
    phone: str = Field("", max_length=40)
    hired_on: dt.date | None = None


class EmployeePatch(Schema):
    employee_no: str | None = Field(None, min_length=1, max_length=20)
    name: str | None = Field(None, min_length=1, max_length=120)
    site_id: int | None = None
    team_id: int | None = None
    job_role_id: int | None = None
    email: str | None = None
    phone: str | None = Field(None, max_length=40)
    hired_on: dt.date | None = None


class ServiceOut(Schema):
    id: int
    code: str
    name: str
    description: str
    owner_id: int | None
    channels: list[str]
    site_ids: list[int]
    archived_at: dt.datetime | None

    @staticmethod
    def resolve_site_ids(obj: Service) -> list[int]:
        return [s.pk for s in obj.sites.all()]


class ServiceIn(Schema):
    code: str = Code
    name: str = Name
    description: str = ""
    owner_id: int | None = None
    channels: list[Channel] = []
    site_ids: list[int] = []


class ServicePatch(Schema):
    code: str | None = Field(None, min_length=1, max_length=20)
    name: str | None = Field(None, min_length=1, max_length=120)
    description: str | None = None
    owner_id: int | None = None
    channels: list[Channel] | None = None
    site_ids: list[int] | None = None


# --- references in a payload resolve through the same access rules as pages -----------------

def _site(request: HttpRequest, pk: int) -> Site:
    try:
        return access.site_get_for_user(user=request.user, pk=pk)
    except Http404:
        raise _unknown("site_id", pk) from None


def _optional(getter: Any, request: HttpRequest, pk: int | None, field: str) -> Any:
    if pk is None:
        return None
    try:
        return getter(user=request.user, pk=pk)
    except Http404:
        raise _unknown(field, pk) from None


def _unknown(field: str, pk: int) -> Exception:
    from django.core.exceptions import ValidationError

    return ValidationError({field: [f"No record with id {pk}."]})


def _resolve(request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    out = dict(data)
    if "site_id" in out:
        out["site"] = _site(request, out.pop("site_id"))
    if "team_id" in out:
        out["team"] = _optional(access.team_get_for_user, request, out.pop("team_id"), "team_id")
    if "job_role_id" in out:
        out["job_role"] = _optional(access.job_role_get_for_user, request, out.pop("job_role_id"), "job_role_id")
    if "owner_id" in out:
        out["owner"] = _optional(access.employee_get_for_user, request, out.pop("owner_id"), "owner_id")
    if "site_ids" in out:
        out["sites"] = [_site(request, pk) for pk in out.pop("site_ids") or []]
    if "channels" in out and out["channels"] is not None:
        out["channels"] = [str(c) for c in out["channels"]]
    return out


def _ensure_create(request: HttpRequest, *, org_wide: bool) -> None:
    ensure(request.user, Area.ORG, write=True)
    if not access.can_create(request.user, org_wide=org_wide):
        raise PermissionDenied


def _update(request: HttpRequest, obj: Any, payload: Schema) -> Any:
    data = _resolve(request, payload.dict(exclude_unset=True))
    m2m = {"sites": data.pop("sites")} if "sites" in data else None
    return services.org_record_update(actor=api_user(request), obj=obj, fields=data, m2m=m2m)


# --- sites -----------------------------------------------------------------------------------

@router.get("/sites/", response=list[SiteOut])
@paginate(PageNumberPagination, page_size=50)
def site_list(request: HttpRequest, filters: Query[Filters]) -> Any:
    ensure(request.user, Area.ORG)
    return selectors.site_list(user=request.user, filters=filters.to_filter())


@router.get("/sites/{pk}/", response=SiteOut)
def site_detail(request: HttpRequest, pk: int) -> Any:
    return access.site_get_for_user(user=request.user, pk=pk)


@router.post("/sites/", response={201: SiteOut})
def site_create(request: HttpRequest, payload: SiteIn) -> Any:
    _ensure_create(request, org_wide=True)
    return 201, services.site_create(actor=api_user(request), **payload.dict())


@router.patch("/sites/{pk}/", response=SiteOut)
def site_update(request: HttpRequest, pk: int, payload: SitePatch) -> Any:
    return _update(request, access.site_get_for_user(user=request.user, pk=pk, write=True), payload)


# --- teams -----------------------------------------------------------------------------------

@router.get("/teams/", response=list[TeamOut])
@paginate(PageNumberPagination, page_size=50)
def team_list(request: HttpRequest, filters: Query[Filters]) -> Any:
    ensure(request.user, Area.ORG)
    return selectors.team_list(user=request.user, filters=filters.to_filter())


@router.get("/teams/{pk}/", response=TeamOut)
def team_detail(request: HttpRequest, pk: int) -> Any:
    return access.team_get_for_user(user=request.user, pk=pk)


@router.post("/teams/", response={201: TeamOut})
def team_create(request: HttpRequest, payload: TeamIn) -> Any:
    _ensure_create(request, org_wide=False)
    return 201, services.team_create(actor=api_user(request), **_resolve(request, payload.dict()))


@router.patch("/teams/{pk}/", response=TeamOut)
def team_update(request: HttpRequest, pk: int, payload: TeamPatch) -> Any:
    return _update(request, access.team_get_for_user(user=request.user, pk=pk, write=True), payload)


# --- job roles -------------------------------------------------------------------------------

@router.get("/job-roles/", response=list[JobRoleOut])
@paginate(PageNumberPagination, page_size=50)
def job_role_list(request: HttpRequest, filters: Query[Filters]) -> Any:
    ensure(request.user, Area.ORG)
    return selectors.job_role_list(user=request.user, filters=filters.to_filter())


@router.get("/job-roles/{pk}/", response=JobRoleOut)
def job_role_detail(request: HttpRequest, pk: int) -> Any:
    return access.job_role_get_for_user(user=request.user, pk=pk)


@router.post("/job-roles/", response={201: JobRoleOut})
def job_role_create(request: HttpRequest, payload: JobRoleIn) -> Any:
    _ensure_create(request, org_wide=True)
    return 201, services.job_role_create(actor=api_user(request), **payload.dict())


@router.patch("/job-roles/{pk}/", response=JobRoleOut)
def job_role_update(request: HttpRequest, pk: int, payload: JobRolePatch) -> Any:
    return _update(request, access.job_role_get_for_user(user=request.user, pk=pk, write=True), payload)


# --- employees -------------------------------------------------------------------------------

@router.get("/employees/", response=list[EmployeeOut])
@paginate(PageNumberPagination, page_size=50)
def employee_list(request: HttpRequest, filters: Query[Filters]) -> Any:
    ensure(request.user, Area.ORG)
    return selectors.employee_list(user=request.user, filters=filters.to_filter())


@router.get("/employees/{pk}/", response=EmployeeOut)
def employee_detail(request: HttpRequest, pk: int) -> Any:
    return access.employee_get_for_user(user=request.user, pk=pk)


@router.post("/employees/", response={201: EmployeeOut})
def employee_create(request: HttpRequest, payload: EmployeeIn) -> Any:
    _ensure_create(request, org_wide=False)
    return 201, services.employee_create(actor=api_user(request), **_resolve(request, payload.dict()))


@router.patch("/employees/{pk}/", response=EmployeeOut)
def employee_update(request: HttpRequest, pk: int, payload: EmployeePatch) -> Any:
    return _update(request, access.employee_get_for_user(user=request.user, pk=pk, write=True), payload)


# --- services --------------------------------------------------------------------------------

@router.get("/services/", response=list[ServiceOut])
@paginate(PageNumberPagination, page_size=50)
def service_list(request: HttpRequest, filters: Query[Filters]) -> Any:
    ensure(request.user, Area.ORG)
    return selectors.service_list(user=request.user, filters=filters.to_filter())


@router.get("/services/{pk}/", response=ServiceOut)
def service_detail(request: HttpRequest, pk: int) -> Any:
    return access.service_get_for_user(user=request.user, pk=pk)


@router.post("/services/", response={201: ServiceOut})
def service_create(request: HttpRequest, payload: ServiceIn) -> Any:
    _ensure_create(request, org_wide=True)
    return 201, services.service_create(actor=api_user(request), **_resolve(request, payload.dict()))


@router.patch("/services/{pk}/", response=ServiceOut)
def service_update(request: HttpRequest, pk: int, payload: ServicePatch) -> Any:
    return _update(request, access.service_get_for_user(user=request.user, pk=pk, write=True), payload)
