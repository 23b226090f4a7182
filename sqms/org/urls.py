from django.urls import path

from sqms.org import views

app_name = "org"

PLURALS = {
    "site": "sites",
    "team": "teams",
    "employee": "employees",
    "job_role": "job-roles",
    "service": "services",
}

urlpatterns = []
for name, prefix in PLURALS.items():
    spec = views.SPECS[name]
    urlpatterns += [
        path(f"{prefix}/", views.record_list, {"spec": spec}, name=f"{name}_list"),
        path(f"{prefix}/new/", views.record_create, {"spec": spec}, name=f"{name}_create"),
        path(f"{prefix}/<int:pk>/", views.record_detail, {"spec": spec}, name=f"{name}_detail"),
        path(f"{prefix}/<int:pk>/edit/", views.record_edit, {"spec": spec}, name=f"{name}_edit"),
        path(
            f"{prefix}/<int:pk>/archive/",
            views.record_archive,
            {"spec": spec},
            name=f"{name}_archive",
        ),
    ]
