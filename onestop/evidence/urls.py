from __future__ import annotations

from django.urls import path

from onestop.evidence import views

app_name = "evidence"

urlpatterns = [
    path("cases/<uuid:case_id>/upload/", views.upload_view, name="upload"),
    path("cases/<uuid:case_id>/packet/", views.packet_view, name="packet"),
    path("files/<uuid:file_id>/", views.download_view, name="download"),
    path("files/<uuid:file_id>/import/", views.import_view, name="import"),
]
