from __future__ import annotations

from django.urls import path

from onestop.risk import views

app_name = "risk"

urlpatterns = [
    path("<uuid:case_id>/risk/assess/", views.assessment_record_view, name="assess"),
]
