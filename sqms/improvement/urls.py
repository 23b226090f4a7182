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
    path("dashboard/", views.dashboard, name="dashboard"),
    path("initiatives/", views.initiative_list, name="initiative_list"),
    path("initiatives/board/", views.initiative_board, name="initiative_board"),
    path("initiatives/new/", views.initiative_create, name="initiative_create"),
    path("initiatives/<int:pk>/", views.initiative_detail, name="initiative_detail"),
    path("initiatives/<int:pk>/edit/", views.initiative_edit, name="initiative_edit"),
    path("initiatives/<int:pk>/move/", views.initiative_move, name="initiative_move"),
    path(
        "initiatives/<int:pk>/lesson/", views.lesson_from_initiative, name="lesson_from_initiative"
    ),
    path("suggestions/", views.suggestion_list, name="suggestion_list"),
    path("suggestions/new/", views.suggestion_create, name="suggestion_create"),
    path(
        "suggestions/participation/",
        views.suggestion_participation,
        name="suggestion_participation",
    ),
    path("suggestions/<int:pk>/", views.suggestion_detail, name="suggestion_detail"),
    path("suggestions/<int:pk>/vote/", views.suggestion_vote, name="suggestion_vote"),
    path("suggestions/<int:pk>/comment/", views.suggestion_comment, name="suggestion_comment"),
    path("suggestions/<int:pk>/triage/", views.suggestion_triage, name="suggestion_triage"),
    path("lessons/", views.lesson_list, name="lesson_list"),
    path("lessons/<int:pk>/", views.lesson_detail, name="lesson_detail"),
    path("<int:pk>/lesson/", views.lesson_from_nonconformance, name="lesson_from_nonconformance"),
    path("signals/<int:pk>/raise/", views.signal_raise, name="signal_raise"),
    path("raise-rules/", views.raise_rule_list, name="raise_rule_list"),
    path("complaints/<int:pk>/raise/", views.complaint_raise, name="complaint_raise"),
]
