"""What her portal reads about her own case. The caller found the case from her signed-in
access: that access is the filter."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from onestop.accounts.models import Staff
from onestop.audit.models import AuditEntry
from onestop.cases.models import Case, CaseTeamMember
from onestop.cases.selectors import MeasureRow, case_team, protective_measures_for_case
from onestop.core import clock
from onestop.core.actors import PORTAL_ACTOR_LABEL
from onestop.evidence.models import EvidenceFile
from onestop.portal.models import PortalAccess
from onestop.support.models import Delivery, ServiceRequest
from onestop.support.selectors import support_plan_for_case
from onestop.takedown.selectors import DeletionSummary, deletion_summary_for_case

# What an audited action means, said to her. Matched by the longest prefix; anything else is
# "updated the record".
ACTION_WORDS: dict[str, Promise] = {
    "case.view": _("사례 기록을 열람함"),
    "case.sealed_locations_reveal": _("보호가 필요한 주소를 열람함"),
    "case.open": _("사례를 만듦"),
    "case.transition": _("진행 단계를 바꿈"),
    "case.team": _("담당자를 정함"),
    "case.referral_take": _("신청·연계를 맡음"),
    "consent.disclose": _("동의에 따라 정보를 제공함"),
    "consent.record": _("동의를 기록함"),
    "consent.withdraw": _("동의를 철회함"),
    "evidence.view": _("증거 자료를 열람함"),
    "evidence.packet": _("증거 묶음(PDF)을 만듦"),
    "evidence.add": _("증거 자료를 올림"),
    "evidence.import": _("대화·통화 기록을 가져옴"),
    "support.referral.view": _("협력기관이 의뢰 내용을 열람함"),
    "support": _("지원 서비스를 처리함"),
    "conference": _("사례회의에서 다룸"),
    "shelters": _("보호시설 입소를 처리함"),
    "risk.assess": _("위험도를 평가함"),
    "referral.status_read": _("경찰 시스템이 진행 상황을 조회함"),
    "referral.receive": _("경찰 연계를 받음"),
    "intake": _("신청을 받음"),
    "portal.sign_in_failed": _("포털 로그인에 실패함"),
    "portal.sign_in": _("포털에 로그인함"),
    "portal.reset_refused": _("비밀 문구 재설정을 거절함 (확인용 암호 단어가 틀림)"),
    "portal.reset": _("상담원이 비밀 문구를 새로 정함"),
    "portal.open": _("포털 사용을 시작함"),
    "portal": _("포털을 사용함"),
    "message.view": _("메시지를 열람함"),
    "message": _("메시지를 주고받음"),
    "safety.view": _("안전 계획을 열람함"),
    "safety": _("안전 계획을 저장함"),
}
UPDATED = _("기록을 추가하거나 고침")


@dataclass(frozen=True)
class AccessRow:
    at: dt.datetime
    who: str
    agency: str
    what: str
    by_her: bool


def _words(action: str) -> str:
    best = ""
    for prefix in ACTION_WORDS:
        covers = action == prefix or action.startswith((prefix + ".", prefix + "_"))
        if covers and len(prefix) > len(best):
            best = prefix
    return str(ACTION_WORDS[best]) if best else str(UPDATED)


def access_log_for_case(*, case: Case, limit: int = 200) -> list[AccessRow]:
    """Who read or changed her case, newest first: staff by name and agency, partner systems by
    their label, herself as herself. Addresses (IP) are not shown."""
    files = [str(pk) for pk in EvidenceFile.objects.filter(case=case).values_list("pk", flat=True)]
    entries = list(
        AuditEntry.objects.filter(
            Q(target_type="cases.case", target_id=str(case.pk))
            | Q(target_type="evidence.evidencefile", target_id__in=files)
        ).order_by("-seq")[:limit]
    )
    staff = {
        s.pk: s
        for s in Staff.objects.filter(
            pk__in={e.actor_id for e in entries if e.actor_id}
        ).select_related("agency")
    }
    rows = []
    for entry in entries:
        member = staff.get(entry.actor_id) if entry.actor_id else None
        by_her = entry.actor_id is None and entry.actor_label == PORTAL_ACTOR_LABEL
        if member is not None:
            who, agency = member.label, member.agency.name if member.agency else ""
        elif by_her:
            who, agency = str(_("본인 (포털)")), ""
        else:
            who, agency = entry.actor_label or str(_("시스템")), ""
        rows.append(
            AccessRow(at=entry.at, who=who, agency=agency, what=_words(entry.action), by_her=by_her)
        )
    return rows


@dataclass(frozen=True)
class CaseOverview:
    services: list[ServiceRequest]
    team: list[CaseTeamMember]
    upcoming: list[tuple[Delivery, ServiceRequest]]  # scheduled, soonest first (at most 10)
    measures: list[MeasureRow]  # in force, or decided and starting soon
    deletion: DeletionSummary  # her deletion support in numbers


def case_overview(*, case: Case) -> CaseOverview:
    """Her case page: her services and their decisions, who to contact, what is scheduled and
    which protective measures protect her, and how her deletion support stands."""
    rows = support_plan_for_case(case=case)
    now = clock.now()
    upcoming = sorted(
        (
            (delivery, row.request)
            for row in rows
            for delivery in row.deliveries
            if delivery.starts_at and delivery.starts_at > now and delivery.cancelled_at is None
        ),
        key=lambda pair: pair[0].starts_at or now,
    )
    measures = [
        row
        for row in protective_measures_for_case(case=case, today=clock.today_in_seoul())
        if row.state in ("active", "ending_soon", "upcoming")
    ]
    return CaseOverview(
        services=[row.request for row in rows],
        team=case_team(case=case),
        upcoming=upcoming[:10],
        measures=measures,
        deletion=deletion_summary_for_case(case=case),
    )


def portal_access_for_case(*, case: Case) -> PortalAccess | None:
    """The case's portal access, for its staff panel (the caller has the case through the
    access-filtered case selector)."""
    return PortalAccess.objects.filter(case=case).first()
