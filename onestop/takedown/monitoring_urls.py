"""Re-upload monitoring and the review queue's staff pages (mounted at /takedown/monitoring/)."""

from __future__ import annotations

from django.urls import path

from onestop.takedown import monitoring_views as views

app_name = "takedown_monitoring"

urlpatterns = [
    path("", views.sources, name="sources"),
    path("new/", views.source_new, name="source_new"),
    path("<uuid:source_id>/edit/", views.source_edit, name="source_edit"),
    path("<uuid:source_id>/run/", views.source_run, name="source_run"),
    path("review/", views.review, name="review"),
    path(
        "review/candidates/<uuid:candidate_id>/decide/",
        views.candidate_decide_view,
        name="candidate_decide",
    ),
    path("review/items/<uuid:item_id>/", views.item_review_view, name="item_review"),
]
