"""The conference pages through the real views: a permission matrix for every page and every
POST (each role, own agency and another; 404 for whoever may not see), refusals that show the
errors and write nothing, what the pages show (carried actions, links only to visible cases,
never the victim's name), the case panel and the dashboard panel."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from onestop.accounts.models import Role
from onestop.audit.models import AuditEntry
from onestop.cases.services import case_team_assign
from onestop.conferences.models import (
    Action,
    AgendaItem,
    Conference,
    ConferenceAttendee,
    ConferenceReferral,
    Decision,
    PreMeetingInfo,
)
from onestop.conferences.permissions import CONFERENCE_ROLES, MANAGING_ROLES
from onestop.conferences.services import (
    action_add,
    conference_attendee_add,
    conference_close_minutes,
    conference_mark_held,
    referral_create,
)

from .conftest import TODAY, day_at

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def counts() -> tuple[int, ...]:
    """Rows the forms write, and audit entries other than readings of a page."""
    return (
        ConferenceReferral.objects.count(),
        Conference.objects.count(),
        ConferenceAttendee.objects.count(),
        AgendaItem.objects.count(),
        PreMeetingInfo.objects.count(),
        Decision.objects.count(),
        Action.objects.count(),
        AuditEntry.objects.exclude(action__in=["conference.view", "case.view.case"]).count(),
    )


@dataclass
class World:
    conference: Conference
    item: AgendaItem
    action: Action
    attendee: ConferenceAttendee
    proposed: ConferenceReferral
    police: Any
    chair: Any


@pytest.fixture
def world(case, manager, police, open_case, schedule, put_on_agenda) -> World:
    conference = schedule(day_at(0, 8))
    item = put_on_agenda(case, conference)
    action = action_add(
        agenda_item_id=item.pk,
        actor=manager,
        what="신변보호 연장 협의",
        agency_id=police.pk,
        owner_id=None,
        due_on=TODAY + dt.timedelta(days=7),
    )
    attendee = conference_attendee_add(
        conference_id=conference.pk,
        actor=manager,
        agency_id=police.pk,
        staff_id=None,
        name="이경위",
        role="경찰",
    )
    second = open_case(manager, name="박서연", phone="010-2222-3333")
    proposed = referral_create(case_id=second.pk, actor=manager, note="반복 연락")
    return World(conference, item, action, attendee, proposed, police, manager)


def user_for(role, where, staff, make_staff, other_agency) -> Any:
    if where == "own":
        return staff[role]
    return make_staff(other_agency, role, username=f"other-{role}".replace("_", "-"))


@dataclass(frozen=True)
class Endpoint:
    name: str
    # "list" and "schedule" concern the user's own agency (whoever she is); "view", "manage"
    # and "record" concern the world's meeting, of the own agency.
    kind: str
    url: Callable[[World], str]
    data: Callable[[World], dict[str, Any]] | None = None  # None: a GET
    prepare: Callable[[World, Any], None] | None = None
    success: int = 302


def _held(world: World, manager) -> None:
    conference_mark_held(conference_id=world.conference.pk, actor=manager)


ENDPOINTS = [
    Endpoint("list", "list", lambda w: reverse("conferences:list"), success=200),
    Endpoint("detail", "view", lambda w: reverse("conferences:detail", args=[w.conference.pk])),
    Endpoint("new page", "schedule", lambda w: reverse("conferences:new"), success=200),
    Endpoint(
        "schedule",
        "schedule",
        lambda w: reverse("conferences:new"),
        lambda w: {"scheduled_at": "2026-12-01T14:00", "chair": str(w.chair.pk)},
    ),
    Endpoint(
        "attendee add",
        "manage",
        lambda w: reverse("conferences:attendee_add", args=[w.conference.pk]),
        lambda w: {"agency": str(w.police.pk), "name": "박경사", "role": "경찰"},
    ),
    Endpoint(
        "attendee remove",
        "manage",
        lambda w: reverse("conferences:attendee_remove", args=[w.conference.pk]),
        lambda w: {"attendee": str(w.attendee.pk)},
    ),
    Endpoint(
        "held",
        "manage",
        lambda w: reverse("conferences:held", args=[w.conference.pk]),
        lambda w: {},
    ),
    Endpoint(
        "close",
        "manage",
        lambda w: reverse("conferences:close", args=[w.conference.pk]),
        lambda w: {},
        prepare=_held,
    ),
    Endpoint(
        "cancel",
        "manage",
        lambda w: reverse("conferences:cancel", args=[w.conference.pk]),
        lambda w: {"reason": "의장 사정으로 열지 못함"},
    ),
    Endpoint(
        "accept",
        "manage",
        lambda w: reverse("conferences:referral_accept", args=[w.proposed.pk]),
        lambda w: {"conference": str(w.conference.pk)},
    ),
    Endpoint(
        "decline",
        "manage",
        lambda w: reverse("conferences:referral_decline", args=[w.proposed.pk]),
        lambda w: {"reason": "이번 회의에서는 다루지 않음"},
    ),
    Endpoint(
        "info",
        "record",
        lambda w: reverse("conferences:info", args=[w.conference.pk, w.item.pk]),
        lambda w: {"agency": str(w.police.pk), "facts": "신고 1건", "opinion": "", "withheld": ""},
    ),
    Endpoint(
        "decision",
        "record",
        lambda w: reverse("conferences:decision", args=[w.conference.pk, w.item.pk]),
        lambda w: {"text": "주 1회 안부 확인"},
    ),
    Endpoint(
        "action add",
        "record",
        lambda w: reverse("conferences:action_add", args=[w.conference.pk, w.item.pk]),
        lambda w: {"what": "법률 지원 연계", "agency": str(w.police.pk), "due_on": "2026-12-01"},
    ),
    Endpoint(
        "action status",
        "record",
        lambda w: reverse("conferences:action_status", args=[w.conference.pk]),
        lambda w: {"action": str(w.action.pk), "status": "done"},
    ),
    Endpoint(
        "minutes",
        "record",
        lambda w: reverse("conferences:minutes", args=[w.conference.pk]),
        lambda w: {"reason": "records"},
        success=200,
    ),
]


def expected_status(endpoint: Endpoint, role: str, where: str) -> int:
    own = where == "own"
    if endpoint.kind == "list":
        return 200 if role in CONFERENCE_ROLES else 404
    if endpoint.kind == "view":
        return 200 if own and role in CONFERENCE_ROLES else 404
    if endpoint.kind == "schedule":
        if role not in MANAGING_ROLES:
            return 404
        # she schedules for her own agency; the world's chair is no staff of another agency
        return endpoint.success if own or endpoint.data is None else 422
    if endpoint.kind == "manage":
        if own and role in MANAGING_ROLES:
            return endpoint.success
        return 403 if own and role in CONFERENCE_ROLES else 404
    return endpoint.success if own and role in CONFERENCE_ROLES else 404


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
@pytest.mark.parametrize("role", Role.values)
@pytest.mark.parametrize("where", ["own", "other"])
def test_permission_matrix(world, manager, staff, make_staff, other_agency, endpoint, role, where):
    if endpoint.prepare:
        endpoint.prepare(world, manager)
    user = user_for(role, where, staff, make_staff, other_agency)
    client = logged_in(user)
    before = counts()

    if endpoint.data is None:
        response = client.get(endpoint.url(world))
    else:
        response = client.post(endpoint.url(world), endpoint.data(world))

    want = expected_status(endpoint, role, where)
    assert response.status_code == want, response.content.decode()[:2000]
    if endpoint.data is not None and want != endpoint.success:
        assert counts() == before  # a refused POST writes nothing
    if endpoint.data is not None and want == 302:
        assert counts() != before
    if want in (200, 403, 422):
        assert response["Cache-Control"] == "no-store"
    if where == "other" and response["Content-Type"].startswith("text/html"):
        page = response.content.decode()
        assert world.proposed.case.reference not in page  # another agency's cases never show
        assert world.item.case.reference not in page


@pytest.mark.parametrize("name", ["case_refer", "case_emergency"])
@pytest.mark.parametrize("role", Role.values)
@pytest.mark.parametrize("where", ["own", "other"])
@pytest.mark.parametrize("on_team", [True, False])
def test_case_page_forms_matrix(
    case, manager, make_staff, agency, other_agency, name, role, where, on_team
):
    home = agency if where == "own" else other_agency
    user = make_staff(home, role, username=f"{where}-{role}".replace("_", "-"))
    team_roles = {Role.CASE_MANAGER: "case_manager", Role.HOTLINE_COUNSELOR: "counselor",
                  Role.EXPERT: "expert"}  # fmt: skip
    joined = on_team and where == "own" and role in team_roles
    if joined:
        case_team_assign(case_id=case.pk, actor=manager, staff_id=user.pk, role=team_roles[role])
    sees_case = where == "own" and (role == Role.SUPERVISOR or joined)
    data = (
        {"note": "접근금지 위반이 잦음"}
        if name == "case_refer"
        else {"when": "2026-11-20T18:00", "reason": "가해자가 집 앞에 나타남"}
    )
    before = counts()

    response = logged_in(user).post(reverse(f"conferences:{name}", args=[case.pk]), data)

    if not sees_case:
        assert response.status_code == 404
    elif name == "case_refer" or role in MANAGING_ROLES:
        assert response.status_code == 302
        assert response["Location"] == reverse("cases:detail", args=[case.pk])
        return
    else:
        assert response.status_code == 403
    assert counts() == before


def test_anonymous_is_sent_to_sign_in(world):
    for url in (
        reverse("conferences:list"),
        reverse("conferences:detail", args=[world.conference.pk]),
    ):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


# --- refusals -----------------------------------------------------------------------------------


def test_a_refused_action_shows_every_error_keeps_the_input_and_writes_nothing(world, expert):
    before = counts()
    response = logged_in(expert).post(
        reverse("conferences:action_add", args=[world.conference.pk, world.item.pk]),
        {"what": "확인", "agency": "", "due_on": "2026-11-01"},
    )
    assert response.status_code == 422
    assert counts() == before
    page = response.content.decode()
    assert "5자 이상 적어 주세요." in page
    assert "기관을 고르세요." in page
    assert "지난 날짜는 고를 수 없습니다." in page
    assert 'value="2026-11-01"' in page  # kept
    assert '<details class="form-details" open>' in page


def test_a_refused_schedule_shows_the_errors(manager):
    before = counts()
    response = logged_in(manager).post(reverse("conferences:new"), {"scheduled_at": ""})
    assert response.status_code == 422
    page = response.content.decode()
    assert "회의 일시를 적어 주세요." in page
    assert "의장을 고르세요." in page
    assert counts() == before


def test_closing_a_planned_meeting_says_why(world, manager):
    before = counts()
    response = logged_in(manager).post(reverse("conferences:close", args=[world.conference.pk]))
    assert response.status_code == 409
    assert "개최된 회의의 회의록만 마감할 수 있습니다." in response.content.decode()
    assert counts() == before


def test_a_refused_decline_shows_the_list_again(world, manager):
    before = counts()
    response = logged_in(manager).post(
        reverse("conferences:referral_decline", args=[world.proposed.pk]), {"reason": ""}
    )
    assert response.status_code == 422
    assert "채택하지 않는 이유를 적어 주세요." in response.content.decode()
    assert counts() == before


def test_a_refused_case_referral_shows_the_case_page_again(case, manager):
    before = counts()
    response = logged_in(manager).post(
        reverse("conferences:case_refer", args=[case.pk]), {"note": ""}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "의뢰 사유를 적어 주세요." in page
    assert counts() == before


def test_an_action_of_another_meeting_is_not_found_here(world, manager, schedule):
    elsewhere = schedule(day_at(3))
    response = logged_in(manager).post(
        reverse("conferences:action_status", args=[elsewhere.pk]),
        {"action": str(world.action.pk), "status": "done"},
    )
    assert response.status_code == 404


# --- what the pages show ------------------------------------------------------------------------


def test_the_meeting_page_links_a_case_only_for_who_may_open_it(world, manager, expert, case):
    link = f'href="{reverse("cases:detail", args=[case.pk])}"'
    mine = logged_in(manager).get(reverse("conferences:detail", args=[world.conference.pk]))
    theirs = logged_in(expert).get(reverse("conferences:detail", args=[world.conference.pk]))
    assert link in mine.content.decode()
    assert link not in theirs.content.decode()
    assert case.reference in theirs.content.decode()


def test_the_meeting_page_never_names_the_victim(world, expert):
    page = logged_in(expert).get(reverse("conferences:detail", args=[world.conference.pk]))
    content = page.content.decode()
    assert "김지영" not in content
    assert "010-1234-5678" not in content
    assert "박서연" not in content


def test_reading_a_meeting_page_is_audited(world, expert):
    logged_in(expert).get(reverse("conferences:detail", args=[world.conference.pk]))
    entry = AuditEntry.objects.filter(action="conference.view").last()
    assert entry is not None
    assert (entry.actor_id, entry.target_id) == (expert.pk, str(world.conference.pk))


def test_carried_actions_show_on_the_next_meeting(world, manager, schedule, at):
    following = schedule(day_at(7))
    conference_mark_held(conference_id=world.conference.pk, actor=manager)
    conference_close_minutes(conference_id=world.conference.pk, actor=manager)

    page = logged_in(manager).get(reverse("conferences:detail", args=[following.pk]))

    content = page.content.decode()
    assert "이전 회의에서 넘어온 조치" in content
    assert "신변보호 연장 협의" in content
    assert "1번 넘어옴" in content
    assert f'id="action-{world.action.pk}"' in content


def test_the_list_shows_meetings_and_proposals(world, expert, manager):
    content = logged_in(manager).get(reverse("conferences:list")).content.decode()
    assert world.proposed.case.reference in content
    assert "안건으로 올리기" in content
    assert "담당자 판단" in content
    expert_view = logged_in(expert).get(reverse("conferences:list")).content.decode()
    assert world.proposed.case.reference in expert_view
    assert "안건으로 올리기" not in expert_view  # experts see, managers decide


def test_the_list_page_reads_in_a_fixed_number_of_queries(
    world, manager, open_case, schedule, django_assert_max_num_queries
):
    client = logged_in(manager)
    with django_assert_max_num_queries(30) as few:
        client.get(reverse("conferences:list"))
    for n in range(4):
        schedule(day_at(10 + n))
        other = open_case(manager, name=f"사례{n}", phone=f"010-4444-{1000 + n}")
        referral_create(case_id=other.pk, actor=manager, note="반복 연락")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("conferences:list"))


def test_the_meeting_page_reads_in_a_fixed_number_of_queries(
    world, manager, open_case, put_on_agenda, django_assert_max_num_queries
):
    client = logged_in(manager)
    url = reverse("conferences:detail", args=[world.conference.pk])
    with django_assert_max_num_queries(60) as few:
        client.get(url)
    for n in range(3):
        other = open_case(manager, name=f"사례{n}", phone=f"010-4444-{1000 + n}")
        item = put_on_agenda(other, world.conference)
        action_add(
            agenda_item_id=item.pk,
            actor=manager,
            what="안전 계획 점검",
            agency_id=manager.agency_id,
            owner_id=manager.pk,
            due_on=TODAY + dt.timedelta(days=3),
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_the_case_panel_shows_referrals_meetings_and_actions(world, case, manager):
    content = logged_in(manager).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "사례회의" in content
    assert "안건 채택" in content
    assert reverse("conferences:detail", args=[world.conference.pk]) in content
    assert "신변보호 연장 협의" in content
    assert "긴급 사례회의 소집" in content
    assert "사례회의에 의뢰하기" not in content  # it already has an open referral


def test_the_dashboard_lists_my_actions_and_upcoming_meetings(world, manager, schedule):
    action_add(
        agenda_item_id=world.item.pk,
        actor=manager,
        what="피해자와 안전 계획 다시 세우기",
        agency_id=manager.agency_id,
        owner_id=manager.pk,
        due_on=TODAY + dt.timedelta(days=2),
    )
    upcoming = schedule(day_at(5))
    content = logged_in(manager).get(reverse("cases:dashboard")).content.decode()
    assert "내 조치" in content
    assert "피해자와 안전 계획 다시 세우기" in content
    assert reverse("conferences:detail", args=[upcoming.pk]) in content


def test_the_dashboard_shows_no_conference_panel_to_others(world, staff):
    content = logged_in(staff[Role.STATISTICIAN]).get(reverse("cases:dashboard")).content.decode()
    assert "내 조치" not in content


def test_closing_closed_minutes_again_says_why(world, manager):
    conference_mark_held(conference_id=world.conference.pk, actor=manager)
    conference_close_minutes(conference_id=world.conference.pk, actor=manager)
    response = logged_in(manager).post(reverse("conferences:close", args=[world.conference.pk]))
    assert response.status_code == 409
    assert "개최된 회의의 회의록만 마감할 수 있습니다." in response.content.decode()
