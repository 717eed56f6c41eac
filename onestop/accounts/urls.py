from __future__ import annotations

from django.urls import path

from onestop.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.StaffLoginView.as_view(), name="login"),
    path("logout/", views.StaffLogoutView.as_view(), name="logout"),
    path("duty/", views.duty_view, name="duty"),
]
