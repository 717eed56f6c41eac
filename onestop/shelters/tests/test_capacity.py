"""Capacity as a property: whatever sequence of placements, moves and ends, no facility ever
holds more active placements than it has beds, and the services accept exactly what a simple
model of beds says they should (a place or a move into a full facility is refused as full)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onestop.core.errors import DomainError
from onestop.shelters.errors import FacilityFull
from onestop.shelters.models import Placement, PlacementStatus
from onestop.shelters.services import placement_end, placement_move, placement_start

from .conftest import TODAY

CASES = 6
CAPACITIES = (1, 2, 3)

operations = st.lists(
    st.one_of(
        st.tuples(st.just("place"), st.integers(0, CASES - 1), st.integers(0, 2)),
        st.tuples(st.just("move"), st.integers(0, CASES - 1), st.integers(0, 2)),
        st.tuples(st.just("end"), st.integers(0, CASES - 1), st.just(0)),
    ),
    max_size=18,
)


@pytest.fixture
def world(manager, open_case, make_facility, approved):
    facilities = [make_facility(capacity=n) for n in CAPACITIES]
    cases = [
        open_case(manager, name=f"피해자{i}", phone=f"010-3000-{1000 + i}") for i in range(CASES)
    ]
    requests = [approved(case, days=60) for case in cases]
    return facilities, cases, requests


def active_of(case) -> Placement | None:
    return Placement.objects.filter(case=case, status=PlacementStatus.ACTIVE).first()


@pytest.mark.django_db
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations)
def test_no_sequence_of_place_move_end_passes_capacity(world, manager, ops):
    facilities, cases, requests = world
    with transaction.atomic():
        where: dict[int, int] = {}  # the model: case index → facility index
        for op, c, f in ops:
            case, facility = cases[c], facilities[f]
            taken = list(where.values()).count(f)
            try:
                if op == "place":
                    placement_start(
                        actor=manager,
                        case_id=case.pk,
                        facility_id=facility.pk,
                        service_request_id=requests[c].pk,
                        starts_on=TODAY,
                        planned_end_on=TODAY + dt.timedelta(days=30),
                    )
                elif op == "move":
                    current = active_of(case)
                    placement_move(
                        actor=manager,
                        case_id=case.pk,
                        placement_id=current.pk if current else requests[c].pk,
                        facility_id=facility.pk,
                        moved_on=TODAY,
                    )
                else:
                    current = active_of(case)
                    placement_end(
                        actor=manager,
                        case_id=case.pk,
                        placement_id=current.pk if current else requests[c].pk,
                        ended_on=TODAY,
                        reason="departed",
                    )
            except FacilityFull:
                assert op in ("place", "move")
                assert taken >= CAPACITIES[f]
                assert op == "move" or c not in where
            except DomainError:
                # refused for another reason: placed already, nothing to move or end, same place
                assert (
                    (op == "place" and c in where)
                    or (op in ("move", "end") and c not in where)
                    or (op == "move" and where.get(c) == f)
                )
            else:
                if op == "end":
                    assert c in where
                    del where[c]
                else:
                    assert taken < CAPACITIES[f]
                    assert (op == "place") == (c not in where)
                    where[c] = f
            for index, fac in enumerate(facilities):
                active = Placement.objects.filter(facility=fac, status=PlacementStatus.ACTIVE)
                assert active.count() == list(where.values()).count(index) <= CAPACITIES[index]
        transaction.set_rollback(True)
