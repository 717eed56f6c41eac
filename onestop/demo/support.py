"""The demo's support services: over the last weeks the center's case managers asked for
services, the supervisor approved them under the 2024 program, the partners (logins
``security``, ``counseling``, ``lawyer``) accepted their referrals and recorded what they
delivered; today a few requests wait for the supervisor and a referral waits for the
counseling partner. Cases are the center's open cases at the time, found when the steps run."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, Protocol
from uuid import UUID

from onestop.accounts.models import Agency, Staff
from onestop.cases.models import Case, CaseStatus, CaseTeamMember, TeamRole
from onestop.consent.services import ConsentInput, consent_record
from onestop.core import clock
from onestop.shelters.services import facility_create, placement_start, waitlist_add
from onestop.support.models import ServiceRequest
from onestop.support.services import (
    DeliveryInput,
    Partner,
    delivery_record,
    partner_delivery_record,
    provider_referral_respond,
    provider_referral_send,
    service_request_create,
    service_request_decide,
)

CENTER = "seoul-onestop"


class Loader(Protocol):
    now: dt.datetime
    staff: dict[str, Staff]

    def at(self, moment: dt.datetime, run: Callable[[], None]) -> None: ...


def _seoul(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=clock.SEOUL)


class SupportSeries:
    def __init__(self, loader: Loader) -> None:
        self.loader = loader
        self.used: set[UUID] = set()

    def schedule(self) -> None:
        now = self.loader.now
        self.loader.at(now - dt.timedelta(days=26), self._security)
        self.loader.at(now - dt.timedelta(days=24), self._counseling)
        self.loader.at(now - dt.timedelta(days=21), self._legal)
        self.loader.at(now - dt.timedelta(days=18), self._money)
        self.loader.at(now - dt.timedelta(days=12), self._shelters)
        self.loader.at(now - dt.timedelta(days=2, hours=3), self._waiting)

    # --- helpers ----------------------------------------------------------------------------

    def _case(self, *, high_risk: bool = False) -> tuple[Case, Staff] | None:
        """An open case of the center not used yet, and its lead (a case manager)."""
        cases = Case.objects.filter(agency__code=CENTER).exclude(status=CaseStatus.CLOSED)
        if high_risk:
            cases = cases.filter(risk_level__in=["high", "very_high"])
        for case in cases.exclude(pk__in=self.used).order_by("opened_at"):
            lead = (
                CaseTeamMember.objects.filter(case=case, role=TeamRole.LEAD)
                .select_related("staff")
                .first()
            )
            if lead is not None and lead.staff.username != "supervisor":
                self.used.add(case.pk)
                return case, lead.staff
        return None

    def _consent(self, case: Case, lead: Staff, kinds: tuple[str, ...], cats: list[str]) -> None:
        consent_record(
            case_id=case.pk,
            actor=lead,
            data=ConsentInput(
                purpose="share_with_providers",
                recipient_kinds=kinds,
                data_categories=cats,
                method="signed_form",
                given_at=clock.now() - dt.timedelta(minutes=30),
                note="지원 서비스 의뢰를 위한 서면 동의",
            ),
        )

    def _approved(self, case: Case, lead: Staff, kind: str, **fields: Any) -> ServiceRequest:
        request = service_request_create(actor=lead, case_id=case.pk, service_kind=kind, **fields)
        return service_request_decide(
            actor=self.loader.staff["supervisor"], request_id=request.pk, approve=True
        )

    def _partner(self, username: str) -> Partner:
        return Partner(staff=self.loader.staff[username])

    def _agency(self, code: str) -> UUID:
        return Agency.objects.get(code=code).pk

    # --- the series -------------------------------------------------------------------------

    def _security(self) -> None:
        found = self._case(high_risk=True) or self._case()
        if found is None:
            return
        case, lead = found
        self._consent(case, lead, ("security",), ["contact", "risk", "address"])
        start = clock.today_in_seoul() + dt.timedelta(days=1)
        request = self._approved(
            case,
            lead,
            "security",
            quantity=7,
            starts_on=start,
            hours_per_day=10,
            guards_per_shift=2,
            reason="가해자가 출퇴근길에 기다림. 경찰이 신변보호를 권고함.",
        )
        referral = provider_referral_send(
            actor=lead,
            request_id=request.pk,
            provider_id=self._agency("security-dandan"),
            provider_staff_id=self.loader.staff["security"].pk,
            meeting_point="지하철 2호선 합정역 3번 출구 앞",
            schedule="출근 07:00-09:30, 퇴근 18:00-21:00 (7일)",
            instructions="도착 10분 전 문자로 알림. 피해자 요청으로 사복 근무.",
        )
        guard = self._partner("security")
        provider_referral_respond(partner=guard, referral_id=referral.pk, accept=True)
        for offset in range(4):
            day = start + dt.timedelta(days=offset)
            for begin, end in (((7, 0), (9, 30)), ((18, 0), (21, 0))):
                partner_delivery_record(
                    partner=guard,
                    referral_id=referral.pk,
                    data=DeliveryInput(
                        kind="guard_shift",
                        starts_at=_seoul(day, *begin),
                        ends_at=_seoul(day, *end),
                        guards=2,
                    ),
                    idempotency_key=f"demo-shift-{day.isoformat()}-{begin[0]}",
                )

    def _counseling(self) -> None:
        found = self._case()
        if found is None:
            return
        case, lead = found
        self._consent(case, lead, ("counseling",), ["identity", "contact"])
        request = self._approved(
            case, lead, "counseling", quantity=10, reason="불면과 불안 호소, 전문 상담 희망"
        )
        referral = provider_referral_send(
            actor=lead,
            request_id=request.pk,
            provider_id=self._agency("counseling-maeum"),
            provider_staff_id=self.loader.staff["counseling"].pk,
            schedule="평일 저녁 7시 이후, 문자로 먼저 연락",
        )
        counselor = self._partner("counseling")
        provider_referral_respond(partner=counselor, referral_id=referral.pk, accept=True)
        today = clock.today_in_seoul()
        for week in range(3):
            partner_delivery_record(
                partner=counselor,
                referral_id=referral.pk,
                data=DeliveryInput(
                    kind="session",
                    occurred_on=today - dt.timedelta(days=week * 7),
                    minutes=50,
                    note="정기 회기",
                ),
                idempotency_key=f"demo-session-{case.pk}-{week}",
            )

    def _legal(self) -> None:
        found = self._case()
        if found is None:
            return
        case, lead = found
        self._consent(case, lead, ("legal",), ["identity", "contact", "incident"])
        request = self._approved(
            case, lead, "legal", subtype="complaint", reason="고소장 작성과 제출 지원"
        )
        referral = provider_referral_send(
            actor=lead,
            request_id=request.pk,
            provider_id=self._agency("legal-haneul"),
            provider_staff_id=self.loader.staff["lawyer"].pk,
            instructions="경찰 조사 전에 사실관계 정리 필요",
        )
        lawyer = self._partner("lawyer")
        provider_referral_respond(partner=lawyer, referral_id=referral.pk, accept=True)
        partner_delivery_record(
            partner=lawyer,
            referral_id=referral.pk,
            data=DeliveryInput(
                kind="legal_step", occurred_on=clock.today_in_seoul(), note="고소장 제출"
            ),
        )

    def _money(self) -> None:
        found = self._case()
        if found is not None:
            case, lead = found
            request = self._approved(
                case, lead, "relocation", quantity=1_000_000, reason="가해자가 집 주소를 앎"
            )
            delivery_record(
                actor=lead,
                request_id=request.pk,
                data=DeliveryInput(
                    kind="payment",
                    occurred_on=clock.today_in_seoul(),
                    amount_won=800_000,
                    receipt="이사업체 영수증 2026-1187",
                ),
            )
        found = self._case()
        if found is not None:
            case, lead = found
            request = self._approved(
                case, lead, "medical", quantity=300_000, reason="폭행 피해 치료비"
            )
            delivery_record(
                actor=lead,
                request_id=request.pk,
                data=DeliveryInput(
                    kind="payment",
                    occurred_on=clock.today_in_seoul(),
                    amount_won=184_500,
                    receipt="보라매병원 진료비 영수증",
                ),
            )

    def _shelters(self) -> None:
        """Two facilities of the Seoul shelter (addresses sealed), one victim placed with her
        dog for the 2024 scheme, one woman waiting for a long-term place (the only long-term
        facility takes men)."""
        lead = self.loader.staff["shelter-lead"]
        emergency = facility_create(
            actor=lead,
            name="서울 긴급 보호시설 (가)",
            kind="emergency",
            gender_served="female",
            capacity=10,
            pets_allowed=True,
            region="seoul",
            address="서울특별시 가상구 데모로 12길 3 (데모 주소)",
        )
        facility_create(
            actor=lead,
            name="서울 남성 피해자 장기 보호시설 (나)",
            kind="long_term",
            gender_served="male",
            capacity=6,
            pets_allowed=False,
            region="seoul",
            address="서울특별시 가상구 예시로 45 (데모 주소)",
        )
        start = clock.today_in_seoul()
        found = self._case(high_risk=True) or self._case()
        if found is not None:
            case, manager = found
            self._consent(case, manager, ("shelter",), ["identity", "contact", "risk"])
            request = self._approved(
                case,
                manager,
                "shelter_emergency",
                quantity=60,
                starts_on=start,
                pets=True,
                reason="가해자가 집 앞에서 기다림. 반려견과 함께 피신 희망.",
            )
            placement_start(
                actor=manager,
                case_id=case.pk,
                facility_id=emergency.pk,
                service_request_id=request.pk,
                starts_on=start,
                planned_end_on=start + dt.timedelta(days=60),
            )
        found = self._case()
        if found is not None:
            case, manager = found
            request = self._approved(
                case,
                manager,
                "shelter_long_term",
                quantity=180,
                starts_on=start + dt.timedelta(days=1),
                reason="긴급 보호 이후 머물 곳이 필요함.",
            )
            waitlist_add(actor=manager, case_id=case.pk, service_request_id=request.pk)

    def _waiting(self) -> None:
        """Requests the supervisor has yet to decide, and a referral the counseling partner has
        yet to answer."""
        found = self._case()
        if found is not None:
            case, lead = found
            service_request_create(
                actor=lead,
                case_id=case.pk,
                service_kind="counseling",
                quantity=8,
                reason="공황 증상, 상담 희망",
            )
        found = self._case(high_risk=True) or self._case()
        if found is not None:
            case, lead = found
            service_request_create(
                actor=lead,
                case_id=case.pk,
                service_kind="accompaniment",
                subtype="court",
                quantity=1,
                reason="가처분 심문 기일 동행",
            )
        found = self._case()
        if found is not None:
            case, lead = found
            self._consent(case, lead, ("counseling",), ["identity", "contact", "address"])
            request = self._approved(case, lead, "home_therapy", quantity=6)
            provider_referral_send(
                actor=lead,
                request_id=request.pk,
                provider_id=self._agency("counseling-maeum"),
                meeting_point="피해자가 정한 장소 (주민센터 상담실)",
                schedule="주말 오전",
            )
