"""REST endpoints of the organisation: list (paginated, filterable), detail, create, update."""

# No `from __future__ import annotations` here: @paginate wraps the list views, and ninja would
# then resolve the postponed `Query[Filters]` in ninja.pagination's globals (500 on every list).
import datetime as dt
from collections.abc import Callable
from typing import Any

from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate
from ninja.responses import Status
from ninja.schema import DjangoGetter
from pydantic import field_validator, model_validator

from sqms.core.access import ensure
from sqms.core.api import api_user
from sqms.core.roles import Area
from sqms.org import access, selectors, services
from sqms.org.models import Channel, Service, Site
from sqms.org.selectors import OrgFilter

router = Router(tags=["organisation"])

Code = Field(..., min_length=1, max_length=20)
Name = Field(..., min_length=1, max_length=120)
MAX_ID = 2**63 - 1  # larger ids overflow the database integer: a 422, not a 500


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _reject_nul(value: Any) -> Any:
    if _has_nul(value):
        raise ValueError(_("Text may not contain NUL characters."))
    return value


class Payload(Schema):
    """A request body: a JSON object (ninja's Schema would take `[]` as an empty object), with
    no NUL character (PostgreSQL cannot store one)."""

    @model_validator(mode="before")
    @classmethod
    def _object_only(cls, data: Any) -> Any:
        raw = data._obj if isinstance(data, DjangoGetter) else data  # ninja wraps the input first
        if not isinstance(raw, dict):
            raise ValueError(_("The request body must be a JSON object."))
        return data

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return _reject_nul(value)


class Pages(PageNumberPagination):
    class Input(Schema):
        page: int = Field(1, ge=1, le=1_000_000)
        page_size: int | None = Field(None, ge=1)


class Filters(Schema):
    q: str = ""
    site: int | None = Field(None, le=MAX_ID)
    team: int | None = Field(None, le=MAX_ID)
    job_role: int | None = Field(None, le=MAX_ID)
    channel: Channel | None = None
    archived: bool = False

    @field_validator("q")
    @classmethod
    def _no_nul(cls, value: str) -> str:
        return str(_reject_nul(value))

    def to_filter(self) -> OrgFilter:
        return OrgFilter(
            q=self.q,
            site=self.site,
            team=self.team,
            job_role=self.job_role,
            channel=self.channel or "",
            archived=self.archived,
        )


class SiteOut(Schema):
    id: int
    code: str
    name: str
    address: str
    time_zone: str
    phone: str
    archived_at: dt.datetime | None


class SiteIn(Payload):
    code: str = Code
    name: str = Name
    address: str = Field("", max_length=250)
    time_zone: str = "Asia/Seoul"
    phone: str = Field("", max_length=40)


class SitePatch(Payload):
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


class TeamIn(Payload):
    site_id: int
    code: str = Code
    name: str = Name
    description: str = ""


class TeamPatch(Payload):
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


class JobRoleIn(Payload):
    code: str = Code
    name: str = Name
    description: str = ""


class JobRolePatch(Payload):
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


class EmployeeIn(Payload):
    employee_no: str = Code
    name: str = Name
    site_id: int
    team_id: int | None = None
    job_role_id: int | None = None
    email: str = ""
    phone: str = Field("", max_length=40)
    hired_on: dt.date | None = None


class EmployeePatch(Payload):
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


class ServiceIn(Payload):
    code: str = Code
    name: str = Name
    description: str = ""
    owner_id: int | None = None
    channels: list[Channel] = []
    site_ids: list[int] = []


class ServicePatch(Payload):
    code: str | None = Field(None, min_length=1, max_length=20)
    name: str | None = Field(None, min_length=1, max_length=120)
    description: str | None = None
    owner_id: int | None = None
    channels: list[Channel] | None = None
    site_ids: list[int] | None = None


# --- references in a payload resolve through the same access rules as pages -----------------


def _site(request: HttpRequest, pk: int, field: str = "site_id") -> Site:
    try:
        return access.site_get_for_user(user=request.user, pk=pk)
    except Http404:
        raise _unknown(field, pk) from None


def _optional(getter: Any, request: HttpRequest, pk: int | None, field: str) -> Any:
    if pk is None:
        return None
    try:
        return getter(user=request.user, pk=pk)
    except Http404:
        raise _unknown(field, pk) from None


def _unknown(field: str, pk: int) -> Exception:
    return ValidationError({field: [_("No record with id %(pk)s.") % {"pk": pk}]})


def _resolve(request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    out = dict(data)
    if "site_id" in out:
        out["site"] = _site(request, out.pop("site_id"))
    if "team_id" in out:
        out["team"] = _optional(access.team_get_for_user, request, out.pop("team_id"), "team_id")
    if "job_role_id" in out:
        out["job_role"] = _optional(
            access.job_role_get_for_user, request, out.pop("job_role_id"), "job_role_id"
        )
    if "owner_id" in out:
        out["owner"] = _optional(
            access.employee_get_for_user, request, out.pop("owner_id"), "owner_id"
        )
    if "site_ids" in out:
        out["sites"] = [_site(request, pk, "site_ids") for pk in out.pop("site_ids") or []]
    if "channels" in out and out["channels"] is not None:
        out["channels"] = [str(c) for c in out["channels"]]
    return out


def _ensure_create(request: HttpRequest, *, org_wide: bool) -> None:
    ensure(request.user, Area.ORG, write=True)
    if not access.can_create(request.user, org_wide=org_wide):
        raise PermissionDenied


def _reject_nulls(obj: Any, data: dict[str, Any]) -> None:
    """A PATCH may leave a field out, not null one the record cannot hold (`full_clean()` skips
    blank fields, so the database would refuse it: a 500)."""
    errors = {}
    for key, value in data.items():
        if value is not None:
            continue
        try:
            field = obj._meta.get_field(key.removesuffix("_id"))
        except FieldDoesNotExist:  # site_ids: null means no site
            continue
        if not field.null:
            errors[key] = [_("This field may not be null.")]
    if errors:
        raise ValidationError(errors)


def _update(request: HttpRequest, obj: Any, payload: Schema) -> Any:
    raw = payload.dict(exclude_unset=True)
    _reject_nulls(obj, raw)
    data = _resolve(request, raw)
    m2m = {"sites": data.pop("sites")} if "sites" in data else None
    return services.org_record_update(actor=api_user(request), obj=obj, fields=data, m2m=m2m)


# --- endpoints: the same four for every organisation record ---------------------------------


def _endpoints(
    *,
    name: str,
    prefix: str,
    out: type[Schema],
    create_in: type[Payload],
    patch_in: type[Payload],
    get_for_user: Callable[..., Any],
    list_selector: Callable[..., Any],
    create: Callable[..., Any],
    org_wide: bool,
) -> None:
    label = name.replace("_", " ").capitalize()

    def record_list(request: HttpRequest, filters: Query[Filters]) -> Any:
        ensure(request.user, Area.ORG)
        return list_selector(user=request.user, filters=filters.to_filter())

    def record_detail(request: HttpRequest, pk: int) -> Any:
        return get_for_user(user=request.user, pk=pk)

    def record_create(request: HttpRequest, payload: create_in) -> Any:  # type: ignore[valid-type]
        _ensure_create(request, org_wide=org_wide)
        data = _resolve(request, payload.dict())  # type: ignore[attr-defined]
        return Status(201, create(actor=api_user(request), **data))

    def record_update(request: HttpRequest, pk: int, payload: patch_in) -> Any:  # type: ignore[valid-type]
        return _update(request, get_for_user(user=request.user, pk=pk, write=True), payload)

    def op(verb: str) -> dict[str, Any]:
        # Stable operation ids and URL names, as if each function were written out by hand.
        return {
            "operation_id": f"sqms_org_api_{name}_{verb}",
            "url_name": f"{name}_{verb}",
            "summary": f"{label} {verb.capitalize()}",
        }

    router.get(f"/{prefix}/", response=list[out], **op("list"))(  # type: ignore[valid-type]
        paginate(Pages, page_size=50)(record_list)
    )
    router.get(f"/{prefix}/{{pk}}/", response=out, **op("detail"))(record_detail)
    router.post(f"/{prefix}/", response={201: out}, **op("create"))(record_create)
    router.patch(f"/{prefix}/{{pk}}/", response=out, **op("update"))(record_update)


_endpoints(
    name="site",
    prefix="sites",
    out=SiteOut,
    create_in=SiteIn,
    patch_in=SitePatch,
    get_for_user=access.site_get_for_user,
    list_selector=selectors.site_list,
    create=services.site_create,
    org_wide=True,
)
_endpoints(
    name="team",
    prefix="teams",
    out=TeamOut,
    create_in=TeamIn,
    patch_in=TeamPatch,
    get_for_user=access.team_get_for_user,
    list_selector=selectors.team_list,
    create=services.team_create,
    org_wide=False,
)
_endpoints(
    name="job_role",
    prefix="job-roles",
    out=JobRoleOut,
    create_in=JobRoleIn,
    patch_in=JobRolePatch,
    get_for_user=access.job_role_get_for_user,
    list_selector=selectors.job_role_list,
    create=services.job_role_create,
    org_wide=True,
)
_endpoints(
    name="employee",
    prefix="employees",
    out=EmployeeOut,
    create_in=EmployeeIn,
    patch_in=EmployeePatch,
    get_for_user=access.employee_get_for_user,
    list_selector=selectors.employee_list,
    create=services.employee_create,
    org_wide=False,
)
_endpoints(
    name="service",
    prefix="services",
    out=ServiceOut,
    create_in=ServiceIn,
    patch_in=ServicePatch,
    get_for_user=access.service_get_for_user,
    list_selector=selectors.service_list,
    create=services.service_create,
    org_wide=True,
)
