from django.urls import path

from sqms.policy import views

app_name = "policy"

urlpatterns = [
    path("", views.policy, name="policy"),
    path("commitments/new/", views.commitment_create, name="commitment_create"),
    path("commitments/<int:pk>/edit/", views.commitment_edit, name="commitment_edit"),
    path("objectives/", views.objective_list, name="objective_list"),
    path("objectives/new/", views.objective_create, name="objective_create"),
    path("objectives/<int:pk>/", views.objective_detail, name="objective_detail"),
    path("objectives/<int:pk>/edit/", views.objective_edit, name="objective_edit"),
    path("objectives/<int:pk>/archive/", views.objective_archive, name="objective_archive"),
    path("reviews/", views.review_list, name="review_list"),
    path("reviews/new/", views.review_create, name="review_create"),
    path("reviews/<int:pk>/", views.review_detail, name="review_detail"),
    path("reviews/<int:pk>/edit/", views.review_edit, name="review_edit"),
    path("reviews/<int:pk>/hold/", views.review_hold, name="review_hold"),
    path("reviews/<int:pk>/minutes/", views.review_minutes, name="review_minutes"),
    path("reviews/<int:pk>/actions/new/", views.review_action_create, name="review_action_create"),
    path("reviews/<int:pk>/sign/", views.review_sign, name="review_sign"),
    path("reviews/<int:pk>/pdf/", views.review_pdf_view, name="review_pdf"),
]
