"""What arrives at the same moment, on PostgreSQL with real parallel transactions: 50 placement
requests (each for its own case) into a 10-bed facility make exactly 10 placements and 40 clear
refusals; two moves in opposite directions between two full-but-one facilities never deadlock
and never pass a capacity."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections

from onestop.shelters.errors import FacilityFull
from onestop.shelters.models import Placement, PlacementStatus
from onestop.shelters.services import placement_move, placement_start
from onestop.support.models import Program, ServicePolicy
from onestop.support.published import load_published_programs

from .conftest import TODAY, day

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PARALLEL = 50
BEDS = 10


@pytest.fixture(autouse=True)
def _needs_postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("real parallel transactions need PostgreSQL")
    # the transactional flush removed the data migration's programs
    load_published_programs(Program, ServicePolicy)


def run_all(calls: list[Any]) -> list[Any]:
    """Run the calls at once, one thread (and connection) each; their results or exceptions."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def body(index: int) -> None:
        try:
            barrier.wait(30)
            results[index] = calls[index]()
        except BaseException as exc:  # reported by the assertions on results
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=body, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return results


def test_fifty_requests_at_once_fill_ten_beds_and_refuse_forty(
    manager, open_case, make_facility, approved
):
    facility = make_facility(capacity=BEDS)
    cases = [
        open_case(manager, name=f"피해자{i}", phone=f"010-4{i:03d}-{1000 + i}")
        for i in range(PARALLEL)
    ]
    requests = [approved(case, days=20) for case in cases]

    def placing(index: int) -> Any:
        return lambda: placement_start(
            actor=manager,
            case_id=cases[index].pk,
            facility_id=facility.pk,
            service_request_id=requests[index].pk,
            starts_on=TODAY,
            planned_end_on=day(20),
        )

    results = run_all([placing(i) for i in range(PARALLEL)])

    placed = [r for r in results if isinstance(r, Placement)]
    full = [r for r in results if isinstance(r, FacilityFull)]
    assert (len(placed), len(full)) == (BEDS, PARALLEL - BEDS), [
        r for r in results if not isinstance(r, Placement | FacilityFull)
    ]
    assert {r.message for r in full} == {f"'{facility.name}'에 빈 병상이 없습니다 (정원 10명)."}
    assert Placement.objects.filter(facility=facility, status=PlacementStatus.ACTIVE).count() == 10
    assert len({p.case_id for p in placed}) == BEDS


def test_moves_in_opposite_directions_never_deadlock_nor_overfill(
    manager, open_case, make_facility, approved
):
    east, west = make_facility(capacity=2), make_facility(capacity=2)
    cases = [
        open_case(manager, name=f"피해자{i}", phone=f"010-5{i:03d}-{2000 + i}") for i in range(3)
    ]
    stays = []
    for case, facility in zip(cases, (east, west, west), strict=True):
        stays.append(
            placement_start(
                actor=manager,
                case_id=case.pk,
                facility_id=facility.pk,
                service_request_id=approved(case, days=20).pk,
                starts_on=TODAY,
                planned_end_on=day(20),
            )
        )

    def moving(index: int, to: Any) -> Any:
        return lambda: placement_move(
            actor=manager,
            case_id=cases[index].pk,
            placement_id=stays[index].pk,
            facility_id=to.pk,
            moved_on=TODAY,
        )

    # east has one bed free, west none: east → west waits for west → east to free one
    results = run_all([moving(0, west), moving(1, east), moving(2, east)])

    moved = [r for r in results if isinstance(r, Placement)]
    refused = [r for r in results if isinstance(r, FacilityFull)]
    assert len(moved) + len(refused) == 3, results
    for facility in (east, west):
        active = Placement.objects.filter(facility=facility, status=PlacementStatus.ACTIVE)
        assert active.count() <= facility.capacity
    assert Placement.objects.filter(status=PlacementStatus.ACTIVE).count() == 3
