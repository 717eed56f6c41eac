from __future__ import annotations

from django.urls import path

from onestop.portal import chat_views, evidence_views, info_views, safety_views, survey_views, views

app_name = "portal"

urlpatterns = [
    path("", views.home_view, name="home"),
    path("sign-in/", views.sign_in_view, name="sign_in"),
    path("case/", views.case_view, name="case"),
    path("sign-out/", views.sign_out_view, name="sign_out"),
    path("apply/", views.apply_view, name="apply"),
    path("apply/done/", views.applied_view, name="applied"),
    path("access/", views.access_view, name="access"),
    path("access/withdraw/", views.consent_withdraw_view, name="consent_withdraw"),
    path("messages/", chat_views.messages_view, name="messages"),
    path("info/", info_views.info_index_view, name="info"),
    path("info/<slug:audience>/", info_views.info_audience_view, name="info_audience"),
    path("survey/", survey_views.survey_view, name="survey"),
    path("plan/", safety_views.safety_view, name="safety"),
    path("plan/print/", safety_views.safety_print_view, name="safety_print"),
    path("evidence/", evidence_views.evidence_view, name="evidence"),
    path("evidence/add/", evidence_views.incident_add_view, name="incident_add"),
    path("evidence/import/", evidence_views.evidence_import_view, name="evidence_import"),
    path("evidence/file/", evidence_views.evidence_download_view, name="evidence_download"),
    path("evidence/packet/", evidence_views.evidence_packet_view, name="evidence_packet"),
]
