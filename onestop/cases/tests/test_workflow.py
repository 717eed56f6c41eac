"""The case workflow: every allowed move works, every other is refused and writes nothing."""

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onestop.audit.models import AuditEntry
from onestop.cases.errors import CaseActionForbidden, InvalidCaseInput, TransitionNotAllowed
from onestop.cases.models import Case, CaseEvent, CaseStatus, CloseReason, EventKind
from onestop.cases.services import (
    ALLOWED_TRANSITIONS,
    case_complaint_withdrawn_record,
    case_transition,
)

FORWARD = [
    CaseStatus.ASSESSING,
    CaseStatus.PLANNING,
    CaseStatus.IN_SUPPORT,
    CaseStatus.MONITORING,
]


def written() -> tuple[int, int]:
    return CaseEvent.objects.count(), AuditEntry.objects.count()


def put_case_in(case: Case, status: str) -> None:
    """Place a case in a status directly (arranging a test, not a workflow step)."""
    fields: dict[str, object] = {"status": status, "closed_at": None, "close_reason": ""}
    if status == CaseStatus.CLOSED:
        fields.update(closed_at=case.opened_at, close_reason=CloseReason.SUPPORT_COMPLETED)
    Case.objects.filter(pk=case.pk).update(**fields)


@pytest.mark.django_db
def test_a_case_walks_the_whole_workflow_to_closure_and_reopens(open_case, manager):
    case = open_case(manager)
    for status in FORWARD:
        case = case_transition(case_id=case.pk, actor=manager, to_status=status)
        assert case.status == status
    case = case_transition(
        case_id=case.pk,
        actor=manager,
        to_status=CaseStatus.CLOSED,
        close_reason=CloseReason.SUPPORT_COMPLETED,
    )
    assert (case.status, case.close_reason) == (CaseStatus.CLOSED, "support_completed")
    assert case.closed_at is not None
    case = case_transition(
        case_id=case.pk, actor=manager, to_status=CaseStatus.ASSESSING, note="새 사건 발생"
    )
    assert (case.status, case.closed_at, case.close_reason) == ("assessing", None, "")
    kinds = list(CaseEvent.objects.filter(case=case).order_by("at").values_list("kind", flat=True))
    assert kinds == ["opened", *["status_changed"] * 5, "reopened"]


ALL_PAIRS = list(itertools.product(CaseStatus.values, CaseStatus.values))


@pytest.mark.django_db
@pytest.mark.parametrize(("start", "target"), ALL_PAIRS)
def test_each_pair_of_statuses_is_allowed_exactly_when_the_table_says(
    open_case, manager, start, target
):
    case = open_case(manager)
    put_case_in(case, start)
    before = written()
    kwargs: dict[str, str] = {"close_reason": "victim_request"} if target == "closed" else {}
    if start == "closed":
        kwargs["note"] = "재개 사유"
    if target in ALLOWED_TRANSITIONS[start]:
        assert case_transition(case_id=case.pk, actor=manager, to_status=target, **kwargs).status
        assert Case.objects.get(pk=case.pk).status == target
        assert written() == (before[0] + 1, before[1] + 1)
    else:
        with pytest.raises(TransitionNotAllowed):
            case_transition(case_id=case.pk, actor=manager, to_status=target, **kwargs)
        assert Case.objects.get(pk=case.pk).status == start
        assert written() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"to_status": "closed"}, "close_reason"),
        ({"to_status": "closed", "close_reason": "bored"}, "close_reason"),
        ({"to_status": "closed", "close_reason": "other"}, "note"),
        ({"to_status": "assessing", "close_reason": "other"}, "close_reason"),
        ({"to_status": "archived"}, "to_status"),
        ({"to_status": "assessing", "note": "x" * 5001}, "note"),
    ],
)
def test_bad_transition_input_is_refused_with_its_field_and_writes_nothing(
    open_case, manager, kwargs, field
):
    case = open_case(manager)
    before = written()
    with pytest.raises(InvalidCaseInput) as caught:
        case_transition(case_id=case.pk, actor=manager, **kwargs)
    assert caught.value.field == field
    assert Case.objects.get(pk=case.pk).status == CaseStatus.RECEIVED
    assert written() == before


@pytest.mark.django_db
def test_reopening_needs_a_reason(open_case, manager):
    case = open_case(manager)
    put_case_in(case, CaseStatus.CLOSED)
    before = written()
    with pytest.raises(InvalidCaseInput) as caught:
        case_transition(case_id=case.pk, actor=manager, to_status=CaseStatus.ASSESSING)
    assert caught.value.field == "note"
    assert Case.objects.get(pk=case.pk).status == CaseStatus.CLOSED
    assert written() == before


@pytest.mark.django_db
@pytest.mark.parametrize("status", [s for s in CaseStatus.values if s != "closed"])
def test_a_withdrawn_police_complaint_never_closes_a_case(open_case, manager, status):
    case = open_case(manager)
    put_case_in(case, status)
    event = case_complaint_withdrawn_record(case_id=case.pk, actor=manager, note="고소 취하서 제출")
    reloaded = Case.objects.get(pk=case.pk)
    assert (reloaded.status, reloaded.closed_at, reloaded.close_reason) == (status, None, "")
    assert event.kind == EventKind.COMPLAINT_WITHDRAWN
    assert event.data == {"status_unchanged": status}


@pytest.mark.django_db
def test_staff_who_may_not_move_the_workflow_are_refused_and_nothing_is_written(
    open_case, manager, staff
):
    case = open_case(manager)
    expert = staff["expert"]
    from onestop.cases.services import case_team_assign

    case_team_assign(case_id=case.pk, actor=manager, staff_id=expert.pk, role="expert")
    before = written()
    with pytest.raises(CaseActionForbidden):
        case_transition(case_id=case.pk, actor=expert, to_status=CaseStatus.ASSESSING)
    assert written() == before


@pytest.mark.django_db
@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(path=st.lists(st.sampled_from(CaseStatus.values), max_size=10))
def test_any_sequence_of_requests_keeps_the_case_consistent(open_case, manager, path):
    """Whatever is asked, in whatever order, through the real service: the status moves only
    along the table, refused requests change nothing, and a closed case always has a time and a
    reason while an open one never does."""
    case = open_case(manager, phone="", name="테스트")
    status = CaseStatus.RECEIVED
    for target in path:
        try:
            case_transition(
                case_id=case.pk,
                actor=manager,
                to_status=target,
                close_reason=CloseReason.NO_CONTACT if target == CaseStatus.CLOSED else "",
                note="재개" if status == CaseStatus.CLOSED else "",
            )
        except TransitionNotAllowed:
            assert target not in ALLOWED_TRANSITIONS[status]
        else:
            assert target in ALLOWED_TRANSITIONS[status]
            status = target
        stored = Case.objects.get(pk=case.pk)
        assert stored.status == status
        assert (stored.closed_at is not None) == (status == CaseStatus.CLOSED)
        assert (stored.close_reason != "") == (status == CaseStatus.CLOSED)
