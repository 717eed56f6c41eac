"""The partner workspace through the real views: the list (open and closed, newest first, case
references only, its query count), a referral with its projection or the withheld notice,
accepting, declining (a reason or nothing is written), recording deliveries within what was
approved (limits as field errors, the input kept, nothing written), a form sent twice recording
once, and the totals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from html import unescape
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from onestop.accounts.models import AgencyKind, Role, Staff
from onestop.audit.models import AuditEntry
from onestop.cases.models import Case, CaseEvent
from onestop.consent.services import consent_withdraw
from onestop.core import clock
from onestop.support.models import Delivery, ProviderReferral, ReferralStatus, ServiceRequest
from onestop.support.services import Partner, provider_referral_respond, provider_referral_send

from .test_partner_helpers import (
    INSTRUCTIONS,
    MEETING_POINT,
    SCHEDULE,
    VICTIM_NAME,
    World,
    assert_nothing_forbidden,
    build_world,
    logged_in,
)

pytestmark = pytest.mark.django_db

# Readings are audited and may be repeated when a refused form is shown again.
READINGS = ("support.referral.view",)


def writes() -> tuple[int, ...]:
    """Rows an answer or a delivery writes (audit entries other than readings)."""
    return (
        Delivery.objects.count(),
        ProviderReferral.objects.exclude(status=ReferralStatus.SENT).count(),
        CaseEvent.objects.count(),
        AuditEntry.objects.exclude(action__in=READINGS).count(),
    )


@pytest.fixture
def world(
    case: Case,
    manager: Staff,
    partners: dict[str, Staff],
    share_all: Callable[..., Any],
    approved: Callable[..., ServiceRequest],
) -> World:
    return build_world(
        case=case, manager=manager, partners=partners, share_all=share_all, approved=approved
    )


def url(referral: ProviderReferral, action: str = "") -> str:
    return f"/partner/referrals/{referral.pk}/" + (f"{action}/" if action else "")


def accept(partner: Staff, referral: ProviderReferral) -> None:
    provider_referral_respond(partner=Partner(staff=partner), referral_id=referral.pk, accept=True)


def today() -> dt.date:
    return clock.today_in_seoul()


# --- the list -----------------------------------------------------------------------------------


def test_empty_list(partners: dict[str, Staff]) -> None:
    response = logged_in(partners[AgencyKind.LEGAL]).get("/partner/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    assert "답변하거나 제공할 의뢰가 없습니다." in html
    assert "종료된 의뢰가 없습니다." in html


def test_list_groups_open_and_closed_newest_first(
    world: World,
    manager: Staff,
    partners: dict[str, Staff],
    approved: Callable[..., ServiceRequest],
) -> None:
    counselor = partners[AgencyKind.COUNSELING]
    first = world.referrals[AgencyKind.COUNSELING]
    second_request = approved("home_therapy", quantity=4)
    second = provider_referral_send(
        actor=manager, request_id=second_request.pk, provider_id=counselor.agency_id
    )
    third_request = approved("accompaniment", subtype="court")
    third = provider_referral_send(
        actor=manager, request_id=third_request.pk, provider_id=counselor.agency_id
    )
    provider_referral_respond(
        partner=Partner(staff=counselor), referral_id=third.pk, accept=False, reason="일정 불가"
    )

    response = logged_in(counselor).get("/partner/")
    open_rows = [row.referral.pk for row in response.context["open_rows"]]
    closed_rows = [row.referral.pk for row in response.context["closed_rows"]]
    assert open_rows == [second.pk, first.pk]
    assert closed_rows == [third.pk]
    labels = [(row.service, row.subtype, row.status) for row in response.context["closed_rows"]]
    assert labels == [("동행 지원", "법원", "거절")]
    html = response.content.decode()
    assert "찾아가는 심리치료" in html
    assert world.case.reference in html
    assert VICTIM_NAME not in html
    assert_nothing_forbidden(html)


def test_list_query_count_does_not_grow_with_referrals(
    world: World,
    manager: Staff,
    partners: dict[str, Staff],
    approved: Callable[..., ServiceRequest],
) -> None:
    counselor = partners[AgencyKind.COUNSELING]
    client = logged_in(counselor)
    with CaptureQueriesContext(connection) as one:
        client.get("/partner/")
    for _ in range(3):
        request = approved("home_therapy", quantity=1)
        provider_referral_send(
            actor=manager, request_id=request.pk, provider_id=counselor.agency_id
        )
    with CaptureQueriesContext(connection) as four:
        response = client.get("/partner/")
    assert len(response.context["open_rows"]) == 4
    assert len(four) == len(one)


# --- one referral -------------------------------------------------------------------------------


def test_security_referral_page_shows_its_projection_and_the_answer_forms(
    world: World, partners: dict[str, Staff]
) -> None:
    referral = world.referrals[AgencyKind.SECURITY]
    response = logged_in(partners[AgencyKind.SECURITY]).get(url(referral))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    for text in (MEETING_POINT, SCHEDULE, INSTRUCTIONS, "010-1234-5678", "높음", "3일"):
        assert text in html
    assert VICTIM_NAME not in html
    assert f'action="{url(referral, "accept")}"' in html
    assert f'action="{url(referral, "decline")}"' in html
    assert response.context["delivery_forms"] == []
    assert AuditEntry.objects.filter(action="support.referral.view").count() == 1


def test_lawyer_page_renders_identity_contact_and_incident(
    world: World, partners: dict[str, Staff]
) -> None:
    referral = world.referrals[AgencyKind.LEGAL]
    html = logged_in(partners[AgencyKind.LEGAL]).get(url(referral)).content.decode()
    for text in (
        "법률 지원 · 고소장 작성·제출",
        VICTIM_NAME,
        "010-1234-5678",
        "전 연인·전 배우자",
        "긴급응급조치",
        "마포경찰서",
        "긴급-2026-0042",
        "피해자 진술",
    ):
        assert text in html, text
    assert 'id="part-risk"' not in html
    assert_nothing_forbidden(html)


def test_withdrawn_consent_hides_the_projection_at_once(
    world: World, manager: Staff, partners: dict[str, Staff]
) -> None:
    referral = world.referrals[AgencyKind.SECURITY]
    client = logged_in(partners[AgencyKind.SECURITY])
    assert MEETING_POINT in client.get(url(referral)).content.decode()

    consent_withdraw(case_id=world.case.pk, grant_id=world.grant.pk, actor=manager, note="")

    response = client.get(url(referral))
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["projection"] is None
    assert 'id="withheld"' in html
    assert response.context["withheld"] in html
    for text in (MEETING_POINT, SCHEDULE, INSTRUCTIONS, "010-1234-5678", "높음"):
        assert text not in html


def test_a_closed_referral_shows_no_victim_data(world: World, partners: dict[str, Staff]) -> None:
    referral = world.referrals[AgencyKind.COUNSELING]
    counselor = partners[AgencyKind.COUNSELING]
    provider_referral_respond(
        partner=Partner(staff=counselor), referral_id=referral.pk, accept=False, reason="정원 초과"
    )
    response = logged_in(counselor).get(url(referral))
    html = response.content.decode()
    assert response.context["projection"] is None
    assert VICTIM_NAME not in html
    assert "정원 초과" in html
    assert "accept_form" not in response.context
    assert response.context["delivery_forms"] == []


def test_a_referral_naming_a_person_is_hers_and_her_supervisor_s(
    world: World,
    manager: Staff,
    partners: dict[str, Staff],
    make_staff: Callable[..., Staff],
    approved: Callable[..., ServiceRequest],
) -> None:
    counselor = partners[AgencyKind.COUNSELING]
    named = make_staff(counselor.agency, Role.PROVIDER, username="counseling-named")
    request = approved("home_therapy", quantity=2)
    referral = provider_referral_send(
        actor=manager,
        request_id=request.pk,
        provider_id=counselor.agency_id,
        provider_staff_id=named.pk,
    )
    assert logged_in(counselor).get(url(referral)).status_code == 404
    assert referral.pk not in [
        row.referral.pk for row in logged_in(counselor).get("/partner/").context["open_rows"]
    ]
    assert logged_in(named).get(url(referral)).status_code == 200
    supervisor = make_staff(counselor.agency, Role.SUPERVISOR)
    assert logged_in(supervisor).get(url(referral)).status_code == 200


# --- answering ----------------------------------------------------------------------------------


def test_accept(world: World, partners: dict[str, Staff]) -> None:
    referral = world.referrals[AgencyKind.COUNSELING]
    client = logged_in(partners[AgencyKind.COUNSELING])
    response = client.post(url(referral, "accept"))
    assert response.status_code == 302
    assert response["Location"] == url(referral)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED
    assert AuditEntry.objects.filter(action="support.referral.respond").count() == 1
    page = client.get(url(referral))
    assert "의뢰를 수락했습니다." in page.content.decode()
    assert [form.kind for form in page.context["delivery_forms"]] == ["session"]
    assert "accept_form" not in page.context


def test_decline_needs_a_reason_and_writes_nothing_without_one(
    world: World, partners: dict[str, Staff]
) -> None:
    referral = world.referrals[AgencyKind.LEGAL]
    client = logged_in(partners[AgencyKind.LEGAL])
    client.get(url(referral))
    before = writes()

    response = client.post(url(referral, "decline"), {"reason": "   "})

    assert response.status_code == 422
    form = response.context["decline_form"]
    assert form.errors["reason"] == ["내용을 적어 주세요."]
    assert "내용을 적어 주세요." in response.content.decode()
    assert writes() == before
    referral.refresh_from_db()
    assert (referral.status, referral.decline_reason, referral.responded_at) == ("sent", "", None)

    response = client.post(url(referral, "decline"), {"reason": "이해충돌: 상대방을 대리 중"})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.DECLINED
    assert referral.decline_reason == "이해충돌: 상대방을 대리 중"


def test_answering_twice_differently_is_refused(world: World, partners: dict[str, Staff]) -> None:
    referral = world.referrals[AgencyKind.LEGAL]
    client = logged_in(partners[AgencyKind.LEGAL])
    client.post(url(referral, "accept"))
    client.get(url(referral))
    before = writes()
    response = client.post(url(referral, "decline"), {"reason": "마음이 바뀜"})
    assert response.status_code == 409
    assert "이미 '수락' 상태입니다" in unescape(response.content.decode())
    assert writes() == before


# --- deliveries ---------------------------------------------------------------------------------


def test_sessions_up_to_the_approved_number_then_a_field_error(
    world: World, partners: dict[str, Staff]
) -> None:
    counselor = partners[AgencyKind.COUNSELING]
    referral = world.referrals[AgencyKind.COUNSELING]
    accept(counselor, referral)
    client = logged_in(counselor)
    for day in (2, 1):
        session = {
            "occurred_on": (today() - dt.timedelta(days=day)).isoformat(),
            "minutes": "50",
            "idempotency_key": f"web-session-{day}",
        }
        assert client.post(url(referral, "deliveries/session"), session).status_code == 302
    page = client.get(url(referral))
    assert page.context["totals"].used == 2
    assert page.context["totals_text"] == {"approved": "2회", "used": "2회", "left": "0회"}
    assert len(page.context["deliveries"]) == 2
    before = writes()

    third = {"occurred_on": today().isoformat(), "minutes": "50", "note": "세 번째 회기"}
    response = client.post(url(referral, "deliveries/session"), third)

    assert response.status_code == 422
    html = response.content.decode()
    assert "승인된 2회를 모두 제공했습니다" in html
    assert "세 번째 회기" in html  # the input is kept
    assert writes() == before


def test_a_payment_over_the_approved_amount_is_a_field_error(
    world: World, partners: dict[str, Staff]
) -> None:
    partner = partners[AgencyKind.RELOCATION]
    referral = world.referrals[AgencyKind.RELOCATION]
    accept(partner, referral)
    client = logged_in(partner)
    payment = {"occurred_on": today().isoformat(), "amount_won": "500000", "receipt": "R-1"}
    assert client.post(url(referral, "deliveries/payment"), payment).status_code == 302
    client.get(url(referral))
    before = writes()

    over = {"occurred_on": today().isoformat(), "amount_won": "400000", "receipt": "R-2"}
    response = client.post(url(referral, "deliveries/payment"), over)

    assert response.status_code == 422
    (form,) = response.context["delivery_forms"]
    assert form.errors["amount_won"] == [
        "승인액 800,000원을 넘습니다 (이미 지급 500,000원, 남은 금액 300,000원)."
    ]
    html = response.content.decode()
    assert 'value="400000"' in html
    assert 'value="R-2"' in html
    assert writes() == before
    assert response.context["totals_text"] == {
        "approved": "800,000원",
        "used": "500,000원",
        "left": "300,000원",
    }


def test_a_payment_needs_a_receipt(world: World, partners: dict[str, Staff]) -> None:
    partner = partners[AgencyKind.MEDICAL]
    referral = world.referrals[AgencyKind.MEDICAL]
    accept(partner, referral)
    client = logged_in(partner)
    client.get(url(referral))
    before = writes()
    response = client.post(
        url(referral, "deliveries/payment"),
        {"occurred_on": today().isoformat(), "amount_won": "10000"},
    )
    assert response.status_code == 422
    (form,) = response.context["delivery_forms"]
    assert form.errors["receipt"] == ["영수증(또는 증빙) 번호를 적어 주세요."]
    assert writes() == before


def shift(day: dt.date, start: int, end: int, guards: int = 2) -> dict[str, str]:
    return {
        "starts_at": f"{day.isoformat()}T{start:02d}:00",
        "ends_at": f"{day.isoformat()}T{end:02d}:00",
        "guards": str(guards),
    }


def test_guard_shifts_keep_to_the_hours_of_a_day(world: World, partners: dict[str, Staff]) -> None:
    partner = partners[AgencyKind.SECURITY]
    referral = world.referrals[AgencyKind.SECURITY]
    accept(partner, referral)
    client = logged_in(partner)
    first = client.post(url(referral, "deliveries/guard_shift"), shift(today(), 8, 14))
    assert first.status_code == 302
    client.get(url(referral))
    before = writes()

    response = client.post(url(referral, "deliveries/guard_shift"), shift(today(), 15, 20))

    assert response.status_code == 422
    (form,) = response.context["delivery_forms"]
    assert form.errors["ends_at"] == [
        f"{today().isoformat()}의 경호가 하루 최대 10시간을 넘습니다 (이미 6시간 + 이번 5시간)."
    ]
    assert f'value="{today().isoformat()}T15:00"' in response.content.decode()
    assert writes() == before

    too_many = client.post(url(referral, "deliveries/guard_shift"), shift(today(), 15, 18, 3))
    assert too_many.status_code == 422
    assert too_many.context["delivery_forms"][0].errors["guards"] == [
        "한 근무의 경호원은 최대 2명입니다 (승인 내용)."
    ]
    assert writes() == before

    last = client.post(url(referral, "deliveries/guard_shift"), shift(today(), 15, 19))
    assert last.status_code == 302
    page = client.get(url(referral))
    assert page.context["totals"].hours_by_day == [(today(), 10.0)]
    assert page.context["hours_rows"] == [(today(), "10시간")]
    assert page.context["totals_text"]["used"] == "1일"


def test_a_form_sent_twice_records_once(world: World, partners: dict[str, Staff]) -> None:
    counselor = partners[AgencyKind.COUNSELING]
    referral = world.referrals[AgencyKind.COUNSELING]
    accept(counselor, referral)
    client = logged_in(counselor)
    page = client.get(url(referral))
    key = page.context["delivery_forms"][0].initial["idempotency_key"]
    assert key.startswith("web-")
    assert f'value="{key}"' in page.content.decode()
    session = {"occurred_on": today().isoformat(), "minutes": "50", "idempotency_key": key}

    assert client.post(url(referral, "deliveries/session"), session).status_code == 302
    again = client.post(url(referral, "deliveries/session"), session, follow=True)

    assert Delivery.objects.filter(referral=referral).count() == 1
    assert "이미 기록된 내용입니다" in again.content.decode()


def test_no_delivery_before_accepting(world: World, partners: dict[str, Staff]) -> None:
    referral = world.referrals[AgencyKind.COUNSELING]
    client = logged_in(partners[AgencyKind.COUNSELING])
    client.get(url(referral))
    before = writes()
    response = client.post(
        url(referral, "deliveries/session"), {"occurred_on": today().isoformat()}
    )
    assert response.status_code == 409
    assert "수락한 의뢰에만 제공 기록을 적습니다." in response.content.decode()
    assert writes() == before


def test_a_delivery_the_service_does_not_take_is_refused(
    world: World, partners: dict[str, Staff]
) -> None:
    counselor = partners[AgencyKind.COUNSELING]
    referral = world.referrals[AgencyKind.COUNSELING]
    accept(counselor, referral)
    client = logged_in(counselor)
    client.get(url(referral))
    before = writes()
    payment = {"occurred_on": today().isoformat(), "amount_won": "1000", "receipt": "R"}
    response = client.post(url(referral, "deliveries/payment"), payment)
    assert response.status_code == 422
    assert "'심리상담'에는 이 제공 기록을 적을 수 없습니다." in unescape(response.content.decode())
    assert client.post(url(referral, "deliveries/teleport"), payment).status_code == 404
    assert writes() == before


def test_bad_numbers_are_form_errors(world: World, partners: dict[str, Staff]) -> None:
    counselor = partners[AgencyKind.COUNSELING]
    referral = world.referrals[AgencyKind.COUNSELING]
    accept(counselor, referral)
    client = logged_in(counselor)
    client.get(url(referral))
    before = writes()
    response = client.post(
        url(referral, "deliveries/session"), {"occurred_on": "어제", "minutes": "쉰"}
    )
    assert response.status_code == 422
    (form,) = response.context["delivery_forms"]
    assert set(form.errors) == {"occurred_on", "minutes"}
    assert writes() == before


def test_legal_steps_are_counted_without_a_quantity(
    world: World, partners: dict[str, Staff]
) -> None:
    lawyer = partners[AgencyKind.LEGAL]
    referral = world.referrals[AgencyKind.LEGAL]
    accept(lawyer, referral)
    client = logged_in(lawyer)
    page = client.get(url(referral))
    assert [form.kind for form in page.context["delivery_forms"]] == ["payment", "legal_step"]
    step = {"occurred_on": today().isoformat(), "note": "고소장 제출"}
    assert client.post(url(referral, "deliveries/legal_step"), step).status_code == 302
    page = client.get(url(referral))
    assert (page.context["totals"].approved, page.context["totals"].used) == (None, 1)
    assert "고소장 제출" not in page.content.decode()  # notes stay with the center
