"""Higher layers' listeners on a case's timeline (``cases.listeners``, the ``dispatch_case_event``
task): a listener runs once the writing transaction commits, for its kinds only, never for a
rolled-back change; one that fails is rolled back alone and does not stop the others; and a
dispatch that runs twice runs every listener twice, so listeners must be idempotent."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from onestop.cases import listeners
from onestop.cases.listeners import listens_to, register_case_event_listener
from onestop.cases.models import CaseEvent, Reminder
from onestop.cases.reminders import DueReminder
from onestop.cases.services import case_note_add, case_transition, reminder_send
from onestop.cases.tasks import dispatch_case_event
from onestop.conftest import run_pending_tasks
from onestop.core import clock

pytestmark = pytest.mark.django_db

DISPATCH = "onestop.cases.tasks.dispatch_case_event"


@pytest.fixture
def register() -> Iterator[Callable[..., None]]:
    """An empty listener registry for the test (other apps' listeners are their tests'
    business), put back as it was afterwards."""
    saved = dict(listeners._listeners)
    listeners._listeners.clear()
    yield register_case_event_listener
    listeners._listeners.clear()
    listeners._listeners.update(saved)


@pytest.fixture
def seen(register) -> list[tuple[str, str, str]]:
    """What the listener ``test.notes`` (on ``note`` events) was called with: (kind, event id,
    case reference)."""
    calls: list[tuple[str, str, str]] = []

    def on_note(event: CaseEvent) -> None:
        calls.append((event.kind, str(event.pk), event.case.reference))

    register("test.notes", on_note, kinds=["note"])
    return calls


@pytest.fixture
def case(open_case, manager):
    case = open_case(manager)
    run_pending_tasks()
    return case


def dispatches() -> int:
    return DBTaskResult.objects.filter(task_path=DISPATCH).count()


def test_a_listener_runs_for_its_kind_once_the_change_is_written(case, manager, seen):
    event = case_note_add(case_id=case.pk, actor=manager, note="피해자와 통화")
    assert seen == []  # not in the writer's transaction: in the worker, after commit
    assert dispatches() == 1
    assert run_pending_tasks() >= 1
    assert seen == [("note", str(event.pk), case.reference)]


def test_a_listener_does_not_run_for_other_kinds(case, manager, seen):
    case_transition(case_id=case.pk, actor=manager, to_status="assessing")
    assert not listens_to("status_changed")
    assert dispatches() == 0  # nothing is even enqueued for a kind nobody listens to
    run_pending_tasks()
    assert seen == []


def test_a_listener_does_not_run_when_the_writing_transaction_rolls_back(case, manager, seen):
    def write_then_fail() -> None:
        with transaction.atomic():
            case_note_add(case_id=case.pk, actor=manager, note="취소될 메모")
            raise RuntimeError("the caller fails after writing")

    with pytest.raises(RuntimeError):
        write_then_fail()
    assert not CaseEvent.objects.filter(case=case, kind="note").exists()
    assert dispatches() == 0
    run_pending_tasks()
    assert seen == []


def test_a_failing_listener_is_rolled_back_alone_and_does_not_stop_another(
    case, manager, register, seen
):
    def fails(event: CaseEvent) -> None:
        Reminder.objects.create(
            key=f"half-written:{event.pk}", kind="x", due_at=clock.now(), text="x"
        )
        raise RuntimeError("listener bug")

    register("a.fails", fails, kinds=["note"])  # runs before "test.notes" (by name)
    event = case_note_add(case_id=case.pk, actor=manager, note="메모")
    assert dispatch_case_event.call(event_id=str(event.pk)) == 1  # one of two ran cleanly
    assert seen == [("note", str(event.pk), case.reference)]
    assert not Reminder.objects.filter(key=f"half-written:{event.pk}").exists()
    run_pending_tasks()  # the enqueued dispatch succeeds too: a listener's failure is logged
    assert len(seen) == 2


def test_listeners_must_be_idempotent_because_a_dispatch_that_runs_twice_runs_them_twice(
    case, manager, seen
):
    event = case_note_add(case_id=case.pk, actor=manager, note="메모")
    run_pending_tasks()
    assert dispatch_case_event.call(event_id=str(event.pk)) == 1
    assert seen == [("note", str(event.pk), case.reference)] * 2


def test_a_listener_registered_again_under_its_name_replaces_the_first(case, manager, register):
    calls: list[str] = []
    register("test.x", lambda event: calls.append("first"), kinds=["note"])
    register("test.x", lambda event: calls.append("second"), kinds=["note", "contact"])
    event = case_note_add(case_id=case.pk, actor=manager, note="메모")
    assert dispatch_case_event.call(event_id=str(event.pk)) == 1
    assert calls == ["second"]
    assert listens_to("contact")


def test_a_dispatch_for_a_missing_event_runs_nothing(seen):
    assert dispatch_case_event.call(event_id="00000000-0000-0000-0000-000000000000") == 0
    assert seen == []


def test_a_listener_on_reminder_events_runs_when_a_reminder_is_sent(case, register):
    calls: list[str] = []
    register("test.reminders", lambda event: calls.append(event.kind), kinds=["reminder"])
    due = DueReminder(
        key=f"test:{case.pk}",
        kind="test_due",
        due_at=dt.datetime(2026, 11, 20, tzinfo=dt.UTC),
        text="%(reference)s",
        case_id=case.pk,
        team_of_case=True,
    )
    reminder_send(due=due)
    assert CaseEvent.objects.filter(case=case, kind="reminder").exists()
    run_pending_tasks()
    assert calls == ["reminder"]
