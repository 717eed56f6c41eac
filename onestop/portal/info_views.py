"""The portal's public information pages: an index of audiences and one page per audience
(students, adults, workplaces). No sign-in, plain HTML, nothing cached; the text is data in
``portal.info``."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from onestop.portal.info import AUDIENCES, audience_get
from onestop.portal.views import portal_page


@portal_page
@require_GET
def info_index_view(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/info_index.html", {"audiences": list(AUDIENCES.values())})


@portal_page
@require_GET
def info_audience_view(request: HttpRequest, audience: str) -> HttpResponse:
    found = audience_get(audience)
    if found is None:
        raise Http404
    others = [other for other in AUDIENCES.values() if other.slug != found.slug]
    return render(request, "portal/info_audience.html", {"audience": found, "others": others})
