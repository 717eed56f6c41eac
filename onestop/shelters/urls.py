from __future__ import annotations

from django.urls import path

from onestop.shelters import views

app_name = "shelters"

urlpatterns = [
    path("", views.board, name="board"),
    path("facilities/new/", views.facility_new, name="facility_new"),
    path("facilities/<uuid:facility_id>/edit/", views.facility_edit, name="facility_edit"),
    path(
        "facilities/<uuid:facility_id>/address/",
        views.facility_address_view,
        name="facility_address",
    ),
    path(
        "facilities/<uuid:facility_id>/address/set/",
        views.facility_address_set_view,
        name="facility_address_set",
    ),
    path("cases/<uuid:case_id>/find/", views.case_find, name="case_find"),
    path("cases/<uuid:case_id>/place/", views.case_place, name="case_place"),
    path("cases/<uuid:case_id>/waitlist/", views.case_waitlist_add, name="case_waitlist"),
    path(
        "cases/<uuid:case_id>/waitlist/cancel/",
        views.case_waitlist_cancel,
        name="case_waitlist_cancel",
    ),
    path(
        "cases/<uuid:case_id>/placements/<uuid:placement_id>/extend/",
        views.case_extend,
        name="case_extend",
    ),
    path(
        "cases/<uuid:case_id>/extensions/<uuid:extension_id>/decide/",
        views.case_extension_decide,
        name="case_extension_decide",
    ),
    path(
        "cases/<uuid:case_id>/placements/<uuid:placement_id>/move/",
        views.case_move,
        name="case_move",
    ),
    path(
        "cases/<uuid:case_id>/placements/<uuid:placement_id>/end/",
        views.case_end,
        name="case_end",
    ),
    path(
        "cases/<uuid:case_id>/placements/<uuid:placement_id>/address/",
        views.case_address_view,
        name="case_address",
    ),
]
