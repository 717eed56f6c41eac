from __future__ import annotations

from django.urls import path

from onestop.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home_view, name="home"),
    path("sign-in/", views.sign_in_view, name="sign_in"),
    path("case/", views.case_view, name="case"),
    path("sign-out/", views.sign_out_view, name="sign_out"),
]
