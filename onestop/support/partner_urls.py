"""The partner workspace's pages, mounted at ``/partner/``."""

from __future__ import annotations

from django.urls import path

from onestop.support import partner_views as views

app_name = "partner"

urlpatterns = [
    path("", views.referral_list, name="list"),
    path("referrals/<uuid:referral_id>/", views.referral_detail, name="detail"),
    path("referrals/<uuid:referral_id>/accept/", views.referral_accept_view, name="accept"),
    path("referrals/<uuid:referral_id>/decline/", views.referral_decline_view, name="decline"),
    path(
        "referrals/<uuid:referral_id>/deliveries/<slug:kind>/",
        views.delivery_record_view,
        name="delivery",
    ),
]
