from __future__ import annotations

from django.urls import path

from onestop.safety import views

app_name = "safety"

urlpatterns = [
    path("<uuid:case_id>/safety/", views.plan_view, name="plan"),
    path("<uuid:case_id>/safety/print/", views.print_view, name="print"),
]
