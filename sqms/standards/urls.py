from django.urls import path

from sqms.standards import views

app_name = "standards"

urlpatterns = [
    path("", views.standard_list, name="standard_list"),
    path("new/", views.standard_create, name="standard_create"),
    path("<int:pk>/", views.standard_detail, name="standard_detail"),
    path("<int:pk>/edit/", views.standard_edit, name="standard_edit"),
    path("<int:pk>/revise/", views.standard_revise, name="standard_revise"),
    path("<int:pk>/archive/", views.standard_archive, name="standard_archive"),
    path("metrics/", views.metric_list, name="metric_list"),
    path("metrics/new/", views.metric_create, name="metric_create"),
    path("metrics/<int:pk>/", views.metric_detail, name="metric_detail"),
    path("metrics/<int:pk>/edit/", views.metric_edit, name="metric_edit"),
    path("metrics/<int:pk>/archive/", views.metric_archive, name="metric_archive"),
    path("calendars/", views.calendar_list, name="calendar_list"),
    path("calendars/new/", views.calendar_create, name="calendar_create"),
    path("calendars/<int:pk>/", views.calendar_detail, name="calendar_detail"),
    path("calendars/<int:pk>/edit/", views.calendar_edit, name="calendar_edit"),
    path("calendars/<int:pk>/closures/", views.calendar_closure_add, name="calendar_closure_add"),
    path(
        "calendars/<int:pk>/closures/<int:closure_pk>/remove/",
        views.calendar_closure_remove,
        name="calendar_closure_remove",
    ),
]
