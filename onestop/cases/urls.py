from __future__ import annotations

from django.urls import path

from onestop.cases import protection_views, views

app_name = "cases"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("search/", views.search, name="search"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("<uuid:case_id>/", views.case_detail, name="detail"),
    path("<uuid:case_id>/transition/", views.case_transition_view, name="transition"),
    path("<uuid:case_id>/team/assign/", views.case_team_assign_view, name="team_assign"),
    path("<uuid:case_id>/team/remove/", views.case_team_remove_view, name="team_remove"),
    path("<uuid:case_id>/notes/", views.case_note_view, name="note"),
    path(
        "<uuid:case_id>/sealed-locations/",
        views.case_sealed_locations_view,
        name="sealed_locations",
    ),
    path(
        "<uuid:case_id>/sealed-locations/add/",
        views.case_sealed_location_add_view,
        name="sealed_location_add",
    ),
    path("<uuid:case_id>/incidents/", protection_views.incident_record_view, name="incident"),
    path("<uuid:case_id>/measures/", protection_views.measure_record_view, name="measure"),
    path(
        "<uuid:case_id>/measures/extend/",
        protection_views.measure_extend_view,
        name="measure_extend",
    ),
    path("<uuid:case_id>/measures/end/", protection_views.measure_end_view, name="measure_end"),
    path(
        "<uuid:case_id>/measures/breach/",
        protection_views.breach_record_view,
        name="measure_breach",
    ),
    path(
        "<uuid:case_id>/complaint-withdrawn/",
        views.case_complaint_withdrawn_view,
        name="complaint_withdrawn",
    ),
]
