"""Fixtures of the shelter tests. The clock is frozen at 2026-11-20 09:00 in Seoul (``at`` moves
it). A shelter agency in Seoul runs the facilities; cases are opened at the one-stop center
(``agency``) through intake, and their shelter services requested and approved through the
support services. ``program_30`` puts a 2026 program in force whose emergency shelter is 30 days
(no pets) and long-term residence 12 months."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from onestop.accounts.models import Agency, Role, Staff
from onestop.accounts.services import agency_add
from onestop.cases.models import Case
from onestop.core import clock
from onestop.shelters.models import Facility
from onestop.shelters.services import facility_create
from onestop.support.models import Program, ServiceKind, ServicePolicy, ServiceRequest
from onestop.support.services import service_request_create, service_request_decide

T0 = dt.datetime(2026, 11, 20, 9, 0, tzinfo=clock.SEOUL)
TODAY = dt.date(2026, 11, 20)
ADDRESS = "서울특별시 비밀구 숨은로 77-7 쉼터동 3층"


def day(offset: int) -> dt.date:
    return TODAY + dt.timedelta(days=offset)


@pytest.fixture(autouse=True)
def at(monkeypatch: pytest.MonkeyPatch) -> Callable[[dt.datetime], None]:
    moment = {"now": T0}
    monkeypatch.setattr(clock, "now", lambda: moment["now"])

    def move(when: dt.datetime) -> None:
        moment["now"] = when

    return move


@pytest.fixture
def shelter_agency() -> Agency:
    return agency_add(
        actor=None, code="seoul-shelter", kind="shelter", name="서울 쉼터", region="seoul"
    )


@pytest.fixture
def shelter_staff(shelter_agency: Agency, make_staff: Callable[..., Staff]) -> Staff:
    return make_staff(shelter_agency, Role.SHELTER_STAFF)


@pytest.fixture
def shelter_supervisor(shelter_agency: Agency, make_staff: Callable[..., Staff]) -> Staff:
    return make_staff(shelter_agency, Role.SUPERVISOR)


@pytest.fixture
def make_facility(shelter_supervisor: Staff) -> Callable[..., Facility]:
    counter = {"n": 0}

    def make(
        *,
        capacity: int = 10,
        kind: str = "emergency",
        gender_served: str = "female",
        pets_allowed: bool = False,
        region: str = "seoul",
        name: str | None = None,
        address: str = ADDRESS,
        actor: Staff | None = None,
    ) -> Facility:
        counter["n"] += 1
        return facility_create(
            actor=actor or shelter_supervisor,
            name=name or f"햇살의 집 {counter['n']}",
            kind=kind,
            gender_served=gender_served,
            capacity=capacity,
            pets_allowed=pets_allowed,
            region=region,
            address=address,
        )

    return make


@pytest.fixture
def facility(make_facility: Callable[..., Facility]) -> Facility:
    return make_facility()


@pytest.fixture
def case(manager: Staff, open_case: Callable[..., Any]) -> Case:
    made: Case = open_case(manager)
    return made


@pytest.fixture
def program_30() -> Program:
    program = Program.objects.create(
        code="seoul-test-2026",
        name="서울시 스토킹 피해자 지원 2026 (시험)",
        region="seoul",
        starts_on=dt.date(2026, 1, 1),
    )
    ServicePolicy.objects.create(
        program=program,
        service_kind=ServiceKind.SHELTER_EMERGENCY,
        effective_from=program.starts_on,
        max_days=30,
        pets_allowed=False,
    )
    ServicePolicy.objects.create(
        program=program,
        service_kind=ServiceKind.SHELTER_LONG_TERM,
        effective_from=program.starts_on,
        max_months=12,
    )
    return program


@pytest.fixture
def approved(manager: Staff, supervisor: Staff) -> Callable[..., ServiceRequest]:
    """An approved shelter service request of a case, through the support services."""

    def make(
        case: Case,
        *,
        days: int = 20,
        starts_on: dt.date = TODAY,
        kind: str = ServiceKind.SHELTER_EMERGENCY,
        pets: bool = False,
        requester: Staff | None = None,
        approver: Staff | None = None,
    ) -> ServiceRequest:
        request = service_request_create(
            actor=requester or manager,
            case_id=case.pk,
            service_kind=kind,
            quantity=days,
            starts_on=starts_on,
            pets=pets,
            reason="가해자가 집 앞에서 기다림",
        )
        return service_request_decide(
            actor=approver or supervisor, request_id=request.pk, approve=True
        )

    return make
