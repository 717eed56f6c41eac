from __future__ import annotations

from django.urls import path

from onestop.messaging import views

app_name = "messaging"

urlpatterns = [
    path("<uuid:case_id>/messages/", views.send_view, name="send"),
    path("<uuid:case_id>/messages/read/", views.mark_read_view, name="mark_read"),
]
