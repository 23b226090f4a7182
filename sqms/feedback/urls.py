from django.urls import path

from sqms.feedback import public, views

app_name = "feedback"

urlpatterns = [
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
    path("s/<str:token>/", public.public_survey, name="public_survey"),
    path("s/<str:token>/thanks/", public.public_thanks, name="public_thanks"),
    path("e/<str:token>/", public.public_embed, name="public_embed"),
]
