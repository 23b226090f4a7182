from django.urls import path

from sqms.core import notification_views, views

app_name = "core"

urlpatterns = [
    path("audit/", views.audit_log, name="audit_log"),
    path("audit/export.csv", views.audit_export, name="audit_export"),
    path("profile/", views.profile, name="profile"),
    path("profile/tokens/<int:pk>/revoke/", views.api_token_revoke, name="api_token_revoke"),
    path("language/", views.set_language, name="set_language"),
    path("notifications/", notification_views.notification_list, name="notification_list"),
    path(
        "notifications/<int:pk>/read/",
        notification_views.notification_read,
        name="notification_read",
    ),
    path(
        "notifications/count/",
        notification_views.notification_count,
        name="notification_count",
    ),
    path(
        "notifications/read-all/",
        notification_views.notification_read_all,
        name="notification_read_all",
    ),
]
