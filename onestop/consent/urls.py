from __future__ import annotations

from django.urls import path

from onestop.consent import views

app_name = "consent"

urlpatterns = [
    path("<uuid:case_id>/consents/", views.consent_record_view, name="record"),
    path("<uuid:case_id>/consents/withdraw/", views.consent_withdraw_view, name="withdraw"),
    path("<uuid:case_id>/disclosures/", views.disclosure_record_view, name="disclose"),
]
