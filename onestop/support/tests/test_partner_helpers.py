"""The world the partner tests share (no tests here): one case of the Seoul center, the victim's
consent to share with partners, a counseling note and a sealed new address that no partner may
ever see, and one referral sent to each partner kind through the real services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.test import Client

from onestop.accounts.models import AgencyKind, ApiKey, Staff
from onestop.accounts.services import apikey_issue
from onestop.cases.models import Case
from onestop.cases.services import (
    MeasureInput,
    case_contact_log,
    case_risk_level_set,
    case_sealed_location_add,
    incident_record,
    protective_measure_record,
)
from onestop.consent.models import ConsentGrant, Purpose
from onestop.core import clock
from onestop.support.models import ProviderReferral, ServiceRequest
from onestop.support.services import provider_referral_send

# What no partner may ever read, searched for in every answer a partner gets.
COUNSELING_MARKER = "상담일지-표식-Q7Z3"
SEALED_ADDRESS = "서울 은평구 봉인로 77-7 비밀동 1203호"
INTAKE_SUMMARY = "헤어진 뒤 하루 50통 넘게 전화가 옴"  # the case summary of ``open_case``
VICTIM_NAME = "김지영"  # the victim of ``open_case``
VICTIM_PHONE = "+821012345678"
MEETING_POINT = "합정역 3번 출구 앞 카페"
SCHEDULE = "매일 08:00~18:00, 출퇴근 동행"
INSTRUCTIONS = "도착 10분 전 문자로 알림"

API = "/api/v1/partner"

FORBIDDEN = (COUNSELING_MARKER, SEALED_ADDRESS, INTAKE_SUMMARY)


@dataclass
class World:
    case: Case
    grant: ConsentGrant
    referrals: dict[str, ProviderReferral]  # by the partner agency's kind
    requests: dict[str, ServiceRequest]


def build_world(
    *,
    case: Case,
    manager: Staff,
    partners: dict[str, Staff],
    share_all: Callable[..., Any],
    approved: Callable[..., ServiceRequest],
) -> World:
    """Referrals of six services, one to each partner kind, with a counseling note and a sealed
    address on the case."""
    grant = share_all()
    share_all(purpose=Purpose.DELETION_SUPPORT)
    case_contact_log(
        case_id=case.pk,
        actor=manager,
        channel="hotline",
        summary=f"피해자 심리 상태 불안, 수면 장애 호소 {COUNSELING_MARKER}",
    )
    case_sealed_location_add(
        case_id=case.pk, actor=manager, kind="new_home", address=SEALED_ADDRESS
    )
    case_risk_level_set(case=case, level="high", assessed_at=clock.now())
    today = clock.today_in_seoul()
    incident_record(
        case_id=case.pk,
        actor=manager,
        occurred_at=clock.now() - dt.timedelta(days=2),
        behaviours=["communication", "watching_waiting"],
        source="victim",
        count=3,
        note=f"피해자 진술 메모 {COUNSELING_MARKER}",
    )
    protective_measure_record(
        case_id=case.pk,
        actor=manager,
        data=MeasureInput(
            kind="urgent_emergency",
            issued_by="마포경찰서",
            starts_on=today - dt.timedelta(days=1),
            ends_on=today + dt.timedelta(days=20),
            decision_ref="긴급-2026-0042",
            note=f"보호조치 메모 {COUNSELING_MARKER}",
        ),
    )
    requests: dict[str, ServiceRequest] = {
        AgencyKind.COUNSELING: approved("counseling", quantity=2),
        AgencyKind.LEGAL: approved("legal", subtype="complaint"),
        AgencyKind.SECURITY: approved(
            "security", quantity=3, starts_on=today, hours_per_day=10, guards_per_shift=2
        ),
        AgencyKind.MEDICAL: approved("medical", quantity=300_000),
        AgencyKind.RELOCATION: approved("relocation", quantity=800_000),
        AgencyKind.DELETION_CENTER: approved("deletion"),
    }
    referrals: dict[str, ProviderReferral] = {}
    for kind, request in requests.items():
        security = kind == AgencyKind.SECURITY
        referrals[kind] = provider_referral_send(
            actor=manager,
            request_id=request.pk,
            provider_id=partners[kind].agency_id,
            meeting_point=MEETING_POINT if security else "",
            schedule=SCHEDULE if security else "",
            instructions=INSTRUCTIONS if security else "",
        )
    return World(case=case, grant=grant, referrals=referrals, requests=requests)


def logged_in(user: Staff) -> Client:
    client = Client()
    client.force_login(user)
    return client


def provider_key(agency_code: str, scope: str = "provider") -> tuple[ApiKey, str]:
    return apikey_issue(actor=None, agency_code=agency_code, scope=scope)


def key_client(raw_key: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {raw_key}"})


def assert_nothing_forbidden(body: str) -> None:
    """No counseling note, no sealed address, no case summary in anything a partner reads."""
    for text in FORBIDDEN:
        assert text not in body, f"{text!r} leaked to a partner"


def days_from_today(days: int) -> dt.date:
    return clock.today_in_seoul() + dt.timedelta(days=days)
