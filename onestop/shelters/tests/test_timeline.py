"""How the shelter entries read on the case's timeline: from codes and dates, in the reader's
language (the English catalog is filled at the end; here, Korean)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from onestop.cases.models import CaseEvent, EventKind
from onestop.cases.panels import registered_event_detail
from onestop.shelters.services import (
    placement_end,
    placement_extension_decide,
    placement_extension_request,
    placement_move,
    placement_start,
    waitlist_add,
    waitlist_cancel,
)

from .conftest import TODAY, day

pytestmark = [pytest.mark.django_db, pytest.mark.urls("onestop.shelters.tests.urls")]


def test_every_shelter_entry_has_its_line(
    case, manager, supervisor, facility, make_facility, approved
):
    request = approved(case, days=20, pets=True)
    entry = waitlist_add(actor=manager, case_id=case.pk, service_request_id=request.pk)
    waitlist_cancel(actor=manager, case_id=case.pk, entry_id=entry.pk)
    pets_ok = make_facility(pets_allowed=True)
    stay = placement_start(
        actor=manager,
        case_id=case.pk,
        facility_id=pets_ok.pk,
        service_request_id=request.pk,
        starts_on=TODAY,
        planned_end_on=day(10),
    )
    extension = placement_extension_request(
        actor=manager, case_id=case.pk, placement_id=stay.pk, requested_end_on=day(12), reason="a"
    )
    placement_extension_decide(
        actor=supervisor, case_id=case.pk, extension_id=extension.pk, approve=True
    )
    moved = placement_move(
        actor=manager,
        case_id=case.pk,
        placement_id=stay.pk,
        facility_id=make_facility(pets_allowed=True).pk,
        moved_on=TODAY,
    )
    placement_end(
        actor=manager, case_id=case.pk, placement_id=moved.pk, ended_on=TODAY, reason="departed"
    )

    lines = [
        registered_event_detail(event)
        for event in CaseEvent.objects.filter(case=case, kind=EventKind.PLACEMENT).order_by(
            "created_at"
        )
    ]
    assert lines == [
        "대기자 등록 · 긴급 보호시설 · 반려동물 동반",
        "대기 취소 · 긴급 보호시설",
        "입소 · 긴급 보호시설 · 2026-11-20 ~ 2026-11-30 · 반려동물 동반",
        "연장 요청 · 긴급 보호시설 · 2026-12-02까지",
        "연장 결정 · 승인됨 · 퇴소 예정 2026-12-02",
        "시설 이동 · 긴급 보호시설 · 2026-11-20 ~ 2026-12-02",
        "퇴소 · 긴급 보호시설 · 2026-11-20 · 퇴소",
    ]
    client = Client()
    client.force_login(manager)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "연장 결정 · 승인됨 · 퇴소 예정 2026-12-02" in page
