from django.urls import path

from sqms.monitoring import dashboard_views, inspection_views, signal_views, views

app_name = "monitoring"

urlpatterns = [
    path("records/", views.record_list, name="record_list"),
    path("records/<int:pk>/", views.record_detail, name="record_detail"),
    path("sources/", views.source_list, name="source_list"),
    path("sources/new/", views.source_create, name="source_create"),
    path("sources/<int:pk>/edit/", views.source_edit, name="source_edit"),
    path("imports/", views.import_list, name="import_list"),
    path("imports/new/", views.import_upload, name="import_upload"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/preview/", views.import_preview, name="import_preview"),
    path("imports/<int:pk>/progress/", views.import_progress, name="import_progress"),
    path("imports/<int:pk>/errors.csv", views.import_errors_csv, name="import_errors_csv"),
    path("dashboard/", dashboard_views.dashboard, name="dashboard"),
    path("dashboard/records/", dashboard_views.dashboard_drilldown, name="dashboard_drilldown"),
    path("executive/", dashboard_views.executive, name="executive"),
    path("inspections/", inspection_views.inspection_list, name="inspection_list"),
    path("inspections/new/", inspection_views.inspection_create, name="inspection_create"),
    path("inspections/<int:pk>/", inspection_views.inspection_detail, name="inspection_detail"),
    path("inspections/<int:pk>/edit/", inspection_views.inspection_edit, name="inspection_edit"),
    path("signals/", signal_views.signal_list, name="signal_list"),
    path("signals/<int:pk>/", signal_views.signal_detail, name="signal_detail"),
    path(
        "signals/<int:pk>/acknowledge/",
        signal_views.signal_acknowledge,
        name="signal_acknowledge",
    ),
    path("signals/<int:pk>/dismiss/", signal_views.signal_dismiss, name="signal_dismiss"),
    path("signals/<int:pk>/reopen/", signal_views.signal_reopen, name="signal_reopen"),
    path("standards/<int:pk>/baseline/", signal_views.baseline_edit, name="baseline_edit"),
    path(
        "standards/<int:pk>/settings/",
        signal_views.standard_monitoring_edit,
        name="standard_monitoring_edit",
    ),
    path(
        "standards/<int:pk>/subscribe/",
        signal_views.standard_subscribe,
        name="standard_subscribe",
    ),
]
