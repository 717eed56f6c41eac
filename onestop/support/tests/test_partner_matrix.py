"""The partner permission matrix: each partner kind, through its workspace and its API key, sees
only the referral sent to it and exactly the projection parts its service needs; nobody else
sees a partner page; a partner sees no case page; no counseling note, sealed address or case
summary reaches any partner, in any answer."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from onestop.accounts.models import AgencyKind, Role, Staff
from onestop.accounts.services import agency_add
from onestop.cases.models import Case
from onestop.support.models import ProviderReferral, ServiceRequest

from .test_partner_helpers import (
    API,
    COUNSELING_MARKER,
    INTAKE_SUMMARY,
    MEETING_POINT,
    SCHEDULE,
    SEALED_ADDRESS,
    VICTIM_NAME,
    VICTIM_PHONE,
    World,
    assert_nothing_forbidden,
    build_world,
    key_client,
    logged_in,
    provider_key,
)

pytestmark = pytest.mark.django_db

# The projection parts each partner kind gets (``service`` — its schedule and instructions —
# always; ``address`` only with a meeting point).
EXPECTED_PARTS: dict[str, set[str]] = {
    AgencyKind.SECURITY: {"service", "contact", "risk", "address"},
    AgencyKind.LEGAL: {"service", "identity", "contact", "incident"},
    AgencyKind.COUNSELING: {"service", "identity", "contact"},
    AgencyKind.MEDICAL: {"service", "identity", "contact"},
    AgencyKind.RELOCATION: {"service", "identity", "contact"},
    AgencyKind.DELETION_CENTER: {"service", "identity", "contact", "incident"},
}
KINDS = list(EXPECTED_PARTS)


@pytest.fixture
def world(
    case: Case,
    manager: Staff,
    partners: dict[str, Staff],
    share_all: Callable[..., Any],
    approved: Callable[..., ServiceRequest],
) -> World:
    return build_world(
        case=case, manager=manager, partners=partners, share_all=share_all, approved=approved
    )


@pytest.fixture
def keys(partners: dict[str, Staff]) -> dict[str, Client]:
    """A client with a provider key of each partner agency."""
    return {
        kind: key_client(provider_key(staff.agency.code)[1]) for kind, staff in partners.items()
    }


def test_the_fixture_covers_the_partner_kinds(partners: dict[str, Staff]) -> None:
    assert set(partners) == set(KINDS)


@pytest.mark.parametrize("kind", KINDS)
def test_each_partner_lists_only_its_own_referral(
    kind: str, world: World, partners: dict[str, Staff], keys: dict[str, Client]
) -> None:
    own = world.referrals[kind]
    others = [r for k, r in world.referrals.items() if k != kind]

    page = logged_in(partners[kind]).get("/partner/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f"/partner/referrals/{own.pk}/" in html
    assert all(str(other.pk) not in html for other in others)
    # a list names the case by its reference, never the victim
    assert world.case.reference in html
    assert VICTIM_NAME not in html
    assert_nothing_forbidden(html)

    answer = keys[kind].get(f"{API}/referrals")
    assert answer.status_code == 200
    assert [item["id"] for item in answer.json()["referrals"]] == [str(own.pk)]
    assert VICTIM_NAME not in answer.content.decode()
    assert_nothing_forbidden(answer.content.decode())


@pytest.mark.parametrize("kind", KINDS)
def test_each_partner_opens_only_the_referral_sent_to_it(
    kind: str, world: World, partners: dict[str, Staff], keys: dict[str, Client]
) -> None:
    """Page and API, for the referral of every partner kind: 200 for its own, 404 for the
    others — which it can neither answer nor record on either."""
    client, api = logged_in(partners[kind]), keys[kind]
    seen: dict[str, tuple[int, int]] = {}
    for target, referral in world.referrals.items():
        seen[target] = (
            client.get(f"/partner/referrals/{referral.pk}/").status_code,
            api.get(f"{API}/referrals/{referral.pk}").status_code,
        )
    assert seen == {target: (200, 200) if target == kind else (404, 404) for target in KINDS}

    for target, referral in world.referrals.items():
        if target == kind:
            continue
        detail = f"/partner/referrals/{referral.pk}/"
        assert client.post(f"{detail}accept/").status_code == 404
        assert client.post(f"{detail}decline/", {"reason": "인력 부족"}).status_code == 404
        assert (
            client.post(f"{detail}deliveries/session/", {"occurred_on": "2026-01-01"}).status_code
            == 404
        )
        answer = api.post(f"{API}/referrals/{referral.pk}/accept")
        assert answer.status_code == 404
        assert answer.json()["errors"][0]["code"] == "not_found"
    assert sorted(ProviderReferral.objects.values_list("status", flat=True)) == ["sent"] * 6


@pytest.mark.parametrize("kind", KINDS)
def test_each_partner_gets_exactly_its_projection(
    kind: str, world: World, partners: dict[str, Staff], keys: dict[str, Client]
) -> None:
    referral = world.referrals[kind]
    body = keys[kind].get(f"{API}/referrals/{referral.pk}").json()
    shown = {part for part, value in body["projection"].items() if value is not None}
    assert shown == EXPECTED_PARTS[kind]
    assert body["withheld"] == ""
    assert body["projection"]["contact"]["phone"] == VICTIM_PHONE

    html = logged_in(partners[kind]).get(f"/partner/referrals/{referral.pk}/").content.decode()
    assert "010-1234-5678" in html
    assert (VICTIM_NAME in html) == ("identity" in EXPECTED_PARTS[kind])
    shared = json.dumps(body["projection"], ensure_ascii=False)
    assert (VICTIM_NAME in shared) == ("identity" in EXPECTED_PARTS[kind])
    assert ('id="part-risk"' in html) == ("risk" in EXPECTED_PARTS[kind])
    assert ('id="part-incident"' in html) == ("incident" in EXPECTED_PARTS[kind])
    assert ('id="part-address"' in html) == ("address" in EXPECTED_PARTS[kind])


def test_security_gets_meeting_point_schedule_and_risk_but_no_name(
    world: World, partners: dict[str, Staff], keys: dict[str, Client]
) -> None:
    referral = world.referrals[AgencyKind.SECURITY]
    projection = (
        keys[AgencyKind.SECURITY].get(f"{API}/referrals/{referral.pk}").json()["projection"]
    )
    assert projection["address"] == {"meeting_point": MEETING_POINT}
    assert projection["service"]["schedule"] == SCHEDULE
    assert projection["risk"]["level"] == "high"
    assert projection["identity"] is None
    html = logged_in(partners[AgencyKind.SECURITY]).get(f"/partner/referrals/{referral.pk}/")
    text = html.content.decode()
    assert MEETING_POINT in text
    assert SCHEDULE in text
    assert "높음" in text
    assert VICTIM_NAME not in text


def test_lawyer_gets_the_incident_facts_without_anyone_s_notes(
    world: World, partners: dict[str, Staff], keys: dict[str, Client]
) -> None:
    referral = world.referrals[AgencyKind.LEGAL]
    incident = (
        keys[AgencyKind.LEGAL]
        .get(f"{API}/referrals/{referral.pk}")
        .json()["projection"]["incident"]
    )
    assert incident["relationship"] == "former_partner"
    assert [i["count"] for i in incident["incidents"]] == [3]
    assert [m["decision_ref"] for m in incident["protective_measures"]] == ["긴급-2026-0042"]
    html = logged_in(partners[AgencyKind.LEGAL]).get(f"/partner/referrals/{referral.pk}/")
    text = html.content.decode()
    assert "긴급-2026-0042" in text
    assert "긴급응급조치" in text
    assert "전 연인·전 배우자" in text
    assert_nothing_forbidden(text)


def test_no_partner_answer_carries_a_counseling_note_a_sealed_address_or_the_summary(
    world: World, partners: dict[str, Staff], keys: dict[str, Client]
) -> None:
    """Every page and API answer a partner can get, on the way through accepting and recording a
    delivery, searched for the marker strings."""
    bodies: list[str] = []
    for kind, staff in partners.items():
        referral = world.referrals[kind]
        client = logged_in(staff)
        api = keys[kind]
        detail = f"/partner/referrals/{referral.pk}/"
        bodies += [
            client.get("/partner/").content.decode(),
            client.get(detail).content.decode(),
            api.get(f"{API}/referrals").content.decode(),
            api.get(f"{API}/referrals/{referral.pk}").content.decode(),
            api.post(f"{API}/referrals/{referral.pk}/accept").content.decode(),
            client.post(f"/partner/referrals/{referral.pk}/accept/", follow=True).content.decode(),
        ]
    assert len(bodies) == 6 * len(partners)
    for body in bodies:
        assert_nothing_forbidden(body)
        assert COUNSELING_MARKER not in body
        assert SEALED_ADDRESS not in body
        assert INTAKE_SUMMARY not in body


@pytest.mark.parametrize(
    "role", [Role.CASE_MANAGER, Role.SUPERVISOR, Role.HOTLINE_COUNSELOR, Role.EXPERT, Role.ADMIN]
)
def test_center_staff_get_404_on_partner_pages(
    role: str, world: World, staff: dict[str, Staff]
) -> None:
    client = logged_in(staff[role])
    referral = world.referrals[AgencyKind.SECURITY]
    assert client.get("/partner/").status_code == 404
    assert client.get(f"/partner/referrals/{referral.pk}/").status_code == 404
    assert client.post(f"/partner/referrals/{referral.pk}/accept/").status_code == 404


def test_partner_staff_of_other_roles_get_404(
    world: World, partners: dict[str, Staff], make_staff: Callable[..., Staff]
) -> None:
    agency = partners[AgencyKind.SECURITY].agency
    referral = world.referrals[AgencyKind.SECURITY]
    for role in (Role.EXPERT, Role.STATISTICIAN, Role.CASE_MANAGER):
        client = logged_in(make_staff(agency, role))
        assert client.get("/partner/").status_code == 404
        assert client.get(f"/partner/referrals/{referral.pk}/").status_code == 404


def test_the_partner_agency_s_supervisor_sees_its_referrals(
    world: World, partners: dict[str, Staff], make_staff: Callable[..., Staff]
) -> None:
    agency = partners[AgencyKind.LEGAL].agency
    client = logged_in(make_staff(agency, Role.SUPERVISOR))
    referral = world.referrals[AgencyKind.LEGAL]
    assert client.get(f"/partner/referrals/{referral.pk}/").status_code == 200
    assert client.get(f"/partner/referrals/{world.referrals['security'].pk}/").status_code == 404


def test_anonymous_callers_are_sent_to_sign_in_or_get_401(world: World) -> None:
    referral = world.referrals[AgencyKind.SECURITY]
    page = Client().get(f"/partner/referrals/{referral.pk}/")
    assert page.status_code == 302
    assert page["Location"].startswith("/accounts/login/")
    answer = Client().get(f"{API}/referrals/{referral.pk}")
    assert answer.status_code == 401
    unknown = key_client("osk_not-a-key").get(f"{API}/referrals")
    assert unknown.status_code == 401


@pytest.mark.parametrize("scope", ["police_referral", "platform"])
def test_a_key_of_another_scope_gets_403(scope: str, world: World) -> None:
    code = "police-mapo" if scope == "police_referral" else "platform-x"
    kind = "police" if scope == "police_referral" else "city_office"
    agency_add(actor=None, code=code, kind=kind, name=code, region="seoul")
    client = key_client(provider_key(code, scope=scope)[1])
    referral = world.referrals[AgencyKind.SECURITY]
    for answer in (
        client.get(f"{API}/referrals"),
        client.get(f"{API}/referrals/{referral.pk}"),
        client.post(f"{API}/referrals/{referral.pk}/accept"),
        client.post(
            f"{API}/referrals/{referral.pk}/decline",
            {"reason": "x"},
            content_type="application/json",
        ),
    ):
        assert answer.status_code == 403
        assert answer.json()["errors"][0]["code"] == "forbidden"
    referral.refresh_from_db()
    assert referral.status == "sent"


def test_a_provider_key_of_an_agency_without_referrals_sees_none(world: World) -> None:
    agency_add(actor=None, code="other-security", kind="security", name="다른 경호", region="seoul")
    client = key_client(provider_key("other-security")[1])
    assert client.get(f"{API}/referrals").json() == {"referrals": []}
    referral = world.referrals[AgencyKind.SECURITY]
    assert client.get(f"{API}/referrals/{referral.pk}").status_code == 404


@pytest.mark.parametrize("kind", KINDS)
def test_partners_see_no_case_pages(kind: str, world: World, partners: dict[str, Staff]) -> None:
    """A provider account opening the case pages: its dashboard lists no case, the case page
    and its sealed locations are 404, a search finds nothing, and the referral of another
    partner is 404 too."""
    client = logged_in(partners[kind])
    case = world.case
    dashboard = client.get("/cases/")
    assert dashboard.status_code == 200
    html = dashboard.content.decode()
    assert case.reference not in html
    assert VICTIM_NAME not in html
    assert client.get(f"/cases/{case.pk}/").status_code == 404
    assert client.post(f"/cases/{case.pk}/sealed-locations/").status_code == 404
    search = client.get("/cases/search/", {"q": case.reference})
    assert search.status_code == 200
    assert list(search.context["results"]) == []
    assert f"/cases/{case.pk}/" not in search.content.decode()
    other = next(r for k, r in world.referrals.items() if k != kind)
    assert client.get(f"/partner/referrals/{other.pk}/").status_code == 404
    api = client.get(f"/api/v1/cases/{case.pk}")
    assert api.status_code == 404
