from django.urls import path

from sqms.improvement import views

app_name = "improvement"

urlpatterns = [
    path("", views.nonconformance_list, name="nonconformance_list"),
    path("new/", views.nonconformance_create, name="nonconformance_create"),
    path("<int:pk>/", views.nonconformance_detail, name="nonconformance_detail"),
    path("<int:pk>/edit/", views.nonconformance_edit, name="nonconformance_edit"),
    path("<int:pk>/status/", views.nonconformance_transition, name="nonconformance_transition"),
    path("<int:pk>/close/", views.nonconformance_close, name="nonconformance_close"),
    path("<int:pk>/analysis/", views.nonconformance_analysis, name="nonconformance_analysis"),
    path("<int:pk>/actions/new/", views.action_create, name="action_create"),
    path("<int:pk>/checks/new/", views.check_create, name="check_create"),
    path("actions/", views.action_list, name="action_list"),
    path("actions/<int:pk>/", views.action_detail, name="action_detail"),
    path("actions/<int:pk>/update/", views.action_update, name="action_update"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence_download"),
    path("causes/", views.cause_list, name="cause_list"),
    path("pareto/", views.cause_pareto, name="cause_pareto"),
]
