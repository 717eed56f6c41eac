"""Deletion support's staff pages: the desk, a case's deletion support, platforms."""

from __future__ import annotations

from django.urls import path

from onestop.takedown import views

app_name = "takedown"

urlpatterns = [
    path("", views.desk, name="desk"),
    path("cases/<uuid:case_id>/", views.case_page, name="case"),
    path("cases/<uuid:case_id>/mandates/", views.mandate_record_view, name="mandate_record"),
    path(
        "cases/<uuid:case_id>/mandates/<uuid:mandate_id>/revoke/",
        views.mandate_revoke_view,
        name="mandate_revoke",
    ),
    path("cases/<uuid:case_id>/bank/", views.bank_add_view, name="bank_add"),
    path(
        "cases/<uuid:case_id>/bank/<uuid:item_id>/withdraw/",
        views.bank_withdraw_view,
        name="bank_withdraw",
    ),
    path("cases/<uuid:case_id>/requests/", views.request_open_view, name="request_open"),
    path(
        "cases/<uuid:case_id>/requests/<uuid:request_id>/evidence/",
        views.evidence_preserve_view,
        name="evidence_preserve",
    ),
    path(
        "cases/<uuid:case_id>/requests/<uuid:request_id>/step/",
        views.request_step_view,
        name="request_step",
    ),
    path("platforms/", views.platform_list, name="platforms"),
    path("platforms/new/", views.platform_new, name="platform_new"),
    path("platforms/<uuid:platform_id>/edit/", views.platform_edit, name="platform_edit"),
]
