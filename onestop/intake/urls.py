from __future__ import annotations

from django.urls import path

from onestop.intake import views

app_name = "intake"

urlpatterns = [
    path("new/", views.intake_new, name="new"),
    path("matches/", views.intake_matches, name="matches"),
    path("referrals/<uuid:referral_id>/take/", views.referral_take, name="referral_take"),
    path(
        "applications/<uuid:application_id>/take/",
        views.application_take,
        name="application_take",
    ),
]
