"""Service requests under program policies: validation, eligibility, approval without
self-approval, per-case limits and budgets, and that every refusal writes nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from onestop.accounts.models import Role, Staff
from onestop.audit.models import AuditEntry
from onestop.cases.models import Case, CaseEvent, EventKind
from onestop.cases.services import case_event_add, case_risk_level_set
from onestop.core import clock
from onestop.core.errors import DomainError, ValidationFailed
from onestop.support.errors import ServiceActionForbidden, ServiceStateConflict
from onestop.support.models import (
    Program,
    RequestStatus,
    ServiceKind,
    ServicePolicy,
    ServiceRequest,
)
from onestop.support.policies import policy_in_force, program_in_force, stay_end_limit
from onestop.support.services import (
    service_request_cancel,
    service_request_create,
    service_request_decide,
)

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, int, int]:
    return ServiceRequest.objects.count(), CaseEvent.objects.count(), AuditEntry.objects.count()


def fields_of(error: ValidationFailed) -> dict[str | None, str]:
    return {e.field: e.message for e in error.errors}


def test_published_programs_are_seeded() -> None:
    p2023 = Program.objects.get(code="seoul-stalking-2023")
    p2024 = Program.objects.get(code="seoul-stalking-2024")
    security = ServicePolicy.objects.get(program=p2024, service_kind=ServiceKind.SECURITY)
    assert (security.max_guards_per_shift, security.max_hours_per_day, security.max_days) == (
        2,
        10,
        7,
    )
    assert security.min_risk_level == "high"
    assert security.police_protection_qualifies
    relocation = {
        p.program.code: p.max_amount_won
        for p in ServicePolicy.objects.filter(service_kind=ServiceKind.RELOCATION)
    }
    assert relocation == {"seoul-stalking-2023": 2_000_000, "seoul-stalking-2024": 1_000_000}
    emergency_2023 = ServicePolicy.objects.get(
        program=p2023, service_kind=ServiceKind.SHELTER_EMERGENCY
    )
    emergency_2024 = ServicePolicy.objects.get(
        program=p2024, service_kind=ServiceKind.SHELTER_EMERGENCY
    )
    long_term = ServicePolicy.objects.get(program=p2023, service_kind=ServiceKind.SHELTER_LONG_TERM)
    assert (emergency_2023.max_days, emergency_2023.pets_allowed) == (30, None)
    assert (emergency_2024.max_months, emergency_2024.pets_allowed) == (6, True)
    assert long_term.max_months == 12
    counseling = ServicePolicy.objects.get(program=p2024, service_kind=ServiceKind.COUNSELING)
    assert counseling.max_sessions is None
    assert counseling.budget_sessions is None


def test_program_in_force_follows_the_date_and_region() -> None:
    assert program_in_force(region="seoul", on=dt.date(2023, 6, 1)).code == "seoul-stalking-2023"  # type: ignore[union-attr]
    assert program_in_force(region="seoul", on=dt.date(2026, 6, 1)).code == "seoul-stalking-2024"  # type: ignore[union-attr]
    assert program_in_force(region="seoul", on=dt.date(2022, 6, 1)) is None
    assert program_in_force(region="busan", on=dt.date(2026, 6, 1)) is None
    national = Program.objects.create(code="national", name="전국", starts_on=dt.date(2025, 1, 1))
    assert program_in_force(region="busan", on=dt.date(2026, 6, 1)) == national
    # a program of the region itself comes before a national one
    assert program_in_force(region="seoul", on=dt.date(2026, 6, 1)).code == "seoul-stalking-2024"  # type: ignore[union-attr]


def test_a_later_policy_row_changes_the_rule_from_its_date(agency: Any) -> None:
    program = Program.objects.get(code="seoul-stalking-2024")
    ServicePolicy.objects.create(
        program=program,
        service_kind=ServiceKind.COUNSELING,
        effective_from=dt.date(2026, 7, 1),
        max_sessions=12,
    )
    before = policy_in_force(agency=agency, service_kind="counseling", on=dt.date(2026, 6, 30))
    after = policy_in_force(agency=agency, service_kind="counseling", on=dt.date(2026, 7, 1))
    assert before is not None
    assert before.max_sessions is None
    assert after is not None
    assert after.max_sessions == 12


def test_stay_limits_on_the_calendar() -> None:
    days = ServicePolicy(max_days=30)
    months = ServicePolicy(max_months=6)
    assert stay_end_limit(days, dt.date(2026, 3, 1)) == dt.date(2026, 3, 31)
    assert stay_end_limit(months, dt.date(2026, 8, 31)) == dt.date(2027, 2, 28)
    assert stay_end_limit(ServicePolicy(), dt.date(2026, 8, 31)) is None


def test_request_and_approve(case: Case, manager: Staff, supervisor: Staff) -> None:
    request = service_request_create(
        actor=manager, case_id=case.pk, service_kind="relocation", quantity=800_000, reason="이사"
    )
    assert request.status == RequestStatus.REQUESTED
    assert request.policy is None
    decided = service_request_decide(actor=supervisor, request_id=request.pk, approve=True)
    assert decided.status == RequestStatus.APPROVED
    assert decided.quantity_approved == 800_000
    assert decided.program is not None
    assert decided.program.code == "seoul-stalking-2024"
    kinds = list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
    assert EventKind.SERVICE_REQUESTED in kinds
    assert EventKind.SERVICE_DECIDED in kinds
    assert AuditEntry.objects.filter(action="support.decide").count() == 1


def test_bad_input_names_every_field_and_writes_nothing(case: Case, manager: Staff) -> None:
    before = counts()
    with pytest.raises(ValidationFailed) as caught:
        service_request_create(
            actor=manager,
            case_id=case.pk,
            service_kind="security",
            quantity=8,
            hours_per_day=11,
            guards_per_shift=3,
            reason="x" * 2001,
        )
    fields = fields_of(caught.value)
    assert {"reason", "starts_on", "hours_per_day", "guards_per_shift"} <= set(fields)
    assert "10시간" in fields["hours_per_day"]
    assert "2명" in fields["guards_per_shift"]
    with pytest.raises(ValidationFailed) as caught:
        service_request_create(actor=manager, case_id=case.pk, service_kind="legal")
    assert set(fields_of(caught.value)) == {"subtype"}
    with pytest.raises(ValidationFailed) as caught:
        service_request_create(actor=manager, case_id=case.pk, service_kind="teleport")
    assert set(fields_of(caught.value)) == {"service_kind"}
    with pytest.raises(ValidationFailed) as caught:
        service_request_create(
            actor=manager, case_id=case.pk, service_kind="relocation", quantity=1_000_001
        )
    assert "1,000,000원" in fields_of(caught.value)["quantity"]
    assert counts() == before


def test_security_is_granted_only_to_high_risk_or_police_recommended_protection(
    case: Case, manager: Staff, supervisor: Staff
) -> None:
    today = clock.today_in_seoul()
    request = service_request_create(
        actor=manager,
        case_id=case.pk,
        service_kind="security",
        quantity=7,
        starts_on=today,
        hours_per_day=10,
        guards_per_shift=2,
    )
    before = counts()
    with pytest.raises(ValidationFailed) as caught:
        service_request_decide(actor=supervisor, request_id=request.pk, approve=True)
    message = fields_of(caught.value)["service_kind"]
    assert "'높음' 이상" in message
    assert "경찰이 신변보호를 권고" in message
    assert counts() == before
    request.refresh_from_db()
    assert request.status == RequestStatus.REQUESTED

    case_event_add(
        case=case,
        actor=None,
        kind=EventKind.POLICE_REFERRAL,
        data={"station": "마포", "protection_recommended": True},
    )
    assert service_request_decide(actor=supervisor, request_id=request.pk, approve=True).status == (
        RequestStatus.APPROVED
    )


def test_high_risk_qualifies_for_security(case: Case, approved: Callable[..., Any]) -> None:
    case_risk_level_set(case=case, level="high", assessed_at=clock.now())
    granted = approved(
        "security",
        quantity=7,
        starts_on=clock.today_in_seoul(),
        hours_per_day=10,
        guards_per_shift=2,
    )
    assert granted.quantity_approved == 7


def test_no_self_approval(case: Case, staff: dict[str, Staff], make_staff: Any) -> None:
    supervisor = staff[Role.SUPERVISOR]
    request = service_request_create(
        actor=supervisor, case_id=case.pk, service_kind="counseling", quantity=5
    )
    before = counts()
    with pytest.raises(ServiceActionForbidden) as caught:
        service_request_decide(actor=supervisor, request_id=request.pk, approve=True)
    assert caught.value.code == "self_approval"
    assert counts() == before
    other = make_staff(case.agency, Role.SUPERVISOR, "second-supervisor")
    assert service_request_decide(actor=other, request_id=request.pk, approve=True).status == (
        RequestStatus.APPROVED
    )


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.SUPERVISOR])
def test_only_supervisors_decide(
    role: str, case: Case, manager: Staff, staff: dict[str, Staff]
) -> None:
    request = service_request_create(
        actor=manager, case_id=case.pk, service_kind="counseling", quantity=5
    )
    with pytest.raises(DomainError) as caught:
        service_request_decide(actor=staff[role], request_id=request.pk, approve=True)
    assert caught.value.status_code in (403, 404)


def test_refusal_needs_a_reason(case: Case, manager: Staff, supervisor: Staff) -> None:
    request = service_request_create(
        actor=manager, case_id=case.pk, service_kind="medical", quantity=300_000
    )
    with pytest.raises(ValidationFailed) as caught:
        service_request_decide(actor=supervisor, request_id=request.pk, approve=False)
    assert set(fields_of(caught.value)) == {"note"}
    refused = service_request_decide(
        actor=supervisor, request_id=request.pk, approve=False, note="다른 기관에서 지원 중"
    )
    assert refused.status == RequestStatus.REFUSED
    assert refused.policy is None
    with pytest.raises(ServiceStateConflict):
        service_request_decide(actor=supervisor, request_id=request.pk, approve=True)


def test_per_case_limit_counts_what_was_granted_before(
    case: Case, manager: Staff, supervisor: Staff, approved: Callable[..., Any]
) -> None:
    approved("relocation", quantity=600_000)
    second = service_request_create(
        actor=manager, case_id=case.pk, service_kind="relocation", quantity=600_000
    )
    before = counts()
    with pytest.raises(ValidationFailed) as caught:
        service_request_decide(actor=supervisor, request_id=second.pk, approve=True)
    message = fields_of(caught.value)["quantity"]
    assert "1,000,000원" in message
    assert "600,000원" in message
    assert "400,000원" in message
    assert caught.value.errors[0].code == "case_limit"
    assert counts() == before
    # approving for less, within what is left, is allowed
    granted = service_request_decide(
        actor=supervisor, request_id=second.pk, approve=True, quantity=400_000
    )
    assert granted.quantity_approved == 400_000


def test_approving_more_than_asked_is_refused(
    case: Case, manager: Staff, supervisor: Staff
) -> None:
    request = service_request_create(
        actor=manager, case_id=case.pk, service_kind="counseling", quantity=5
    )
    with pytest.raises(ValidationFailed) as caught:
        service_request_decide(actor=supervisor, request_id=request.pk, approve=True, quantity=6)
    assert set(fields_of(caught.value)) == {"quantity"}


def test_program_budget_holds_across_cases(
    open_case: Callable[..., Case], manager: Staff, supervisor: Staff
) -> None:
    program = Program.objects.get(code="seoul-stalking-2024")
    ServicePolicy.objects.create(
        program=program,
        service_kind="counseling",
        effective_from=dt.date(2024, 2, 1),
        max_sessions=10,
        budget_sessions=12,
    )
    first = open_case(manager, phone="010-1111-2222", name="가나다")
    second = open_case(manager, phone="010-3333-4444", name="라마바")
    for target in (first, second):
        request = service_request_create(
            actor=manager, case_id=target.pk, service_kind="counseling", quantity=6
        )
        service_request_decide(actor=supervisor, request_id=request.pk, approve=True)
    third = service_request_create(
        actor=manager, case_id=first.pk, service_kind="counseling", quantity=1
    )
    with pytest.raises(ValidationFailed) as caught:
        service_request_decide(actor=supervisor, request_id=third.pk, approve=True)
    assert caught.value.errors[0].code == "budget"
    assert "12회" in caught.value.message
    with pytest.raises(ValidationFailed) as too_many:
        service_request_create(
            actor=manager, case_id=second.pk, service_kind="counseling", quantity=11
        )
    assert "10회" in fields_of(too_many.value)["quantity"]


def test_no_program_no_service(
    other_agency: Any, make_staff: Callable[..., Staff], open_case: Callable[..., Case]
) -> None:
    busan_manager = make_staff(other_agency, Role.CASE_MANAGER)
    busan_case = open_case(busan_manager)
    with pytest.raises(ValidationFailed) as caught:
        service_request_create(
            actor=busan_manager, case_id=busan_case.pk, service_kind="counseling", quantity=3
        )
    assert caught.value.errors[0].code == "no_program"


def test_shelter_requests_keep_to_the_stay_limit(case: Case, manager: Staff) -> None:
    start = clock.today_in_seoul()
    limit = stay_end_limit(ServicePolicy(max_months=6), start)
    assert limit is not None
    allowed = (limit - start).days
    ok = service_request_create(
        actor=manager,
        case_id=case.pk,
        service_kind="shelter_emergency",
        quantity=allowed,
        starts_on=start,
        pets=True,
    )
    assert ok.pets
    with pytest.raises(ValidationFailed) as caught:
        service_request_create(
            actor=manager,
            case_id=case.pk,
            service_kind="shelter_emergency",
            quantity=allowed + 1,
            starts_on=start,
        )
    assert "6개월" in fields_of(caught.value)["quantity"]
    with pytest.raises(ValidationFailed) as caught:
        service_request_create(
            actor=manager,
            case_id=case.pk,
            service_kind="shelter_long_term",
            quantity=30,
            starts_on=start,
            pets=True,
        )
    assert set(fields_of(caught.value)) == {"pets"}


def test_cancel_before_anything_started(case: Case, manager: Staff) -> None:
    request = service_request_create(
        actor=manager, case_id=case.pk, service_kind="counseling", quantity=3
    )
    cancelled = service_request_cancel(actor=manager, request_id=request.pk, note="본인 취소")
    assert cancelled.status == RequestStatus.CANCELLED
    with pytest.raises(ServiceStateConflict):
        service_request_cancel(actor=manager, request_id=request.pk)


def test_outsiders_get_not_found(
    case: Case, other_agency: Any, make_staff: Callable[..., Staff], manager: Staff
) -> None:
    stranger = make_staff(other_agency, Role.SUPERVISOR)
    request = service_request_create(
        actor=manager, case_id=case.pk, service_kind="counseling", quantity=3
    )
    with pytest.raises(DomainError) as caught:
        service_request_decide(actor=stranger, request_id=request.pk, approve=True)
    assert caught.value.status_code == 404
    with pytest.raises(DomainError) as caught:
        service_request_create(
            actor=stranger, case_id=case.pk, service_kind="counseling", quantity=3
        )
    assert caught.value.status_code == 404
