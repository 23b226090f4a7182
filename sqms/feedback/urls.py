from django.urls import path

from sqms.feedback import (
    complaint_targets_views,
    complaints_public,
    complaints_views,
    followups_views,
    imports_views,
    needs_views,
    public,
    text_views,
    views,
)

app_name = "feedback"

urlpatterns = [
    # public pages first: they take most requests, and Django tries patterns in order
    path("s/<str:token>/", public.public_survey, name="public_survey"),
    path("s/<str:token>/thanks/", public.public_thanks, name="public_thanks"),
    path("e/<str:token>/", public.public_embed, name="public_embed"),
    path("", views.survey_list, name="survey_list"),
    path("new/", views.survey_create, name="survey_create"),
    path("<int:pk>/", views.survey_detail, name="survey_detail"),
    path("<int:pk>/edit/", views.survey_edit, name="survey_edit"),
    path("<int:pk>/status/", views.survey_status, name="survey_status"),
    path("<int:pk>/revise/", views.survey_revise, name="survey_revise"),
    path("<int:pk>/questions/new/", views.question_add, name="question_add"),
    path("<int:pk>/servqual/", views.servqual_add, name="servqual_add"),
    path("questions/<int:pk>/edit/", views.question_edit, name="question_edit"),
    path("questions/<int:pk>/remove/", views.question_remove, name="question_remove"),
    path("questions/<int:pk>/move/", views.question_move, name="question_move"),
    path("<int:pk>/links/", views.distribution_list, name="distribution_list"),
    path("<int:pk>/links/single-use/", views.single_use_create, name="single_use_create"),
    path("links/<int:pk>/expire/", views.distribution_expire, name="distribution_expire"),
    path("links/<int:pk>/qr.<str:fmt>", views.distribution_qr, name="distribution_qr"),
    path("<int:pk>/responses/", views.response_list, name="response_list"),
    path("<int:pk>/responses/export.<str:fmt>", views.response_export, name="response_export"),
    path("responses/<int:pk>/", views.response_detail, name="response_detail"),
    path("<int:pk>/analysis/", views.survey_analysis, name="survey_analysis"),
    # complaints (ISO 10002)
    path("complaints/", complaints_views.complaint_list, name="complaint_list"),
    path("complaints/new/", complaints_views.complaint_create, name="complaint_create"),
    path("complaints/<int:pk>/", complaints_views.complaint_detail, name="complaint_detail"),
    path("complaints/<int:pk>/edit/", complaints_views.complaint_edit, name="complaint_edit"),
    path(
        "complaints/<int:pk>/status/",
        complaints_views.complaint_transition,
        name="complaint_transition",
    ),
    path("complaints/<int:pk>/reply/", complaints_views.complaint_reply, name="complaint_reply"),
    path("complaints/<int:pk>/notes/", complaints_views.complaint_note, name="complaint_note"),
    path(
        "complaints/<int:pk>/satisfaction/",
        complaints_views.complaint_satisfaction,
        name="complaint_satisfaction",
    ),
    path(
        "complaints/categories/",
        complaints_views.complaint_category_list,
        name="complaint_category_list",
    ),
    path(
        "complaints/categories/<int:pk>/archive/",
        complaints_views.complaint_category_archive,
        name="complaint_category_archive",
    ),
    path(
        "complaints/targets/",
        complaint_targets_views.complaint_targets,
        name="complaint_targets",
    ),
    path("complaint/", complaints_public.public_complaint, name="public_complaint"),
    path(
        "complaint/thanks/",
        complaints_public.public_complaint_thanks,
        name="public_complaint_thanks",
    ),
    path(
        "complaint/rate/<str:token>/",
        complaints_public.public_complaint_satisfaction,
        name="public_complaint_satisfaction",
    ),
    # close the loop
    path("follow-ups/", followups_views.followup_list, name="followup_list"),
    path("follow-ups/<int:pk>/", followups_views.followup_detail, name="followup_detail"),
    # customer requirements → standards
    path("needs/", needs_views.need_list, name="need_list"),
    path("needs/new/", needs_views.need_create, name="need_create"),
    path("needs/matrix/", needs_views.need_matrix, name="need_matrix"),
    path("needs/<int:pk>/", needs_views.need_detail, name="need_detail"),
    path("needs/<int:pk>/edit/", needs_views.need_edit, name="need_edit"),
    path("needs/<int:pk>/archive/", needs_views.need_archive, name="need_archive"),
    # text analytics
    path("text/", text_views.text_analytics, name="text_analytics"),
    path("text/<int:pk>/correct/", text_views.text_correct, name="text_correct"),
    path("text/reanalyse/", text_views.text_reanalyse, name="text_reanalyse"),
    path("text/themes/", text_views.theme_list, name="theme_list"),
    path("text/themes/<int:pk>/edit/", text_views.theme_edit, name="theme_edit"),
    # responses imported from other systems (CSV)
    path("imports/", imports_views.import_list, name="import_list"),
    path("imports/new/", imports_views.import_upload, name="import_upload"),
    path("imports/<int:pk>/", imports_views.import_detail, name="import_detail"),
    path("imports/<int:pk>/run/", imports_views.import_run, name="import_run"),
    path("imports/<int:pk>/report.csv", imports_views.import_report, name="import_report"),
]
