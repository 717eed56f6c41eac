"""Where a victim can be found lives only in ``people.SealedLocation``: sealed at rest, never on
the plain case page, shown only in the answer to an explicit request by her lead, her case
managers or the agency's supervisors, and every such reading is audited.

Also the data migration that moved ``Victim.address`` into the compartment."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse

from onestop.accounts.models import Agency, Role, Staff
from onestop.accounts.services import agency_add
from onestop.audit.models import AuditEntry
from onestop.cases.errors import CaseActionForbidden, CaseNotFound, TransitionNotAllowed
from onestop.cases.models import CaseEvent, Notification
from onestop.cases.services import (
    case_sealed_location_add,
    case_sealed_locations_reveal,
    case_team_assign,
    case_transition,
)
from onestop.conftest import run_pending_tasks
from onestop.core.errors import ValidationFailed
from onestop.people.models import SealedLocation

HOME = "서울특별시 마포구 월드컵북로 77길 12, 302호"
WORK = "서울특별시 중구 을지로 100 파인애비뉴 B동 14층"
# (staff role, team role) of every team member the case can have besides its lead.
TEAM_ROLE_OF: dict[str, str] = {
    Role.CASE_MANAGER: "case_manager",
    Role.SUPERVISOR: "case_manager",
    Role.HOTLINE_COUNSELOR: "counselor",
    Role.EXPERT: "expert",
}
MATRIX = [
    (role, own, team)
    for role in Role.values
    for own in (True, False)
    for team in (True, False)
    if not (team and (not own or role not in TEAM_ROLE_OF))
]


@pytest.fixture
def world(agency, other_agency, make_staff, open_case):
    lead = make_staff(agency, Role.CASE_MANAGER, "lead-manager")
    case = open_case(lead)
    return {"case": case, "lead": lead}


def matrix_user(
    world: dict[str, Any],
    agency: Agency,
    other_agency: Agency,
    make_staff: Callable[..., Staff],
    role: str,
    own_agency: bool,
    in_team: bool,
) -> Staff:
    user = make_staff(agency if own_agency else other_agency, role, f"u-{role}".replace("_", "-"))
    if in_team:
        case_team_assign(
            case_id=world["case"].pk, actor=world["lead"], staff_id=user.pk, role=TEAM_ROLE_OF[role]
        )
    return user


def visible(role: str, *, own_agency: bool, in_team: bool) -> bool:
    return own_agency and (role == Role.SUPERVISOR or in_team)


def may_read(role: str, *, own_agency: bool, in_team: bool) -> bool:
    """The lead and team case managers (case-manager staff), and the agency's supervisors."""
    if not visible(role, own_agency=own_agency, in_team=in_team):
        return False
    return role == Role.SUPERVISOR or (in_team and role == Role.CASE_MANAGER)


def login(user: Staff) -> Client:
    client = Client()
    client.force_login(user)
    return client


def last_seq() -> int:
    entry = AuditEntry.objects.order_by("-seq").first()
    return entry.seq if entry else 0


def audit_since(seq: int) -> list[tuple[str, Any, dict[str, Any]]]:
    return [(e.action, e.actor_id, e.data) for e in AuditEntry.objects.filter(seq__gt=seq)]


def written() -> tuple[int, int]:
    return SealedLocation.objects.count(), CaseEvent.objects.count()


def raw_dump() -> str:
    """Every row of every table, as the database returns it (no model decryption)."""
    lines: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            lines.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(lines)


def reveal_url(case) -> str:
    return reverse("cases:sealed_locations", args=[case.pk])


def add_url(case) -> str:
    return reverse("cases:sealed_location_add", args=[case.pk])


def detail_url(case) -> str:
    return reverse("cases:detail", args=[case.pk])


# --- at rest -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_address_is_sealed_at_rest_and_nowhere_else(world, agency, make_staff):
    # given an address sealed by the case's lead, with the notifications it causes
    case, lead = world["case"], world["lead"]
    member = make_staff(agency, Role.HOTLINE_COUNSELOR, "team-counselor")
    case_team_assign(case_id=case.pk, actor=lead, staff_id=member.pk, role="counselor")
    place = case_sealed_location_add(case_id=case.pk, actor=lead, kind="home", address=HOME)
    run_pending_tasks()
    assert Notification.objects.filter(recipient=member).exists()
    # then the sealed-location table, and every other table, hold it only sealed
    with connection.cursor() as cursor:
        cursor.execute("SELECT address FROM people_sealedlocation")
        rows = cursor.fetchall()
    assert len(rows) == 1
    assert rows[0][0].startswith("v1:")
    assert HOME not in rows[0][0]
    dump = raw_dump()
    for part in (HOME, "월드컵북로", "302호"):
        assert part not in dump, part
    # and the model reads it back
    stored = SealedLocation.objects.get(pk=place.pk)
    assert (stored.address, stored.kind, stored.source, stored.recorded_by_id) == (
        HOME,
        "home",
        "staff",
        lead.pk,
    )
    assert stored.victim_id == case.victim_id


# --- the services --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_adding_a_place_writes_the_place_a_timeline_entry_without_it_and_an_audit_entry(world):
    case, lead = world["case"], world["lead"]
    seq = last_seq()
    # when the lead seals an address (with stray whitespace)
    place = case_sealed_location_add(
        case_id=case.pk, actor=lead, kind="workplace", address=f"  {WORK[:12]}\n  {WORK[13:]} "
    )
    # then it is stored cleaned up
    assert SealedLocation.objects.get(pk=place.pk).address == WORK
    # and the timeline says a place was sealed, never which
    event = CaseEvent.objects.filter(case=case).order_by("-created_at").first()
    assert event is not None
    assert (event.kind, event.actor_id, event.data, event.note) == (
        "sealed_location_added",
        lead.pk,
        {"kind": "workplace"},
        "",
    )
    # and the audit entry names the place by id only
    assert audit_since(seq) == [
        (
            "case.sealed_location_add",
            lead.pk,
            {"location": str(place.pk), "kind": "workplace"},
        )
    ]


@pytest.mark.django_db
def test_revealing_returns_the_places_newest_first_and_is_audited(world):
    case, lead = world["case"], world["lead"]
    home = case_sealed_location_add(case_id=case.pk, actor=lead, kind="home", address=HOME)
    work = case_sealed_location_add(case_id=case.pk, actor=lead, kind="workplace", address=WORK)
    seq = last_seq()
    places = case_sealed_locations_reveal(case_id=case.pk, actor=lead)
    assert [(p.pk, p.address) for p in places] == [(work.pk, WORK), (home.pk, HOME)]
    assert audit_since(seq) == [
        ("case.sealed_locations_reveal", lead.pk, {"locations": [str(work.pk), str(home.pk)]})
    ]


@pytest.mark.django_db
def test_revealing_none_is_audited_too(world):
    case, lead = world["case"], world["lead"]
    seq = last_seq()
    assert case_sealed_locations_reveal(case_id=case.pk, actor=lead) == []
    assert audit_since(seq) == [("case.sealed_locations_reveal", lead.pk, {"locations": []})]


@pytest.mark.django_db
def test_every_reveal_is_audited_separately(world, supervisor):
    case, lead = world["case"], world["lead"]
    case_sealed_location_add(case_id=case.pk, actor=lead, kind="home", address=HOME)
    seq = last_seq()
    for actor in (lead, supervisor, lead):
        case_sealed_locations_reveal(case_id=case.pk, actor=actor)
    assert [(a, who) for a, who, _ in audit_since(seq)] == [
        ("case.sealed_locations_reveal", lead.pk),
        ("case.sealed_locations_reveal", supervisor.pk),
        ("case.sealed_locations_reveal", lead.pk),
    ]


@pytest.mark.django_db
def test_the_places_of_another_victim_are_not_revealed(world, open_case):
    case, lead = world["case"], world["lead"]
    other = open_case(lead, name="박서연", phone="010-4444-1212", birth_year=1988)
    case_sealed_location_add(case_id=other.pk, actor=lead, kind="home", address=WORK)
    case_sealed_location_add(case_id=case.pk, actor=lead, kind="home", address=HOME)
    assert [p.address for p in case_sealed_locations_reveal(case_id=case.pk, actor=lead)] == [HOME]


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "own_agency", "in_team"), MATRIX)
def test_service_permission_matrix(
    world, agency, other_agency, make_staff, role, own_agency, in_team
):
    case, lead = world["case"], world["lead"]
    case_sealed_location_add(case_id=case.pk, actor=lead, kind="home", address=HOME)
    user = matrix_user(world, agency, other_agency, make_staff, role, own_agency, in_team)
    allowed = may_read(role, own_agency=own_agency, in_team=in_team)
    refusal = (
        CaseNotFound
        if not visible(role, own_agency=own_agency, in_team=in_team)
        else (CaseActionForbidden)
    )
    # reveal
    seq, before = last_seq(), written()
    if allowed:
        assert [p.address for p in case_sealed_locations_reveal(case_id=case.pk, actor=user)] == [
            HOME
        ]
        assert [a for a, _, _ in audit_since(seq)] == ["case.sealed_locations_reveal"]
    else:
        with pytest.raises(refusal):
            case_sealed_locations_reveal(case_id=case.pk, actor=user)
        assert audit_since(seq) == []
    assert written() == before
    # add
    seq = last_seq()
    if allowed:
        case_sealed_location_add(case_id=case.pk, actor=user, kind="new_home", address=WORK)
        assert written() == (before[0] + 1, before[1] + 1)
        assert [a for a, _, _ in audit_since(seq)] == ["case.sealed_location_add"]
    else:
        with pytest.raises(refusal):
            case_sealed_location_add(case_id=case.pk, actor=user, kind="new_home", address=WORK)
        assert written() == before
        assert audit_since(seq) == []


@pytest.mark.django_db
def test_a_case_manager_on_the_team_as_counselor_may_not_read(world, agency, make_staff):
    case, lead = world["case"], world["lead"]
    helper = make_staff(agency, Role.CASE_MANAGER, "helper")
    case_team_assign(case_id=case.pk, actor=lead, staff_id=helper.pk, role="counselor")
    seq, before = last_seq(), written()
    with pytest.raises(CaseActionForbidden):
        case_sealed_locations_reveal(case_id=case.pk, actor=helper)
    with pytest.raises(CaseActionForbidden):
        case_sealed_location_add(case_id=case.pk, actor=helper, kind="home", address=HOME)
    assert (written(), audit_since(seq)) == (before, [])


@pytest.mark.django_db
def test_a_lead_removed_from_the_team_loses_access(world, agency, make_staff):
    from onestop.cases.services import case_team_remove

    case, lead = world["case"], world["lead"]
    new_lead = make_staff(agency, Role.CASE_MANAGER, "new-lead")
    case_team_assign(case_id=case.pk, actor=lead, staff_id=new_lead.pk, role="lead")
    case_team_remove(case_id=case.pk, actor=new_lead, staff_id=lead.pk)
    with pytest.raises(CaseNotFound):
        case_sealed_locations_reveal(case_id=case.pk, actor=lead)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "address", "fields"),
    [
        ("home", "", ["address"]),
        ("home", "   \n\t ", ["address"]),
        ("home", "가" * 501, ["address"]),
        ("castle", HOME, ["kind"]),
        ("", "", ["kind", "address"]),
    ],
)
def test_a_bad_place_is_refused_and_nothing_is_written(world, kind, address, fields):
    case, lead = world["case"], world["lead"]
    seq, before = last_seq(), written()
    with pytest.raises(ValidationFailed) as caught:
        case_sealed_location_add(case_id=case.pk, actor=lead, kind=kind, address=address)
    assert [e.field for e in caught.value.errors] == fields
    assert (written(), audit_since(seq)) == (before, [])


@pytest.mark.django_db
def test_the_longest_address_is_accepted(world):
    case, lead = world["case"], world["lead"]
    place = case_sealed_location_add(case_id=case.pk, actor=lead, kind="other", address="가" * 500)
    assert len(SealedLocation.objects.get(pk=place.pk).address) == 500


# --- the pages -----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "own_agency", "in_team"), MATRIX)
def test_reveal_page_permission_matrix(
    world, agency, other_agency, make_staff, role, own_agency, in_team
):
    """200 with the address for those who may read it; a redirect to the case page with an error
    for team members who may not (nothing written); 404 for those who cannot see the case."""
    case, lead = world["case"], world["lead"]
    case_sealed_location_add(case_id=case.pk, actor=lead, kind="home", address=HOME)
    user = matrix_user(world, agency, other_agency, make_staff, role, own_agency, in_team)
    seq, before = last_seq(), written()

    client = login(user)
    response = client.post(reveal_url(case))

    if may_read(role, own_agency=own_agency, in_team=in_team):
        assert response.status_code == 200
        page = response.content.decode()
        assert HOME in page
        assert "이 열람은 기록되었습니다." in page
        assert response["Cache-Control"] == "no-store"
        assert [a for a, _, _ in audit_since(seq)] == [
            "case.sealed_locations_reveal",
            "case.view.case",
        ]
    elif visible(role, own_agency=own_agency, in_team=in_team):
        assert response.status_code == 302
        assert response["Location"] == detail_url(case)
        assert audit_since(seq) == []
        follow = client.get(response["Location"])
        assert "봉인된 주소를 볼 권한이 없습니다." in follow.content.decode()
        assert HOME not in follow.content.decode()
    else:
        assert response.status_code == 404
        assert HOME not in response.content.decode()
        assert audit_since(seq) == []
    assert written() == before


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "own_agency", "in_team"), MATRIX)
def test_add_page_permission_matrix(
    world, agency, other_agency, make_staff, role, own_agency, in_team
):
    """302 back to the case for those who may add; the case page again with 403 for team members
    who may not (its rendering is the only thing audited); 404 for those who cannot see it."""
    case = world["case"]
    user = matrix_user(world, agency, other_agency, make_staff, role, own_agency, in_team)
    seq, before = last_seq(), written()

    response = login(user).post(add_url(case), {"kind": "home", "address": HOME})

    if may_read(role, own_agency=own_agency, in_team=in_team):
        assert response.status_code == 302
        assert response["Location"] == detail_url(case)
        place = SealedLocation.objects.get()
        assert (place.victim_id, place.kind, place.address, place.recorded_by_id) == (
            case.victim_id,
            "home",
            HOME,
            user.pk,
        )
        assert written() == (before[0] + 1, before[1] + 1)
        assert [a for a, _, _ in audit_since(seq)] == ["case.sealed_location_add"]
        return
    if visible(role, own_agency=own_agency, in_team=in_team):
        assert response.status_code == 403
        assert "봉인된 주소를 등록할 권한이 없습니다." in response.content.decode()
        assert [a for a, _, _ in audit_since(seq)] == ["case.view.case"]
    else:
        assert response.status_code == 404
        assert audit_since(seq) == []
    assert written() == before


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["reveal", "add"])
def test_anonymous_and_get_requests_are_refused(world, url):
    case, lead = world["case"], world["lead"]
    target = reveal_url(case) if url == "reveal" else add_url(case)
    seq, before = last_seq(), written()
    anonymous = Client().post(target, {"kind": "home", "address": HOME})
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("accounts:login"))
    assert login(lead).get(target).status_code == 405
    assert (written(), audit_since(seq)) == (before, [])


@pytest.mark.django_db
def test_an_unknown_case_is_not_found(world):
    from uuid import uuid4

    lead = world["lead"]
    for url in ("cases:sealed_locations", "cases:sealed_location_add"):
        response = login(lead).post(reverse(url, args=[uuid4()]), {"kind": "home", "address": HOME})
        assert response.status_code == 404


@pytest.mark.django_db
def test_an_invalid_add_shows_the_error_and_writes_nothing(world):
    case, lead = world["case"], world["lead"]
    seq, before = last_seq(), written()
    response = login(lead).post(add_url(case), {"kind": "home", "address": "   "})
    assert response.status_code == 422
    assert "주소를 입력하세요." in response.content.decode()
    assert written() == before
    assert [a for a, _, _ in audit_since(seq)] == ["case.view.case"]


@pytest.mark.django_db
def test_the_plain_case_page_never_shows_the_address(world, supervisor, agency, make_staff):
    # given a case with two sealed places and every kind of reader of the case
    case, lead = world["case"], world["lead"]
    case_sealed_location_add(case_id=case.pk, actor=lead, kind="home", address=HOME)
    case_sealed_location_add(case_id=case.pk, actor=lead, kind="workplace", address=WORK)
    counselor = make_staff(agency, Role.HOTLINE_COUNSELOR, "team-counselor")
    case_team_assign(case_id=case.pk, actor=lead, staff_id=counselor.pk, role="counselor")
    for user in (supervisor, lead, counselor):
        client = login(user)
        # a reveal earlier in the session changes nothing for later pages
        client.post(reveal_url(case))
        # when the case page is opened
        response = client.get(detail_url(case))
        # then it says how many places are sealed, never where
        page = response.content.decode()
        assert response.status_code == 200
        assert "봉인됨 (2건)" in page
        for part in (HOME, WORK, "월드컵북로", "을지로 100"):
            assert part not in page, (user.username, part)
    # and the reveal button is offered to those who may use it only
    assert "주소 보기 (열람 기록됨)" in login(supervisor).get(detail_url(case)).content.decode()
    assert "주소 보기 (열람 기록됨)" not in login(counselor).get(detail_url(case)).content.decode()


@pytest.mark.django_db
def test_the_reveal_answer_lists_every_place_with_its_kind(world):
    case, lead = world["case"], world["lead"]
    case_sealed_location_add(case_id=case.pk, actor=lead, kind="home", address=HOME)
    case_sealed_location_add(case_id=case.pk, actor=lead, kind="workplace", address=WORK)
    page = login(lead).post(reveal_url(case)).content.decode()
    assert page.index(WORK) < page.index(HOME)
    assert "거주지" in page
    assert "직장·학교" in page


@pytest.mark.django_db
def test_the_reveal_answer_for_no_places_says_so(world):
    case, lead = world["case"], world["lead"]
    seq = last_seq()
    response = login(lead).post(reveal_url(case))
    assert response.status_code == 200
    assert "봉인된 주소가 없습니다." in response.content.decode()
    assert [a for a, _, _ in audit_since(seq)] == ["case.sealed_locations_reveal", "case.view.case"]


# --- the data migration --------------------------------------------------------------------------

BEFORE = [("people", "0002_sealed_locations")]
AFTER = [("people", "0004_remove_victim_address")]


def migrate(targets: list[tuple[str, str]]) -> Any:
    """Migrate to ``targets``; returns the apps of the state reached."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_a_victims_address_into_the_sealed_compartment():
    agency = agency_add(
        actor=None, code="seoul-onestop", kind="onestop_center", name="서울 원스톱", region="seoul"
    )
    try:
        # given the schema before the move, with one victim with an address and one without
        old = migrate(BEFORE)
        Victim = old.get_model("people", "Victim")
        with_address = Victim.objects.create(agency_id=agency.pk, name="한지민", address=HOME)
        without = Victim.objects.create(agency_id=agency.pk, name="오세영", address="")
        # when the migrations run forward
        new = migrate(AFTER)
        # then her address is sealed as her home, from the migration, and the other has none
        Sealed = new.get_model("people", "SealedLocation")
        moved = list(Sealed.objects.all())
        assert [(p.victim_id, p.kind, p.source, p.address) for p in moved] == [
            (with_address.pk, "home", "migration", HOME)
        ]
        assert not Sealed.objects.filter(victim_id=without.pk).exists()
        # and it is sealed at rest: the address is in no table in clear
        assert HOME not in raw_dump()
        assert "address" not in {
            c.name
            for c in connection.introspection.get_table_description(
                connection.cursor(), "people_victim"
            )
        }

        # when the migrations run backwards, the address goes back to her record
        old = migrate(BEFORE)
        Victim = old.get_model("people", "Victim")
        assert Victim.objects.get(pk=with_address.pk).address == HOME
        assert Victim.objects.get(pk=without.pk).address == ""
        assert not old.get_model("people", "SealedLocation").objects.exists()
    finally:
        migrate(AFTER)
    # and, forward again, the model of today reads what the migration sealed
    assert [(p.victim_id, p.address) for p in SealedLocation.objects.all()] == [
        (with_address.pk, HOME)
    ]


@pytest.mark.django_db(transaction=True)
def test_reversing_the_migration_keeps_places_that_staff_sealed():
    agency = agency_add(
        actor=None, code="seoul-onestop", kind="onestop_center", name="서울 원스톱", region="seoul"
    )
    try:
        old = migrate(BEFORE)
        victim = old.get_model("people", "Victim").objects.create(
            agency_id=agency.pk, name="한지민", address=HOME
        )
        new = migrate(AFTER)
        Sealed = new.get_model("people", "SealedLocation")
        Sealed.objects.create(victim_id=victim.pk, kind="workplace", address=WORK, source="staff")
        old = migrate(BEFORE)
        kept = list(old.get_model("people", "SealedLocation").objects.all())
        assert [(p.kind, p.source, p.address) for p in kept] == [("workplace", "staff", WORK)]
    finally:
        migrate(AFTER)


@pytest.mark.django_db
def test_no_place_is_sealed_on_a_closed_case(world):
    case, lead = world["case"], world["lead"]
    case_transition(case_id=case.pk, actor=lead, to_status="closed", close_reason="no_contact")
    before = written()
    with pytest.raises(TransitionNotAllowed):
        case_sealed_location_add(case_id=case.pk, actor=lead, kind="home", address="서울 어딘가 1")
    assert written() == before


@pytest.mark.django_db
def test_the_same_place_told_twice_is_sealed_once(world):
    case, lead = world["case"], world["lead"]
    first = case_sealed_location_add(
        case_id=case.pk, actor=lead, kind="home", address="서울 망원로 1"
    )
    again = case_sealed_location_add(
        case_id=case.pk, actor=lead, kind="home", address="  서울  망원로 1 "
    )
    assert again.pk == first.pk
    assert SealedLocation.objects.count() == 1


@pytest.mark.django_db
def test_a_forbidden_add_is_a_message_and_shows_no_form(world, agency, make_staff):
    case, lead = world["case"], world["lead"]
    counselor = make_staff(agency, Role.HOTLINE_COUNSELOR, "team-counselor")
    case_team_assign(case_id=case.pk, actor=lead, staff_id=counselor.pk, role="counselor")
    before = written()
    response = login(counselor).post(add_url(case), {"kind": "home", "address": "서울 망원로 9"})
    assert response.status_code == 403
    assert written() == before
    page = response.content.decode()
    assert "봉인된 주소를 등록할 권한이 없습니다." in page
    assert f'action="{add_url(case)}"' not in page
    assert "서울 망원로 9" not in page
