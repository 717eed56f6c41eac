"""The site's front door. A visitor who is not signed in is a member of the public — perhaps a
victim looking for help: she lands on the portal's public page (which links the staff sign-in).
Partners start at the referrals sent to them, shelter staff at their occupancy board, everyone
else at the case dashboard."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from onestop.accounts.models import AgencyKind, Role, Staff
from onestop.shelters.permissions import can_view_board
from onestop.support.permissions import is_partner_staff


def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_authenticated:
        return redirect("portal:home")
    if isinstance(user, Staff) and user.is_active:
        at_shelter = user.role == Role.SHELTER_STAFF or user.agency.kind == AgencyKind.SHELTER
        if at_shelter and can_view_board(user):
            return redirect("shelters:board")
        if is_partner_staff(user):
            return redirect("partner:list")
    return redirect("cases:dashboard")
