from __future__ import annotations

from django.urls import path

from onestop.support import views

app_name = "support"

urlpatterns = [
    path("programs/", views.programs_view, name="programs"),
    path("cases/<uuid:case_id>/request/", views.request_view, name="request"),
    path("cases/<uuid:case_id>/decide/", views.decide_view, name="decide"),
    path("cases/<uuid:case_id>/refer/", views.refer_view, name="refer"),
    path("cases/<uuid:case_id>/withdraw/", views.withdraw_view, name="withdraw"),
    path("cases/<uuid:case_id>/deliver/", views.deliver_view, name="deliver"),
    path("cases/<uuid:case_id>/end/", views.end_view, name="end"),
    path(
        "cases/<uuid:case_id>/deliveries/cancel/",
        views.delivery_cancel_view,
        name="delivery_cancel",
    ),
]
