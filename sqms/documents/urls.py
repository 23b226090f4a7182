from django.urls import path

from sqms.documents import views

app_name = "documents"

urlpatterns = [
    path("", views.document_list, name="document_list"),
    path("new/", views.document_create, name="document_create"),
    path("<int:pk>/", views.document_detail, name="document_detail"),
    path("<int:pk>/edit/", views.document_edit, name="document_edit"),
    path("<int:pk>/reviewed/", views.document_review, name="document_review"),
    path("<int:pk>/diff/", views.document_diff, name="document_diff"),
    path("<int:pk>/revise/", views.revision_create, name="revision_create"),
    path("revisions/<int:pk>/edit/", views.revision_edit, name="revision_edit"),
    path("revisions/<int:pk>/status/", views.revision_transition, name="revision_transition"),
    path("revisions/<int:pk>/sign/", views.revision_sign, name="revision_sign"),
    path("revisions/<int:pk>/publish/", views.revision_publish, name="revision_publish"),
    path("files/<int:pk>/", views.file_download, name="file_download"),
    path("files/<int:pk>/remove/", views.file_remove, name="file_remove"),
    path("acknowledgements/", views.acknowledgement_list, name="acknowledgement_list"),
    path(
        "acknowledgements/<int:pk>/confirm/",
        views.acknowledgement_confirm,
        name="acknowledgement_confirm",
    ),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign_detail"),
]
