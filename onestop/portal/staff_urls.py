"""Staff actions on a case's portal access (under ``/cases/``)."""

from __future__ import annotations

from django.urls import path

from onestop.portal import staff_views

app_name = "portal_staff"

urlpatterns = [
    path("<uuid:case_id>/portal/open/", staff_views.portal_open_view, name="open"),
    path("<uuid:case_id>/portal/reset/", staff_views.portal_reset_view, name="reset"),
]
