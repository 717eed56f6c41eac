"""Taking a contact: the caller is found again before anything is created."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections

from onestop.audit.models import AuditEntry
from onestop.cases.errors import CaseActionForbidden
from onestop.cases.models import Case, CaseEvent, EventKind
from onestop.core.errors import ValidationFailed
from onestop.intake.errors import InvalidIntake, PossibleDuplicate
from onestop.intake.models import Intake, IntakeOutcome
from onestop.intake.selectors import intake_matches_for_user
from onestop.intake.services import IntakeInput, intake_submit
from onestop.people.models import Perpetrator, Victim


def counts() -> tuple[int, ...]:
    return (
        Case.objects.count(),
        Victim.objects.count(),
        Perpetrator.objects.count(),
        CaseEvent.objects.count(),
        Intake.objects.count(),
        AuditEntry.objects.count(),
    )


@pytest.mark.django_db
def test_a_new_caller_gets_a_new_case_with_everything_she_said(counselor):
    result = intake_submit(
        actor=counselor,
        data=IntakeInput(
            channel="hotline",
            name=" 김  지영 ",
            phone="010-1234-5678",
            birth_year=1995,
            gender="female",
            safe_contact_method="sms",
            safe_contact_times="평일 18시 이후",
            perpetrator_name="박민수",
            perpetrator_gender="male",
            relationship="former_partner",
            stalking_behaviours=["communication", "communication", "watching_waiting"],
            further_harms=["threats"],
            summary="헤어진 뒤 하루 50통 전화",
        ),
    )
    case = Case.objects.select_related("victim", "perpetrator").get(pk=result.case.pk)
    assert result.outcome == IntakeOutcome.NEW_CASE
    assert (case.status, case.channel, case.relationship) == (
        "received",
        "hotline",
        "former_partner",
    )
    assert case.stalking_behaviours == ["communication", "watching_waiting"]
    assert case.further_harms == ["threats"]
    assert case.summary == "헤어진 뒤 하루 50통 전화"
    v = case.victim
    assert (v.name, v.phone, v.birth_year, v.gender) == ("김 지영", "+821012345678", 1995, "female")
    assert (v.safe_contact_method, v.safe_contact_times) == ("sms", "평일 18시 이후")
    assert case.perpetrator is not None
    assert (case.perpetrator.name, case.perpetrator.gender) == ("박민수", "male")
    assert list(case.team.values_list("staff__username", "role")) == [
        (counselor.username, "counselor")
    ]
    assert AuditEntry.objects.filter(action="intake.submit", target_id=str(case.pk)).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "second_call",
    [
        {"name": "다른이름", "phone": "+82 10-1234-5678"},  # same phone, other notation
        {"name": "김 지영", "phone": "", "birth_year": 1995},  # same name and birth year
        {"name": "김 지 영", "phone": "(010) 1234.5678"},
    ],
)
def test_a_returning_caller_is_shown_her_case_before_anything_is_created(
    counselor, open_case, second_call
):
    first = open_case(counselor, name="김지영", phone="010-1234-5678", birth_year=1995)
    before = counts()
    data = IntakeInput(channel="chat", **second_call)
    with pytest.raises(PossibleDuplicate) as caught:
        intake_submit(actor=counselor, data=data)
    assert [m.reference for m in caught.value.matches] == [first.reference]
    match = caught.value.matches[0]
    assert (match.masked_name, match.status) == ("김*영", "received")
    # no case data is written; showing the matches is audited as a disclosure
    assert counts()[:-1] == before[:-1]
    assert counts()[-1] == before[-1] + 1
    shown = AuditEntry.objects.order_by("-seq").first()
    assert shown is not None
    assert (shown.action, shown.data, shown.actor_id) == (
        "intake.matches_shown",
        {"cases": [first.reference]},
        counselor.pk,
    )


@pytest.mark.django_db
def test_name_without_birth_year_or_other_birth_year_is_not_a_match(counselor, open_case):
    open_case(counselor, name="김지영", phone="010-1234-5678", birth_year=1995)
    assert intake_matches_for_user(user=counselor, name="김지영", birth_year=1996) == []
    assert intake_matches_for_user(user=counselor, name="김지영") == []


@pytest.mark.django_db
def test_the_call_is_attached_to_the_open_case_instead_of_a_duplicate(counselor, open_case):
    first = open_case(counselor)
    cases_before = Case.objects.count()
    result = intake_submit(
        actor=counselor,
        data=IntakeInput(channel="chat", name="김지영", phone="01012345678", summary="오늘도 연락"),
        attach_to_case_id=first.pk,
    )
    assert (result.case.pk, result.outcome) == (first.pk, IntakeOutcome.ATTACHED)
    assert Case.objects.count() == cases_before
    contact = CaseEvent.objects.get(case=first, kind=EventKind.CONTACT)
    assert (contact.note, contact.data, contact.actor_id) == ("오늘도 연락", {"channel": "chat"},
                                                              counselor.pk)  # fmt: skip


@pytest.mark.django_db
def test_a_counselor_off_the_team_can_attach_a_matched_call(counselor, manager, open_case):
    first = open_case(manager)
    result = intake_submit(
        actor=counselor,
        data=IntakeInput(channel="hotline", name="김지영", phone="010-1234-5678"),
        attach_to_case_id=first.pk,
    )
    assert result.outcome == IntakeOutcome.ATTACHED
    assert not first.team.filter(staff=counselor).exists()


@pytest.mark.django_db
def test_attaching_to_a_case_that_did_not_match_is_refused(counselor, open_case):
    other = open_case(counselor, name="이수진", phone="010-9999-8888", birth_year=1980)
    before = counts()
    with pytest.raises(InvalidIntake) as caught:
        intake_submit(
            actor=counselor,
            data=IntakeInput(channel="hotline", name="김지영", phone="010-1234-5678"),
            attach_to_case_id=other.pk,
        )
    assert caught.value.field == "attach_to_case"
    assert counts() == before


@pytest.mark.django_db
def test_a_known_victim_can_get_a_new_case_on_her_existing_record(counselor, open_case):
    first = open_case(counselor)
    result = intake_submit(
        actor=counselor,
        data=IntakeInput(channel="hotline", name="김지영", phone="010-1234-5678"),
        existing_victim_id=first.victim_id,
    )
    assert result.outcome == IntakeOutcome.NEW_CASE_KNOWN_VICTIM
    assert result.case.pk != first.pk
    assert result.case.victim_id == first.victim_id
    assert Victim.objects.count() == 1


@pytest.mark.django_db
def test_cases_of_another_agency_are_never_shown_as_matches(
    counselor, other_agency, make_staff, open_case
):
    elsewhere = make_staff(other_agency, "hotline_counselor", "busan-counselor")
    open_case(elsewhere, name="김지영", phone="010-1234-5678", birth_year=1995)
    assert intake_matches_for_user(user=counselor, phone="010-1234-5678") == []
    result = intake_submit(
        actor=counselor, data=IntakeInput(channel="hotline", name="김지영", phone="010-1234-5678")
    )
    assert result.outcome == IntakeOutcome.NEW_CASE


@pytest.mark.django_db
def test_bad_input_reports_every_field_and_writes_nothing(counselor):
    before = counts()
    with pytest.raises(ValidationFailed) as caught:
        intake_submit(
            actor=counselor,
            data=IntakeInput(
                channel="fax",
                name="",
                phone="12345",
                birth_year=1850,
                gender="x",
                relationship="enemy",
                stalking_behaviours=["telepathy"],
                summary="가" * 10_001,
            ),
        )
    fields = sorted(e.field or "" for e in caught.value.errors)
    assert fields == sorted(
        ["name", "phone", "birth_year", "gender", "channel", "relationship",
         "stalking_behaviours", "summary"]
    )  # fmt: skip
    assert counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["statistician", "admin", "expert", "provider", "shelter_staff"])
def test_roles_that_do_not_take_contacts_cannot_open_cases(staff, role):
    before = counts()
    with pytest.raises(CaseActionForbidden):
        intake_submit(actor=staff[role], data=IntakeInput(channel="hotline", name="김지영"))
    assert counts() == before


@pytest.mark.django_db
def test_a_start_time_in_the_future_is_clamped(counselor):
    future = dt.datetime(2999, 1, 1, tzinfo=dt.UTC)
    result = intake_submit(
        actor=counselor, data=IntakeInput(channel="hotline", name="김지영", started_at=future)
    )
    assert result.intake.started_at == result.intake.submitted_at


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_intakes_get_distinct_consecutive_references(counselor):
    if connection.vendor != "postgresql":
        pytest.skip("real parallel transactions need PostgreSQL")
    errors: list[BaseException] = []

    def take_calls(n: int, worker: int) -> None:
        try:
            for i in range(n):
                intake_submit(
                    actor=counselor,
                    data=IntakeInput(channel="hotline", name=f"피해자{worker}-{i}"),
                )
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=take_calls, args=(5, w)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    numbers = sorted(
        int(r.rsplit("-", 1)[1]) for r in Case.objects.values_list("reference", flat=True)
    )
    assert numbers == list(range(1, 21))
