"""Unfinished actions roll to the next meeting.

The rule: an open action stays at the meeting that decided it until that meeting's minutes
close; then it is carried to the host agency's next planned regular meeting (the earliest), and
again when that one closes (or is cancelled); a meeting scheduled earlier than the one the
actions wait at takes them; done and cancelled actions never move; emergency meetings never
receive carried actions; another agency's meetings never do."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from onestop.accounts.models import Agency, Role
from onestop.cases.models import Case
from onestop.conferences.models import (
    Action,
    ActionStatus,
    AgendaItem,
    Conference,
    ConferenceKind,
    ConferenceStatus,
)
from onestop.conferences.services import (
    action_add,
    action_cancel,
    action_complete,
    conference_call_emergency,
    conference_cancel,
    conference_close_minutes,
    conference_mark_held,
)

from .conftest import TODAY, day_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def new_case(manager, open_case) -> Callable[[], Case]:
    numbers = iter(range(1000, 10_000))

    def make() -> Case:
        made: Case = open_case(manager, phone=f"010-5555-{next(numbers)}")
        return made

    return make


@pytest.fixture
def meeting_with_item(schedule, put_on_agenda, new_case) -> Callable[..., AgendaItem]:
    """A meeting with a fresh case on its agenda; → its agenda item."""

    def make(when: dt.datetime) -> AgendaItem:
        item: AgendaItem = put_on_agenda(new_case(), schedule(when))
        return item

    return make


def act(item: AgendaItem, actor, agency: Agency, what: str = "주 1회 안부 전화") -> Action:
    return action_add(
        agenda_item_id=item.pk,
        actor=actor,
        what=what,
        agency_id=agency.pk,
        owner_id=None,
        due_on=TODAY + dt.timedelta(days=5),
    )


def hold_and_close(conference_id, actor) -> None:
    conference_mark_held(conference_id=conference_id, actor=actor)
    conference_close_minutes(conference_id=conference_id, actor=actor)


def reloaded(action: Action) -> Action:
    return Action.objects.get(pk=action.pk)


def test_closing_carries_open_actions_to_the_next_planned_meeting(
    meeting_with_item, schedule, manager, agency
):
    item = meeting_with_item(day_at(0, 8))
    still_open, finished = act(item, manager, agency), act(item, manager, agency, "보호조치 확인")
    action_complete(action_id=finished.pk, actor=manager)
    later, next_one = schedule(day_at(14)), schedule(day_at(7))

    hold_and_close(item.conference_id, manager)

    assert (reloaded(still_open).carried_to_id, reloaded(still_open).times_carried) == (
        next_one.pk,
        1,
    )
    assert reloaded(finished).carried_to_id is None
    assert list(next_one.carried_actions.all()) == [reloaded(still_open)]
    assert not later.carried_actions.exists()


def test_actions_wait_for_the_next_meeting_to_be_scheduled(
    meeting_with_item, schedule, manager, agency
):
    item = meeting_with_item(day_at(0, 8))
    action = act(item, manager, agency)
    hold_and_close(item.conference_id, manager)
    assert reloaded(action).carried_to_id is None

    following = schedule(day_at(7))

    assert reloaded(action).carried_to_id == following.pk


def test_actions_roll_again_with_those_of_the_meeting_they_were_carried_to(
    meeting_with_item, put_on_agenda, new_case, schedule, manager, agency, at
):
    first = meeting_with_item(day_at(0, 8))
    old = act(first, manager, agency)
    second_meeting = schedule(day_at(1))
    hold_and_close(first.conference_id, manager)
    second = put_on_agenda(new_case(), second_meeting)
    fresh = act(second, manager, agency, "법률 지원 연계")
    third_meeting = schedule(day_at(8))

    at(day_at(1, 15))
    hold_and_close(second_meeting.pk, manager)

    assert (reloaded(old).carried_to_id, reloaded(old).times_carried) == (third_meeting.pk, 2)
    assert (reloaded(fresh).carried_to_id, reloaded(fresh).times_carried) == (third_meeting.pk, 1)


def test_a_meeting_scheduled_earlier_takes_the_waiting_actions(
    meeting_with_item, schedule, manager, agency
):
    item = meeting_with_item(day_at(0, 8))
    action = act(item, manager, agency)
    later = schedule(day_at(14))
    hold_and_close(item.conference_id, manager)
    assert reloaded(action).carried_to_id == later.pk

    sooner = schedule(day_at(3))

    assert (reloaded(action).carried_to_id, reloaded(action).times_carried) == (sooner.pk, 1)


def test_a_done_action_never_rolls(meeting_with_item, schedule, manager, agency, at):
    item = meeting_with_item(day_at(0, 8))
    action = act(item, manager, agency)
    next_one = schedule(day_at(1))
    hold_and_close(item.conference_id, manager)
    action_cancel(action_id=action.pk, actor=manager)
    last = schedule(day_at(10))

    at(day_at(1, 15))
    hold_and_close(next_one.pk, manager)

    assert reloaded(action).carried_to_id == next_one.pk
    assert not last.carried_actions.exists()


def test_emergency_meetings_do_not_receive_actions_but_pass_theirs_on(
    case, meeting_with_item, schedule, manager, agency
):
    item = meeting_with_item(day_at(0, 8))
    action = act(item, manager, agency)
    emergency = conference_call_emergency(
        case_id=case.pk, actor=manager, when=day_at(0, 10), reason="가해자가 집 앞에 나타남"
    )
    emergency_action = act(AgendaItem.objects.get(conference=emergency), manager, agency)
    hold_and_close(item.conference_id, manager)
    assert reloaded(action).carried_to_id is None  # an emergency meeting is no regular meeting

    hold_and_close(emergency.pk, manager)
    regular = schedule(day_at(7))

    assert reloaded(action).carried_to_id == regular.pk
    assert reloaded(emergency_action).carried_to_id == regular.pk


def test_another_agencys_meetings_never_receive_actions(
    meeting_with_item, schedule, manager, agency, other_agency, make_staff
):
    item = meeting_with_item(day_at(0, 8))
    action = act(item, manager, agency)
    schedule(day_at(2), actor=make_staff(other_agency, Role.SUPERVISOR))
    hold_and_close(item.conference_id, manager)
    assert reloaded(action).carried_to_id is None


# --- the property -------------------------------------------------------------------------------

minute = st.integers(min_value=0, max_value=1439)
index = st.integers(min_value=0, max_value=3)
new_actions = st.integers(min_value=0, max_value=2)
# Indexes pick among the meetings still open (oldest first) or the open actions, so that few
# operations are no-ops; a scheduled meeting may come with actions at once.
operations = st.lists(
    st.one_of(
        st.tuples(st.just("schedule"), minute, new_actions),
        st.tuples(st.just("emergency"), minute, new_actions),
        st.tuples(st.just("hold"), index, st.just(0)),
        st.tuples(st.just("close"), index, st.just(0)),
        st.tuples(st.just("hold_and_close"), index, st.just(0)),
        st.tuples(st.just("act"), index, st.just(0)),
        st.tuples(st.just("done"), index, st.just(0)),
        st.tuples(st.just("cancel"), index, st.just(0)),
        st.tuples(st.just("cancel_meeting"), index, st.just(0)),
    ),
    min_size=3,
    max_size=24,
)


class _Undo(Exception):
    pass


def check_invariant(agency: Agency, finished_at: dict[Any, Any]) -> None:
    """Every open action whose meeting has closed or was cancelled is carried to the next
    planned regular meeting if there is one; an action carried to a planned meeting is carried
    to exactly that next one; none waits at a cancelled meeting; finished actions keep where
    they were when they finished."""
    planned = sorted(
        Conference.objects.filter(
            agency=agency, status=ConferenceStatus.PLANNED, kind=ConferenceKind.REGULAR
        ),
        key=lambda c: (c.scheduled_at, c.created_at, str(c.pk)),
    )
    following = planned[0] if planned else None
    for action in Action.objects.select_related("carried_to", "agenda_item__conference"):
        if action.status != ActionStatus.OPEN:
            assert action.carried_to_id == finished_at[action.pk]
            continue
        home = action.carried_to or action.agenda_item.conference
        if action.carried_to is not None:
            assert action.carried_to.kind == ConferenceKind.REGULAR
        if home.status in (ConferenceStatus.CLOSED, ConferenceStatus.CANCELLED):
            assert following is None
        if action.carried_to is not None:
            assert action.carried_to.status != ConferenceStatus.CANCELLED
        if action.carried_to is not None and home.status == ConferenceStatus.PLANNED:
            assert following is not None
            assert action.carried_to_id == following.pk


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations)
# a cancelled meeting passes its carried actions on; with none planned they wait, then roll
@example(
    ops=[
        ("schedule", 0, 1),
        ("schedule", 60, 0),
        ("schedule", 120, 0),
        ("hold_and_close", 0, 0),
        ("cancel_meeting", 0, 0),
    ]
)
@example(
    ops=[
        ("schedule", 0, 1),
        ("schedule", 60, 1),
        ("hold_and_close", 0, 0),
        ("cancel_meeting", 0, 0),
        ("schedule", 120, 0),
    ]
)
def test_open_actions_always_wait_at_the_next_planned_meeting(
    ops, schedule, put_on_agenda, new_case, manager, agency
):
    try:
        with transaction.atomic():
            items: dict[Any, AgendaItem] = {}
            finished_at: dict[Any, Any] = {}
            for op, n, extra in ops:
                not_closed = list(
                    Conference.objects.exclude(
                        status__in=[ConferenceStatus.CLOSED, ConferenceStatus.CANCELLED]
                    ).order_by("scheduled_at", "created_at")
                )
                meeting = not_closed[n % len(not_closed)] if not_closed else None
                open_actions = list(Action.objects.filter(status=ActionStatus.OPEN))
                if op in ("schedule", "emergency"):
                    when = day_at(0, n // 60, n % 60)
                    if op == "schedule":
                        meeting = schedule(when)
                        item = put_on_agenda(new_case(), meeting)
                    else:
                        meeting = conference_call_emergency(
                            case_id=new_case().pk,
                            actor=manager,
                            when=when,
                            reason="가해자가 집 앞에 나타남",
                        )
                        item = AgendaItem.objects.get(conference=meeting)
                    items[meeting.pk] = item
                    for _ in range(extra):
                        act(item, manager, agency)
                elif op == "act" and meeting is not None:
                    act(items[meeting.pk], manager, agency)
                elif op in ("hold", "hold_and_close") and meeting is not None:
                    if meeting.status == ConferenceStatus.PLANNED:
                        conference_mark_held(conference_id=meeting.pk, actor=manager)
                    if op == "hold_and_close":
                        conference_close_minutes(conference_id=meeting.pk, actor=manager)
                elif op == "cancel_meeting" and meeting is not None:
                    if meeting.status == ConferenceStatus.PLANNED:
                        conference_cancel(
                            conference_id=meeting.pk, actor=manager, reason="의장 사정으로 취소"
                        )
                elif op == "close" and meeting is not None:
                    if meeting.status == ConferenceStatus.HELD:
                        conference_close_minutes(conference_id=meeting.pk, actor=manager)
                elif op in ("done", "cancel") and open_actions:
                    action = open_actions[n % len(open_actions)]
                    finish = action_complete if op == "done" else action_cancel
                    finish(action_id=action.pk, actor=manager)
                    finished_at[action.pk] = action.carried_to_id
                check_invariant(agency, finished_at)
            raise _Undo
    except _Undo:
        pass
