from __future__ import annotations

from django.urls import include, path
from django.views.generic import RedirectView

from onestop.api.urls import api

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="cases:dashboard", permanent=False), name="home"),
    path("accounts/", include("onestop.accounts.urls")),
    path("cases/", include("onestop.cases.urls")),
    path("cases/", include("onestop.consent.urls")),
    path("cases/", include("onestop.risk.urls")),
    path("conferences/", include("onestop.conferences.urls")),
    path("intake/", include("onestop.intake.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
]
