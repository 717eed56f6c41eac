"""Where a signed-in person starts: partners at the referrals sent to them, shelter staff at
their occupancy board, everyone else at the case dashboard; anonymous visitors sign in."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from onestop.accounts.models import Agency, Role, Staff
from onestop.accounts.services import agency_add

pytestmark = pytest.mark.django_db


def start_of(user: Staff) -> str:
    client = Client()
    client.force_login(user)
    return str(client.get(reverse("home"))["Location"])


def test_each_starts_where_her_work_is(
    agency: Agency, make_staff: Callable[..., Staff], staff: dict[str, Staff]
) -> None:
    security = agency_add(
        actor=None, code="security-x", kind="security", name="경호", region="seoul"
    )
    shelter = agency_add(actor=None, code="shelter-x", kind="shelter", name="쉼터", region="seoul")
    assert start_of(make_staff(security, Role.PROVIDER)) == reverse("partner:list")
    assert start_of(make_staff(security, Role.SUPERVISOR)) == reverse("partner:list")
    assert start_of(make_staff(shelter, Role.SHELTER_STAFF)) == reverse("shelters:board")
    assert start_of(make_staff(shelter, Role.SUPERVISOR)) == reverse("shelters:board")
    for role in (Role.SUPERVISOR, Role.CASE_MANAGER, Role.HOTLINE_COUNSELOR, Role.PROVIDER):
        # the center's own staff, whatever the role, start at the dashboard
        assert start_of(staff[role]) == reverse("cases:dashboard"), role


def test_anonymous_visitors_land_on_the_public_page_which_links_the_staff_sign_in() -> None:
    answer = Client().get(reverse("home"), follow=True)
    assert answer.redirect_chain[-1][0] == reverse("portal:home")
    assert reverse("portal:apply") in answer.content.decode()
    assert reverse("accounts:login") in answer.content.decode()
    # staff pages still send a visitor to the sign-in
    answer = Client().get(reverse("cases:dashboard"))
    assert answer["Location"].startswith(reverse("accounts:login"))
