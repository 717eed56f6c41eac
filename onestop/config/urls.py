from __future__ import annotations

from django.urls import include, path

from onestop.api.urls import api
from onestop.config.views import home

urlpatterns = [
    path("", home, name="home"),
    path("accounts/", include("onestop.accounts.urls")),
    path("cases/", include("onestop.cases.urls")),
    path("cases/", include("onestop.consent.urls")),
    path("cases/", include("onestop.risk.urls")),
    path("cases/", include("onestop.safety.urls")),
    path("cases/", include("onestop.messaging.urls")),
    path("cases/", include("onestop.portal.staff_urls")),
    path("conferences/", include("onestop.conferences.urls")),
    path("support/", include("onestop.support.urls")),
    path("evidence/", include("onestop.evidence.urls")),
    path("shelters/", include("onestop.shelters.urls")),
    path("takedown/", include("onestop.takedown.urls")),
    path("takedown/monitoring/", include("onestop.takedown.monitoring_urls")),
    path("takedown/export/", include("onestop.takedown.export_urls")),
    path("partner/", include("onestop.support.partner_urls")),
    path("intake/", include("onestop.intake.urls")),
    path("portal/", include("onestop.portal.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
]
