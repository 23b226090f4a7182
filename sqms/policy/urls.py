from django.urls import path

from sqms.policy import views

app_name = "policy"

urlpatterns: list = []
