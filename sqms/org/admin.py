from django.contrib import admin

from sqms.core.admin import AuditedModelAdmin
from sqms.org.models import Employee, JobRole, Service, Site, Team


@admin.register(Site)
class SiteAdmin(AuditedModelAdmin):
    list_display = ("code", "name", "time_zone", "archived_at")
    search_fields = ("code", "name")
    filter_horizontal = ("scoped_users",)


@admin.register(Team)
class TeamAdmin(AuditedModelAdmin):
    list_display = ("code", "name", "site", "archived_at")
    list_filter = ("site",)
    search_fields = ("code", "name")


@admin.register(JobRole)
class JobRoleAdmin(AuditedModelAdmin):
    list_display = ("code", "name", "archived_at")
    search_fields = ("code", "name")


@admin.register(Employee)
class EmployeeAdmin(AuditedModelAdmin):
    list_display = ("employee_no", "name", "site", "team", "job_role", "archived_at")
    list_filter = ("site", "job_role")
    search_fields = ("employee_no", "name", "email")
    raw_id_fields = ("user",)


@admin.register(Service)
class ServiceAdmin(AuditedModelAdmin):
    list_display = ("code", "name", "owner", "archived_at")
    search_fields = ("code", "name")
    filter_horizontal = ("sites",)
