"""The project's URLs with the shelters app mounted at /shelters/ (as config/urls.py mounts it);
used by the page tests until, and after, config/urls.py includes it."""

from __future__ import annotations

from typing import Any

from django.urls import include, path

from onestop.config.urls import urlpatterns as project

urlpatterns: list[Any] = [*project]
if not any(getattr(p, "namespace", None) == "shelters" for p in project):
    urlpatterns.append(path("shelters/", include("onestop.shelters.urls")))
