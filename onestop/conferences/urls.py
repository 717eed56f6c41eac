from __future__ import annotations

from django.urls import path

from onestop.conferences import views

app_name = "conferences"

urlpatterns = [
    path("", views.conference_list, name="list"),
    path("new/", views.conference_new, name="new"),
    path("<uuid:conference_id>/", views.conference_detail, name="detail"),
    path("<uuid:conference_id>/attendees/", views.attendee_add_view, name="attendee_add"),
    path(
        "<uuid:conference_id>/attendees/remove/",
        views.attendee_remove_view,
        name="attendee_remove",
    ),
    path("<uuid:conference_id>/held/", views.conference_held_view, name="held"),
    path("<uuid:conference_id>/close/", views.conference_close_view, name="close"),
    path("<uuid:conference_id>/cancel/", views.conference_cancel_view, name="cancel"),
    path(
        "<uuid:conference_id>/items/<uuid:item_id>/info/",
        views.pre_meeting_info_view,
        name="info",
    ),
    path(
        "<uuid:conference_id>/items/<uuid:item_id>/decisions/",
        views.decision_view,
        name="decision",
    ),
    path(
        "<uuid:conference_id>/items/<uuid:item_id>/actions/",
        views.action_add_view,
        name="action_add",
    ),
    path("<uuid:conference_id>/actions/status/", views.action_status_view, name="action_status"),
    path("<uuid:conference_id>/minutes/", views.minutes_download_view, name="minutes"),
    path(
        "referrals/<uuid:referral_id>/accept/", views.referral_accept_view, name="referral_accept"
    ),
    path(
        "referrals/<uuid:referral_id>/decline/",
        views.referral_decline_view,
        name="referral_decline",
    ),
    path("cases/<uuid:case_id>/refer/", views.case_refer_view, name="case_refer"),
    path("cases/<uuid:case_id>/emergency/", views.case_emergency_view, name="case_emergency"),
]
