"""Reminders that fall due with time (``cases.reminders``, ``reminder_send``, ``reminders_send``,
``measures_ending_soon``, the ``reminders_sweep`` task and ``onestop scheduler``): each key is
sent once, however often (or however concurrently) the sweep runs; a moved due date is a new key;
a failing source does not stop the others; notices go to active staff only.

The clock is frozen at 2026-11-20 09:00 in Seoul."""

from __future__ import annotations

import datetime as dt
import io
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from onestop.accounts.models import Role, Staff
from onestop.audit.models import AuditEntry
from onestop.cases import reminders
from onestop.cases.models import Case, CaseEvent, Notification, ProtectiveMeasure, Reminder
from onestop.cases.reminders import DueReminder, register_reminder_source
from onestop.cases.selectors import measures_ending_soon
from onestop.cases.services import (
    MeasureInput,
    case_team_assign,
    case_transition,
    protective_measure_end,
    protective_measure_extend,
    protective_measure_record,
    reminder_send,
    reminders_send,
)
from onestop.cases.tasks import reminders_sweep
from onestop.conftest import run_pending_tasks
from onestop.core import clock

D = dt.date
T0 = dt.datetime(2026, 11, 20, 9, 0, tzinfo=clock.SEOUL)
TODAY = D(2026, 11, 20)
MEASURES_SOURCE = "cases.measures_ending"


def in_days(days: int) -> dt.date:
    return TODAY + dt.timedelta(days=days)


@pytest.fixture(autouse=True)
def at(monkeypatch) -> Callable[[dt.datetime], None]:
    """The clock starts at T0; ``at(moment)`` moves it."""
    moment = {"now": T0}
    monkeypatch.setattr(clock, "now", lambda: moment["now"])

    def move(when: dt.datetime) -> None:
        moment["now"] = when

    return move


@pytest.fixture
def sources() -> Iterator[Callable[..., None]]:
    """Only this app's source is registered for the test, which may register its own through the
    ``register_reminder_source`` it gets; the registry is put back afterwards. (Other apps'
    sources are their own tests' business; here the counts must be exact.)"""
    saved = dict(reminders._sources)
    reminders._sources.clear()
    reminders._sources[MEASURES_SOURCE] = saved[MEASURES_SOURCE]
    yield register_reminder_source
    reminders._sources.clear()
    reminders._sources.update(saved)


@pytest.fixture
def case(open_case, manager, counselor) -> Case:
    """A case whose team is ``manager`` (lead) and ``counselor``."""
    case: Case = open_case(manager)
    case_team_assign(case_id=case.pk, actor=manager, staff_id=counselor.pk, role="counselor")
    return case


def due_for(case: Case | None, **overrides: Any) -> DueReminder:
    fields: dict[str, Any] = {
        "key": f"test_due:{case.pk if case else 'none'}:2026-11-20",
        "kind": "test_due",
        "due_at": T0,
        "text": "%(reference)s: 확인할 일이 있습니다.",
        "link": "/cases/",
        "case_id": case.pk if case else None,
        "team_of_case": case is not None,
        "data": {"reference": case.reference if case else ""},
    }
    fields.update(overrides)
    return DueReminder(**fields)


def notified(kind: str) -> list[Any]:
    return sorted(
        Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True)
    )


def measure(
    case: Case, actor: Staff, ends_on: dt.date | None, **overrides: Any
) -> ProtectiveMeasure:
    """A 100 m ban that started long enough ago to end on ``ends_on`` within its 3 months."""
    fields: dict[str, Any] = {"kind": "provisional_100m", "issued_by": "서울중앙지방법원"}
    fields.update(overrides)
    fields["ends_on"] = ends_on
    fields.setdefault("starts_on", ends_on and ends_on - dt.timedelta(days=80))
    return protective_measure_record(case_id=case.pk, actor=actor, data=MeasureInput(**fields))


# --- reminder_send -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_reminder_is_sent_once_per_key(case, manager, counselor):
    due = due_for(case)
    assert reminder_send(due=due) == 2
    reminder = Reminder.objects.get()
    assert (reminder.key, reminder.kind, reminder.case_id, reminder.due_at) == (
        due.key,
        "test_due",
        case.pk,
        T0,
    )
    assert (reminder.text, reminder.link, reminder.data) == (due.text, "/cases/", due.data)
    assert notified("test_due") == sorted([manager.username, counselor.username])
    assert set(Notification.objects.filter(kind="test_due").values_list("reminder", "case")) == {
        (reminder.pk, case.pk)
    }
    event = CaseEvent.objects.get(case=case, kind="reminder")
    assert event.data == {"reminder": "test_due", "key": due.key, "recipients": 2}
    assert event.actor_id is None
    audit = AuditEntry.objects.get(action="reminder.send")
    assert (audit.actor_label, audit.target_id) == ("reminders", str(case.pk))

    before = (Notification.objects.count(), CaseEvent.objects.count(), AuditEntry.objects.count())
    assert reminder_send(due=due) == 0
    assert reminder_send(due=due_for(case, text="다른 문구", due_at=T0 + dt.timedelta(days=1))) == 0
    after = (Notification.objects.count(), CaseEvent.objects.count(), AuditEntry.objects.count())
    assert after == before
    assert Reminder.objects.count() == 1


@pytest.mark.django_db
def test_the_agency_supervisors_hear_only_when_asked(
    case, manager, counselor, supervisor, other_agency, make_staff
):
    make_staff(other_agency, Role.SUPERVISOR, "busan-supervisor")
    reminder_send(due=due_for(case))
    assert supervisor.username not in notified("test_due")
    reminder_send(
        due=due_for(
            case, key="test_due:with-supervisors", kind="with_supervisors", supervisors=True
        )
    )
    assert notified("with_supervisors") == sorted(
        [manager.username, counselor.username, supervisor.username]
    )


@pytest.mark.django_db
def test_inactive_staff_are_never_reminded(case, manager, counselor, supervisor):
    Staff.objects.filter(pk__in=[counselor.pk, supervisor.pk]).update(is_active=False)
    due = due_for(case, supervisors=True, recipients=(counselor.pk,))
    assert reminder_send(due=due) == 1
    assert notified("test_due") == [manager.username]


@pytest.mark.django_db
def test_a_reminder_may_name_its_recipients_and_no_case(manager, counselor):
    due = due_for(None, recipients=(counselor.pk, counselor.pk))
    assert reminder_send(due=due) == 1
    notice = Notification.objects.get()
    assert (notice.recipient_id, notice.case_id, notice.source_event_id) == (
        counselor.pk,
        None,
        None,
    )
    assert not CaseEvent.objects.filter(kind="reminder").exists()
    assert Reminder.objects.get().case_id is None


@pytest.mark.django_db
def test_the_team_is_not_added_unless_asked(case, counselor):
    due = due_for(case, team_of_case=False, recipients=(counselor.pk,))
    assert reminder_send(due=due) == 1
    assert notified("test_due") == [counselor.username]


# --- measures_ending_soon ----------------------------------------------------------------------


@pytest.mark.django_db
def test_measures_ending_within_seven_days_of_open_cases_are_due(case, manager, open_case, at):
    due_today = measure(case, manager, in_days(0))
    due_in_7 = measure(case, manager, in_days(7))
    measure(case, manager, in_days(8))  # not yet
    measure(case, manager, in_days(-1))  # already over
    measure(case, manager, None, kind="emergency", starts_on=in_days(-1))
    ended = measure(case, manager, in_days(3))
    protective_measure_end(
        case_id=case.pk, actor=manager, measure_id=ended.pk, ended_on=TODAY, reason="취소"
    )
    closed = open_case(manager, name="이수민", phone="010-2222-3333")
    measure(closed, manager, in_days(2))
    case_transition(
        case_id=closed.pk, actor=manager, to_status="closed", close_reason="victim_request"
    )

    due = list(measures_ending_soon(T0))
    assert [d.key for d in due] == [
        f"measure_ending:{due_today.pk}:2026-11-20",
        f"measure_ending:{due_in_7.pk}:2026-11-27",
    ]
    first = due[0]
    assert (first.kind, first.case_id, first.team_of_case, first.supervisors) == (
        "measure_ending",
        case.pk,
        True,
        False,
    )
    assert first.due_at == dt.datetime(2026, 11, 13, 9, 0, tzinfo=clock.SEOUL)
    assert first.link == reverse("cases:detail", args=[case.pk])
    assert first.data == {
        "reference": case.reference,
        "measure_kind": "provisional_100m",
        "ends_on": "2026-11-20",
    }
    # the day is Seoul's: at 23:30 UTC on 19 November it is already the 20th in Seoul
    assert [
        d.key for d in measures_ending_soon(dt.datetime(2026, 11, 19, 23, 30, tzinfo=dt.UTC))
    ] == [d.key for d in due]


@pytest.mark.django_db
def test_an_extension_moves_the_end_and_brings_a_new_reminder(case, manager, at, sources):
    ban = measure(case, manager, D(2026, 11, 25), starts_on=D(2026, 8, 26))
    sent = reminders_send(now=T0)
    assert sent[MEASURES_SOURCE] == 2
    assert reminders_send(now=T0)[MEASURES_SOURCE] == 0
    protective_measure_extend(
        case_id=case.pk,
        actor=manager,
        measure_id=ban.pk,
        ends_on=D(2027, 2, 25),
        decided_on=TODAY,
    )
    assert reminders_send(now=T0)[MEASURES_SOURCE] == 0  # the new end is months away
    at(dt.datetime(2027, 2, 20, 9, 0, tzinfo=clock.SEOUL))
    assert reminders_send(now=clock.now())[MEASURES_SOURCE] == 2
    assert sorted(Reminder.objects.values_list("key", flat=True)) == [
        f"measure_ending:{ban.pk}:2026-11-25",
        f"measure_ending:{ban.pk}:2027-02-25",
    ]
    assert Notification.objects.filter(kind="measure_ending").count() == 4


# --- reminders_send, the sweep and the scheduler -----------------------------------------------


@pytest.mark.django_db
def test_a_failing_source_does_not_stop_the_others(case, manager, counselor, sources, caplog):
    measure(case, manager, in_days(3))

    def broken(now: dt.datetime) -> Iterator[DueReminder]:
        raise RuntimeError("source down")

    def half_broken(now: dt.datetime) -> Iterator[DueReminder]:
        yield due_for(case, key="half:1", kind="half")
        raise RuntimeError("failed after one")

    sources("aaa.broken", broken)
    sources("aab.half_broken", half_broken)
    sent = reminders_send(now=T0)
    assert (sent["aaa.broken"], sent["aab.half_broken"], sent[MEASURES_SOURCE]) == (0, 0, 2)
    assert notified("measure_ending") == sorted([manager.username, counselor.username])
    # a source that fails half-way sends nothing (it is asked again at the next sweep)
    assert notified("half") == []
    assert not Reminder.objects.filter(key="half:1").exists()
    assert sum("reminder source failed" in r.getMessage() for r in caplog.records) == 2


@pytest.mark.django_db
def test_the_sweep_task_sends_measure_endings_once_even_when_enqueued_twice(
    case, manager, counselor, sources
):
    measure(case, manager, in_days(5))
    run_pending_tasks()
    reminders_sweep.enqueue()
    reminders_sweep.enqueue()
    assert Notification.objects.filter(kind="measure_ending").count() == 0
    assert run_pending_tasks() == 2
    assert notified("measure_ending") == sorted([manager.username, counselor.username])
    assert Reminder.objects.filter(kind="measure_ending").count() == 1
    assert CaseEvent.objects.filter(case=case, kind="reminder").count() == 1


@pytest.mark.django_db
def test_scheduler_once_enqueues_one_sweep(case, manager, counselor, sources, settings):
    settings.ONESTOP_PERIODIC_TASKS = []
    measure(case, manager, in_days(5))
    run_pending_tasks()
    out = io.StringIO()
    call_command("scheduler", "--once", stdout=out)
    queued = DBTaskResult.objects.filter(status="READY")
    assert [r.task_path for r in queued] == ["onestop.cases.tasks.reminders_sweep"]
    assert str(queued.get().id) in out.getvalue()
    assert run_pending_tasks() == 1
    assert notified("measure_ending") == sorted([manager.username, counselor.username])


@pytest.mark.django_db
def test_scheduler_once_also_enqueues_the_higher_layers_sweeps():
    out = io.StringIO()
    call_command("scheduler", "--once", stdout=out)
    queued = sorted(r.task_path for r in DBTaskResult.objects.filter(status="READY"))
    assert queued == [
        "onestop.cases.tasks.reminders_sweep",
        "onestop.takedown.tasks.monitoring_sweep_task",
    ]
    assert run_pending_tasks() == 2  # both run (no monitoring source is due: nothing else)


# --- two sweeps at once (PostgreSQL) ------------------------------------------------------------


def needs_postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("real parallel transactions need PostgreSQL")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_senders_of_one_reminder_at_once_send_it_once(case, manager, counselor):
    needs_postgres()
    due = due_for(case)
    start = threading.Barrier(2, timeout=10)
    results: dict[str, Any] = {}

    def send(name: str) -> None:
        try:
            start.wait()
            results[name] = reminder_send(due=due)
        except BaseException as exc:
            results[name] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert sorted(results.values()) == [0, 2], results
    assert Reminder.objects.filter(key=due.key).count() == 1
    assert notified("test_due") == sorted([manager.username, counselor.username])
    assert CaseEvent.objects.filter(case=case, kind="reminder").count() == 1
    assert AuditEntry.objects.filter(action="reminder.send").count() == 1


def test_each_kind_of_reminder_is_named_by_its_source_in_the_readers_language():
    from django.utils import translation

    assert reminders.reminder_kind_label("measure_ending") == "보호조치 종료 임박"
    assert reminders.reminder_kind_label("action_due") == "사례회의 조치 기한"  # conferences'
    with translation.override("en"):
        assert reminders.reminder_kind_label("reassessment_due") != "위험 재평가 필요"  # risk's
    assert reminders.reminder_kind_label("no_such_kind") == "no_such_kind"
