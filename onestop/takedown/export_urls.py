"""The hash export for platforms (download)."""

from __future__ import annotations

from django.urls import path

from onestop.takedown import export_views

app_name = "takedown_export"

urlpatterns = [
    path("", export_views.download_view, name="download"),
]
