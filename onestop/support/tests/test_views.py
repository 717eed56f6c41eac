"""The support panel through the real views: asking, deciding, referring, recording and closing
from the case page; refusals that keep the input, show the rule and write nothing; the approval
queue on a supervisor's dashboard; the programs page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from onestop.accounts.models import AgencyKind, Role, Staff
from onestop.cases.models import Case, Notification
from onestop.conftest import run_pending_tasks
from onestop.support.models import Delivery, ProviderReferral, RequestStatus, ServiceRequest

from .conftest import partner_agency

pytestmark = pytest.mark.django_db


def logged_in(user: Staff) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_case_page_shows_the_plan_and_the_request_form(case: Case, manager: Staff) -> None:
    page = logged_in(manager).get(reverse("cases:detail", args=[case.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "지원 계획" in text
    assert 'action="/support/cases/' in text
    assert "민간 경호" in text  # offered by the program in force


def test_request_through_the_page_and_decide_on_the_dashboard(
    case: Case, manager: Staff, supervisor: Staff
) -> None:
    client = logged_in(manager)
    answer = client.post(
        reverse("support:request", args=[case.pk]),
        {"service_kind": "relocation", "quantity": "700000", "reason": "가해자가 집을 앎"},
    )
    assert answer.status_code == 302
    request = ServiceRequest.objects.get(case=case)
    assert request.quantity_requested == 700_000
    run_pending_tasks()
    assert Notification.objects.filter(recipient=supervisor, kind="service_requested").exists()

    board = logged_in(supervisor).get(reverse("cases:dashboard")).content.decode()
    assert "승인을 기다리는 지원 서비스" in board
    assert case.reference in board
    assert case.victim.name not in board

    decided = logged_in(supervisor).post(
        reverse("support:decide", args=[case.pk]),
        {"request": str(request.pk), "approve": "yes", "quantity": ""},
    )
    assert decided.status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED
    page = logged_in(supervisor).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "700,000원" in page
    assert "서울시 스토킹 피해자 지원 2024" in page


def test_a_refused_request_keeps_the_input_names_the_limit_and_writes_nothing(
    case: Case, manager: Staff
) -> None:
    answer = logged_in(manager).post(
        reverse("support:request", args=[case.pk]),
        {"service_kind": "relocation", "quantity": "2500000", "reason": "이사비"},
    )
    assert answer.status_code == 422
    text = answer.content.decode()
    assert "1,000,000원" in text
    assert 'value="2500000"' in text
    assert ServiceRequest.objects.count() == 0


def test_refer_needs_consent_and_then_reaches_the_partner(
    case: Case,
    manager: Staff,
    supervisor: Staff,
    partners: dict[str, Staff],
    approved: Callable[..., ServiceRequest],
    share_all: Callable[..., Any],
) -> None:
    request = approved("counseling", quantity=5)
    counseling = partner_agency(partners, AgencyKind.COUNSELING)
    form = {"request": str(request.pk), "provider": str(counseling.pk), "schedule": "평일 저녁"}
    refused = logged_in(manager).post(reverse("support:refer", args=[case.pk]), form)
    assert refused.status_code == 422
    assert "동의한 기록이 없습니다" in refused.content.decode()
    assert ProviderReferral.objects.count() == 0

    share_all()
    sent = logged_in(manager).post(reverse("support:refer", args=[case.pk]), form)
    assert sent.status_code == 302
    referral = ProviderReferral.objects.get()
    assert referral.provider == counseling
    assert referral.categories == ["identity", "contact"]


def test_the_requester_cannot_decide_her_own_request(case: Case, supervisor: Staff) -> None:
    client = logged_in(supervisor)
    client.post(
        reverse("support:request", args=[case.pk]),
        {"service_kind": "counseling", "quantity": "4"},
    )
    request = ServiceRequest.objects.get()
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert f'action="{reverse("support:decide", args=[case.pk])}"' not in page
    answer = client.post(
        reverse("support:decide", args=[case.pk]),
        {"request": str(request.pk), "approve": "yes"},
    )
    assert answer.status_code == 403
    request.refresh_from_db()
    assert request.status == RequestStatus.REQUESTED


def test_staff_record_a_payment_within_the_approved_amount(
    case: Case, manager: Staff, approved: Callable[..., ServiceRequest]
) -> None:
    request = approved("medical", quantity=300_000)
    url = reverse("support:deliver", args=[case.pk])
    client = logged_in(manager)
    base = {"request": str(request.pk), "kind": "payment", "occurred_on": "2026-11-20"}
    over = client.post(url, {**base, "amount_won": "300001", "receipt": "R-1"})
    assert over.status_code == 422
    assert "300,000원" in over.content.decode()
    ok = client.post(url, {**base, "amount_won": "120000", "receipt": "R-1"})
    assert ok.status_code == 302
    closed = client.post(
        reverse("support:end", args=[case.pk]),
        {"request": str(request.pk), "action": "close", "note": "지급 끝"},
    )
    assert closed.status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.CLOSED


@pytest.mark.parametrize("role", Role.values)
def test_outsiders_cannot_post(
    role: str, case: Case, other_agency: Any, make_staff: Callable[..., Staff]
) -> None:
    stranger = make_staff(other_agency, role)
    answer = logged_in(stranger).post(
        reverse("support:request", args=[case.pk]),
        {"service_kind": "counseling", "quantity": "3"},
    )
    assert answer.status_code == 404
    assert ServiceRequest.objects.count() == 0


def test_programs_page_lists_the_published_limits(manager: Staff) -> None:
    text = logged_in(manager).get(reverse("support:programs")).content.decode()
    assert "서울시 스토킹 피해자 지원 2023" in text
    assert "사례당 2,000,000원" in text
    assert "사례당 1,000,000원" in text
    assert "하루 10시간" in text
    assert "근무당 경호원 2명" in text
    assert "최대 30일" in text
    assert "최대 6개월" in text
    assert "반려동물 동반 가능" in text


def test_a_mistaken_payment_is_cancelled_and_stops_counting(
    case: Case, manager: Staff, approved: Callable[..., ServiceRequest]
) -> None:
    request = approved("medical", quantity=300_000)
    client = logged_in(manager)
    deliver = reverse("support:deliver", args=[case.pk])
    base = {"request": str(request.pk), "kind": "payment", "occurred_on": "2026-11-20"}
    client.post(deliver, {**base, "amount_won": "300000", "receipt": "R-1"})
    delivery = request.deliveries.get()
    cancel = reverse("support:delivery_cancel", args=[case.pk])
    refused = client.post(cancel, {"delivery": str(delivery.pk), "reason": ""})
    assert refused.status_code == 422
    assert Delivery.objects.get(pk=delivery.pk).cancelled_at is None  # no reason: nothing written
    done = client.post(cancel, {"delivery": str(delivery.pk), "reason": "금액 오기"})
    assert done.status_code == 302
    assert Delivery.objects.get(pk=delivery.pk).cancelled_at is not None
    # the approved amount is free again
    again = client.post(deliver, {**base, "amount_won": "250000", "receipt": "R-2"})
    assert again.status_code == 302


def test_a_referral_with_no_answer_is_withdrawn_with_a_reason(
    case: Case,
    manager: Staff,
    partners: dict[str, Staff],
    approved: Callable[..., ServiceRequest],
    share_all: Callable[..., Any],
) -> None:
    share_all()
    request = approved("counseling", quantity=4)
    client = logged_in(manager)
    counseling = partner_agency(partners, AgencyKind.COUNSELING)
    client.post(
        reverse("support:refer", args=[case.pk]),
        {"request": str(request.pk), "provider": str(counseling.pk)},
    )
    referral = ProviderReferral.objects.get()
    url = reverse("support:withdraw", args=[case.pk])
    assert client.post(url, {"referral": str(referral.pk), "reason": ""}).status_code == 422
    referral.refresh_from_db()
    assert referral.status == "sent"
    assert (
        client.post(url, {"referral": str(referral.pk), "reason": "연락 없음"}).status_code == 302
    )
    referral.refresh_from_db()
    assert referral.status == "withdrawn"
