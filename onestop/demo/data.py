"""The synthetic demo data set: agencies, staff of every role and about sixty cases in every
status over the last eighteen months — all made through the services, so every row is valid and
every change is in the audit chain.

Everything here is invented. Names are drawn from common Korean surnames and given names with a
fixed seed (the same people every time); phone numbers are random 010 numbers. The mix follows
the figures the Seoul center published for one year: former partners ~65 % of perpetrators,
communication harassment 34 %, watching or waiting 30 %, approaching or following 24 %, further
harm in about seven cases in ten.

Dates: the services stamp ``clock.now()``. To give the demo a realistic history, the loader runs
the services under ``_simulated_clock``, a demo-only helper that moves the project clock to the
moment each step happened. Case references, timeline times, intake times and audit times are then
consistent with one another (a case opened in 2025 is ``OS-2025-…``) and the audit chain is written
in time order. Nothing is edited after the fact."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from unittest import mock
from uuid import UUID

from django.db import transaction

from onestop.accounts.models import Agency, AgencyKind, ApiKey, Region, Role, Staff
from onestop.accounts.services import agency_add, apikey_issue, staff_add, staff_set_on_duty
from onestop.cases.models import (
    Case,
    CaseStatus,
    Channel,
    CloseReason,
    FurtherHarm,
    ProtectiveMeasure,
    ProtectiveMeasureKind,
    Relationship,
    StalkingBehaviour,
    TeamRole,
)
from onestop.cases.protection import latest_end
from onestop.cases.services import (
    MeasureInput,
    case_complaint_withdrawn_record,
    case_contact_log,
    case_note_add,
    case_team_assign,
    case_transition,
    incident_record,
    protective_measure_record,
)
from onestop.conferences.models import Action
from onestop.conferences.services import (
    action_add,
    action_complete,
    conference_attendee_add,
    conference_close_minutes,
    conference_mark_held,
    conference_schedule,
    decision_add,
    pre_meeting_info_add,
    referral_accept,
    referral_create,
)
from onestop.consent.services import (
    ConsentInput,
    consent_record,
    consent_withdraw,
    disclosure_record,
)
from onestop.core import clock
from onestop.demo.deletion import DeletionSeries
from onestop.demo.evidence import EvidenceSeries
from onestop.demo.portal import PortalSeries
from onestop.demo.support import SupportSeries
from onestop.intake.referrals import parse_police_referral
from onestop.intake.services import (
    IntakeInput,
    intake_submit,
    police_referral_receive,
    police_referral_take,
    request_digest,
)
from onestop.people.models import ContactMethod, Gender
from onestop.risk.engine import score_answers
from onestop.risk.models import Instrument
from onestop.risk.services import assessment_record

# Shown on the login page of a demo and in the README; it passes the password validators.
DEMO_PASSWORD = "onestop-demo-1366"  # noqa: S105  (synthetic demo accounts only)
SEED = 1366
DEMO_INSTRUMENT = "onestop-stalking-screen"
HISTORY_DAYS = 540  # about eighteen months
MARKER_AGENCY = "seoul-onestop"

# code, kind, name, region, default center
AGENCIES: list[tuple[str, str, str, str, bool]] = [
    (MARKER_AGENCY, AgencyKind.ONESTOP_CENTER, "서울 스토킹피해자 원스톱 지원센터", "seoul", True),
    ("hotline-seoul", AgencyKind.HOTLINE_1366, "여성긴급전화 1366 서울센터", "seoul", False),
    ("hotline-gyeonggi", AgencyKind.HOTLINE_1366, "여성긴급전화 1366 경기센터", "gyeonggi", False),
    ("police-mapo", AgencyKind.POLICE, "서울마포경찰서 여성청소년과", "seoul", False),
    ("shelter-seoul", AgencyKind.SHELTER, "서울 스토킹피해자 보호시설", "seoul", False),
    ("counseling-maeum", AgencyKind.COUNSELING, "마음쉼 심리상담센터", "seoul", False),
    ("legal-haneul", AgencyKind.LEGAL, "하늘 법률사무소 (피해자 변호 풀)", "seoul", False),
    ("medical-seoul", AgencyKind.MEDICAL, "서울시 보라매병원 해바라기센터", "seoul", False),
    ("security-dandan", AgencyKind.SECURITY, "단단 민간경호", "seoul", False),
    ("relocation-seoul", AgencyKind.RELOCATION, "서울 안심이사 지원단", "seoul", False),
    ("deletion-center", AgencyKind.DELETION_CENTER, "디지털성범죄피해자지원센터", "seoul", False),
    ("city-seoul", AgencyKind.CITY_OFFICE, "서울특별시 여성가족정책실", "seoul", False),
]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    agency: str
    display_name: str
    note: str = ""


# Every role is present. The one-stop center runs the cases; the 1366 centers take calls.
LOGINS: list[DemoLogin] = [
    DemoLogin("supervisor", Role.SUPERVISOR, MARKER_AGENCY, "박정숙 팀장", "sees every case"),
    DemoLogin("manager1", Role.CASE_MANAGER, MARKER_AGENCY, "김지현 사례관리자"),
    DemoLogin("manager2", Role.CASE_MANAGER, MARKER_AGENCY, "이수정 사례관리자"),
    DemoLogin("manager3", Role.CASE_MANAGER, MARKER_AGENCY, "최윤희 사례관리자"),
    DemoLogin("counselor1", Role.HOTLINE_COUNSELOR, MARKER_AGENCY, "정하은 상담원"),
    DemoLogin("counselor2", Role.HOTLINE_COUNSELOR, MARKER_AGENCY, "한소연 상담원"),
    DemoLogin("profiler", Role.EXPERT, MARKER_AGENCY, "오태식 범죄심리전문가"),
    DemoLogin("expert2", Role.EXPERT, MARKER_AGENCY, "서미란 임상심리전문가"),
    DemoLogin("statistician", Role.STATISTICIAN, MARKER_AGENCY, "윤가영 통계 담당"),
    DemoLogin("admin", Role.ADMIN, MARKER_AGENCY, "장민호 시스템 관리자"),
    DemoLogin("deletion1", Role.DELETION_STAFF, MARKER_AGENCY, "배수아 삭제지원 담당자"),
    DemoLogin("hotline-seoul", Role.HOTLINE_COUNSELOR, "hotline-seoul", "강은비 상담원"),
    DemoLogin("hotline-seoul-lead", Role.SUPERVISOR, "hotline-seoul", "신경자 센터장"),
    DemoLogin("hotline-gyeonggi", Role.HOTLINE_COUNSELOR, "hotline-gyeonggi", "임다은 상담원"),
    DemoLogin("hotline-gyeonggi-lead", Role.SUPERVISOR, "hotline-gyeonggi", "문선영 센터장"),
    DemoLogin("police", Role.POLICE_LIAISON, "police-mapo", "황성민 경위"),
    DemoLogin("shelter", Role.SHELTER_STAFF, "shelter-seoul", "안혜진 생활지도원"),
    DemoLogin("shelter-lead", Role.SUPERVISOR, "shelter-seoul", "노은숙 시설장"),
    DemoLogin("deletion", Role.DELETION_STAFF, "deletion-center", "송예린 삭제지원관"),
    DemoLogin("counseling", Role.PROVIDER, "counseling-maeum", "권나연 상담사"),
    DemoLogin("lawyer", Role.PROVIDER, "legal-haneul", "류재훈 변호사"),
    DemoLogin("security", Role.PROVIDER, "security-dandan", "전동현 경호팀장"),
    DemoLogin("city", Role.STATISTICIAN, "city-seoul", "조현정 주무관"),
]

# Common surnames (weighted roughly by frequency) and given names, as space-separated words.
_SURNAMES = "김 이 박 최 정 강 조 윤 장 임 한 오 서 신 권 황 안 송 류 전 홍 고 문 양 손 배"
_FEMALE = (
    "지영 수진 민지 서연 지은 혜진 유진 은비 하은 소연 예린 다은 가영 수빈 지현 "
    "나연 현정 미경 은정 보람 서윤 지우 채원 윤서 수아 아름 지혜 선영 은지 미진"
)
_MALE = "민수 준호 성민 동현 재훈 현우 지훈 상철 영호 태윤 승현 도윤 우진 정훈 병철 진우 건우 시우"
SURNAMES = _SURNAMES.split()
SURNAME_WEIGHTS = [21, 15, 8, 5, 4, 2, 2, 2, 2, 2, *([1.5] * 4), *([1.2] * 6), *([0.9] * 6)]
FEMALE_NAMES = _FEMALE.split()
MALE_NAMES = _MALE.split()

# Where the victim lives, one place in each of the 17 regions (region granularity only: a
# precise address is sealed data and never appears in a summary). Seoul dominates the demo.
RESIDENCE: dict[str, list[str]] = {
    Region.SEOUL: [
        "서울 마포구",
        "서울 관악구",
        "서울 강서구",
        "서울 송파구",
        "서울 노원구",
        "서울 영등포구",
        "서울 은평구",
        "서울 동작구",
    ],
    Region.BUSAN: ["부산 해운대구"],
    Region.DAEGU: ["대구 수성구"],
    Region.INCHEON: ["인천 부평구"],
    Region.GWANGJU: ["광주 북구"],
    Region.DAEJEON: ["대전 유성구"],
    Region.ULSAN: ["울산 남구"],
    Region.SEJONG: ["세종시"],
    Region.GYEONGGI: ["경기 수원시", "경기 고양시", "경기 성남시"],
    Region.GANGWON: ["강원 춘천시"],
    Region.CHUNGBUK: ["충북 청주시"],
    Region.CHUNGNAM: ["충남 천안시"],
    Region.JEONBUK: ["전북 전주시"],
    Region.JEONNAM: ["전남 순천시"],
    Region.GYEONGBUK: ["경북 포항시"],
    Region.GYEONGNAM: ["경남 창원시"],
    Region.JEJU: ["제주 제주시"],
}

RELATIONSHIP_WEIGHTS: dict[str, float] = {
    Relationship.FORMER_PARTNER: 65,
    Relationship.CURRENT_PARTNER: 6,
    Relationship.ACQUAINTANCE: 9,
    Relationship.COLLEAGUE: 6,
    Relationship.ONLINE_ONLY: 6,
    Relationship.STRANGER: 4,
    Relationship.FAMILY: 1,
    Relationship.UNKNOWN: 1,
}
PRIMARY_BEHAVIOUR_WEIGHTS: dict[str, float] = {
    StalkingBehaviour.COMMUNICATION: 34,
    StalkingBehaviour.WATCHING_WAITING: 30,
    StalkingBehaviour.APPROACHING_FOLLOWING: 24,
    StalkingBehaviour.VISITING_HOME_WORK: 4,
    StalkingBehaviour.THIRD_PARTY_CONTACT: 3,
    StalkingBehaviour.ONLINE_EXPOSURE: 2,
    StalkingBehaviour.DAMAGING_PROPERTY: 2,
    StalkingBehaviour.THREATS: 2,
    StalkingBehaviour.OTHER: 1,
}
CHANNEL_WEIGHTS: dict[str, float] = {
    Channel.POLICE: 32,
    Channel.HOTLINE: 28,
    Channel.CHAT: 20,
    Channel.WEB: 12,
    Channel.WALK_IN: 8,
}

RELATIONSHIP_TEXT: dict[str, list[str]] = {
    Relationship.FORMER_PARTNER: [
        "{m}개월 전 헤어진 전 연인이",
        "{y}년 사귀다 헤어진 전 남자친구가",
        "이별을 통보한 뒤 전 연인이",
    ],
    Relationship.CURRENT_PARTNER: ["교제 중인 남자친구가 헤어지자는 말 이후", "별거 중인 남편이"],
    Relationship.ACQUAINTANCE: [
        "동호회에서 알게 된 사람이",
        "학교 선배가",
        "같은 건물에 사는 이웃이",
    ],
    Relationship.COLLEAGUE: ["같은 회사 동료가 고백을 거절당한 뒤", "전 직장 상사가"],
    Relationship.ONLINE_ONLY: ["온라인 게임에서 알게 된 사람이", "SNS로 알게 된 사람이"],
    Relationship.STRANGER: ["모르는 남성이", "단골 카페에서 마주친 모르는 사람이"],
    Relationship.FAMILY: ["친척이"],
    Relationship.UNKNOWN: ["신원을 알 수 없는 사람이"],
}
BEHAVIOUR_TEXT: dict[str, list[str]] = {
    StalkingBehaviour.COMMUNICATION: [
        "하루 수십 통씩 전화와 문자를 보냄",
        "차단해도 다른 번호와 SNS 계정으로 계속 연락함",
        "하루 50통 넘게 전화하고 메시지를 수백 건 보냄",
    ],
    StalkingBehaviour.WATCHING_WAITING: [
        "집 앞과 회사 근처에서 기다림",
        "출근 시간에 지하철역에서 지켜봄",
        "밤늦게 집 앞에 차를 세워 두고 지켜봄",
    ],
    StalkingBehaviour.APPROACHING_FOLLOWING: [
        "퇴근길에 따라옴",
        "약속 장소까지 따라와 말을 걺",
        "회사 로비까지 찾아옴",
    ],
    StalkingBehaviour.VISITING_HOME_WORK: ["집과 직장에 번갈아 찾아옴"],
    StalkingBehaviour.DAMAGING_PROPERTY: ["차량 타이어를 훼손함", "현관 도어록을 부수려 함"],
    StalkingBehaviour.ONLINE_EXPOSURE: ["주소와 직장을 SNS에 올림"],
    StalkingBehaviour.THREATS: ["만나 주지 않으면 해치겠다는 메시지를 보냄"],
    StalkingBehaviour.OTHER: [
        "현관 앞에 편지와 선물을 두고 감",
        "피해자를 사칭해 지인들에게 메시지를 보냄",
    ],
    StalkingBehaviour.THIRD_PARTY_CONTACT: ["가족과 친구를 통해 만나 달라고 연락함"],
}
HARM_TEXT: dict[str, str] = {
    FurtherHarm.DATING_VIOLENCE: "교제 중에도 폭언과 폭행이 있었음",
    FurtherHarm.THREATS: "'가만두지 않겠다'는 협박 문자를 받음",
    FurtherHarm.ASSAULT: "만나 달라며 팔을 잡아끌고 밀쳐 다침",
    FurtherHarm.SEXUAL_VIOLENCE: "성폭력 피해가 있었음",
    FurtherHarm.DIGITAL: "교제 중 찍힌 사진을 유포하겠다고 협박함",
    FurtherHarm.PROPERTY: "휴대전화를 빼앗아 부숨",
}
REQUEST_TEXT = [
    "112 신고 후 긴급응급조치(100m 접근금지) 결정됨.",
    "경찰 신고를 망설이고 있어 신고 절차 안내 요청.",
    "잠정조치 신청 중. 법률 지원과 심리상담 희망.",
    "이사와 민간경호 지원을 원함.",
    "불면과 불안 호소, 심리상담 요청.",
    "고소장 작성을 도와줄 변호사 연계 희망.",
    "직장에 알려질까 걱정함. 연락은 문자로만 원함.",
]
ASSESSMENT_NOTES = [
    "위험성 평가 실시: 재접근 가능성 높음. 전문가 사례회의 안건으로 올림.",
    "위험성 평가 결과 중간. 피해자 스스로 안전계획 작성, 주 1회 안부 확인.",
    "범죄심리전문가 의견: 집착 수준 높고 잠정조치 위반 가능성 있음. 경호 검토.",
    "피해자 면담: 가해자의 생활 반경과 피해자 동선 겹침. 동선 변경 안내.",
]
PLAN_NOTES = [
    "지원 계획 수립: 심리상담 10회, 법률 상담 연계, 경찰 동행.",
    "지원 계획 수립: 민간경호 7일(2인, 1일 10시간), 이사비 지원 신청.",
    "지원 계획 수립: 심리상담 6회, 의료비 지원, 디지털 증거 정리 지원.",
    "지원 계획 수립: 긴급 주거 지원(보호시설 30일) 후 이사 지원 검토.",
]
SUPPORT_NOTES = [
    "법률 지원: 변호사 연계, 고소장 작성 지원.",
    "심리상담 3회기 진행. 수면 문제 조금 나아짐.",
    "민간경호 시작(2인, 1일 10시간, 7일간).",
    "이사비 지원 신청 접수(최대 200만 원).",
    "경찰 조사 동행. 진술 후 귀가까지 함께함.",
    "잠정조치(100m 접근금지, 전기통신 접근금지) 결정 확인.",
    "보호시설 입소. 출퇴근과 휴대전화 사용은 그대로 유지.",
    "의료비 지원: 병원 진료비 영수증 접수.",
]
MONITORING_NOTES = [
    "사후 관리 전화: 추가 접촉 없음. 일상 회복 중.",
    "잠정조치 연장 결정 확인(3개월).",
    "사후 관리: 가해자 형사재판 일정 안내, 법정 동행 여부 확인.",
]
CONTACT_NOTES = [
    "피해자 전화: 어젯밤 가해자가 집 앞에 다시 나타남. 112 신고 안내, 경찰에 공유 동의 받음.",
    "카카오톡 상담: 상담 일정 변경 요청.",
    "피해자 문자: 모르는 번호로 연락이 계속 옴. 증거 보존 방법 안내.",
    "피해자 방문: 증거 자료(캡처, 통화 목록) 정리해 옴.",
    "피해자 전화: 불안이 심해 잠을 못 잠. 상담 회기 앞당김.",
]
CLOSE_NOTES: dict[str, str] = {
    CloseReason.SUPPORT_COMPLETED: "지원 목표 달성. 6개월간 추가 피해 없음. 분기별 안부 확인.",
    CloseReason.VICTIM_REQUEST: "피해자가 지원 종료를 원함. 언제든 다시 연락 가능함을 안내.",
    CloseReason.NO_CONTACT: "3회 이상 연락 시도했으나 닿지 않음. 안전한 연락 방법으로 문자 남김.",
    CloseReason.TRANSFERRED: "피해자 거주지 관할 기관으로 이관.",
    CloseReason.DUPLICATE: "같은 피해자의 진행 중 사례가 있어 그쪽에서 관리.",
    CloseReason.OTHER: "피해자가 해외로 이주해 지원 종료.",
}


@dataclass
class CasePlan:
    """One synthetic case: who calls, what happened, and the path it takes."""

    intake: IntakeInput
    taker: str  # username of the staff member who takes the contact
    path: list[str]  # statuses after ``received``, in order
    close_reason: str = ""
    reopen: bool = False
    withdrawn_complaint: bool = False
    repeat_call: bool = False  # the victim calls the hotline again; intake attaches the call
    hotline: bool = False  # a 1366 case: handled by the 1366 center's own supervisor
    consent: str = ""  # "kept" or "withdrawn": a consent to share with providers, and a disclosure


@dataclass
class DemoResult:
    created: bool
    logins: list[DemoLogin]
    cases: int = 0
    notes: list[str] = field(default_factory=list)


# --- the simulated clock (demo only) ----------------------------------------------------------


@contextmanager
def _simulated_clock(start: dt.datetime) -> Iterator[Callable[[dt.datetime], None]]:
    """DEMO ONLY. Replace the project clock (``onestop.core.clock.now``) with one that a demo
    step sets to the moment it happened, so the services stamp a realistic past time. The real
    clock is back as soon as the block ends; nothing outside the demo loader uses this."""
    current = [start]

    def simulated_now() -> dt.datetime:
        return current[0]

    def set_time(moment: dt.datetime) -> None:
        current[0] = moment

    with mock.patch.object(clock, "now", simulated_now):
        yield set_time


# --- generation -------------------------------------------------------------------------------


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


class _People:
    """Unique synthetic names and phone numbers."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.names: set[tuple[str, int]] = set()
        self.phones: set[str] = set()

    def name(self, gender: str, birth_year: int) -> str:
        pool = MALE_NAMES if gender == Gender.MALE else FEMALE_NAMES
        while True:
            surname = self.rng.choices(SURNAMES, weights=SURNAME_WEIGHTS)[0]
            candidate = surname + self.rng.choice(pool)
            if (candidate, birth_year) not in self.names:
                self.names.add((candidate, birth_year))
                return candidate

    def phone(self) -> str:
        while True:
            number = f"010-{self.rng.randint(2000, 9999)}-{self.rng.randint(0, 9999):04d}"
            if number not in self.phones:
                self.phones.add(number)
                return number


def _summary(
    rng: random.Random, region: str, relationship: str, behaviours: list[str], harms: list[str]
) -> str:
    who = rng.choice(RELATIONSHIP_TEXT[relationship]).format(
        m=rng.randint(1, 11), y=rng.randint(1, 5)
    )
    acts = ", ".join(rng.choice(BEHAVIOUR_TEXT[b]) for b in behaviours)
    parts = [f"{rng.choice(RESIDENCE[region])} 거주. {who} {acts}."]
    if harms:
        parts.append(" ".join(HARM_TEXT[h] + "." for h in harms))
    parts.append(rng.choice(REQUEST_TEXT))
    return " ".join(parts)


# Target status mix for 60 cases: (path after received, close reason, extra flags).
_STATUS_PLAN: list[tuple[list[str], str, dict[str, bool]]] = (
    [([], "", {})] * 7
    + [(["assessing"], "", {})] * 6
    + [(["assessing", "planning"], "", {})] * 5
    + [(["assessing", "planning", "in_support"], "", {})] * 9
    + [(["assessing", "planning", "in_support"], "", {"repeat_call": True})]
    + [(["assessing", "planning", "in_support"], "", {"withdrawn_complaint": True})]
    + [(["assessing", "planning", "in_support", "monitoring"], "", {})] * 8
    + [(["assessing", "planning", "in_support", "monitoring", "closed"], "support_completed", {})]
    * 11
    + [(["assessing", "planning", "in_support", "closed"], "victim_request", {})] * 2
    + [(["assessing", "closed"], "no_contact", {})] * 2
    + [(["closed"], "no_contact", {})]
    + [(["closed"], "duplicate", {})]
    + [(["assessing", "planning", "in_support", "closed"], "other", {})]
    + [(["assessing", "planning", "in_support", "closed"], "victim_request", {"reopen": True})]
    + [(["closed"], "transferred", {"hotline": True})] * 3
    + [(["assessing", "closed"], "support_completed", {"hotline": True})]
)


def _plans(rng: random.Random) -> list[CasePlan]:
    people = _People(rng)
    plans: list[CasePlan] = []
    # Every region at least once; the rest live in Seoul, where the center is.
    regions = [r for r in RESIDENCE if r != Region.SEOUL]
    regions += [Region.SEOUL] * (len(_STATUS_PLAN) - len(regions))
    rng.shuffle(regions)
    for (path, close_reason, flags), region in zip(_STATUS_PLAN, regions, strict=True):
        gender = rng.choices([Gender.FEMALE, Gender.MALE], weights=[88, 12])[0]
        birth_year = rng.choices(
            [
                rng.randint(1966, 1979),
                rng.randint(1980, 1989),
                rng.randint(1990, 1999),
                rng.randint(2000, 2006),
            ],
            weights=[10, 25, 45, 20],
        )[0]
        relationship = _weighted(rng, RELATIONSHIP_WEIGHTS)
        primary = _weighted(rng, PRIMARY_BEHAVIOUR_WEIGHTS)
        behaviours = [primary]
        for extra in rng.sample(list(PRIMARY_BEHAVIOUR_WEIGHTS), k=rng.choice([0, 1, 1, 2])):
            if extra not in behaviours:
                behaviours.append(extra)
        harms: list[str] = []
        if rng.random() < 0.7:
            candidates = [h for h in FurtherHarm.values if h != FurtherHarm.SEXUAL_VIOLENCE]
            if relationship not in (
                Relationship.FORMER_PARTNER,
                Relationship.CURRENT_PARTNER,
            ):
                candidates.remove(FurtherHarm.DATING_VIOLENCE)
            harms = rng.sample(candidates, k=rng.choice([1, 1, 2]))
            if rng.random() < 0.05:
                harms.append(FurtherHarm.SEXUAL_VIOLENCE)
        perpetrator_gender = Gender.FEMALE if gender == Gender.MALE else Gender.MALE
        if relationship in (Relationship.STRANGER, Relationship.UNKNOWN):
            perpetrator_name = ""
        else:
            perpetrator_name = people.name(perpetrator_gender, 0)
        hotline = flags.get("hotline", False)
        channel = Channel.HOTLINE if hotline else _weighted(rng, CHANNEL_WEIGHTS)
        taker = (
            rng.choice(["hotline-seoul", "hotline-gyeonggi"])
            if hotline
            else rng.choice(["counselor1", "counselor2", "counselor1", "manager1"])
        )
        intake = IntakeInput(
            channel=channel,
            name=people.name(gender, birth_year),
            phone=people.phone(),
            birth_year=birth_year,
            gender=gender,
            safe_contact_method=rng.choices(
                [ContactMethod.CALL, ContactMethod.SMS, ContactMethod.NONE],
                weights=[50, 45, 5],
            )[0],
            safe_contact_times=rng.choice(
                ["", "평일 오후 6시 이후", "점심시간(12~13시)만", "오전 10시~오후 4시"]
            ),
            perpetrator_name=perpetrator_name,
            perpetrator_gender=perpetrator_gender,
            relationship=relationship,
            stalking_behaviours=behaviours,
            further_harms=harms,
            summary=_summary(rng, region, relationship, behaviours, harms),
        )
        plans.append(
            CasePlan(
                intake=intake,
                taker=taker,
                path=list(path),
                close_reason=close_reason,
                reopen=flags.get("reopen", False),
                withdrawn_complaint=flags.get("withdrawn_complaint", False),
                repeat_call=flags.get("repeat_call", False),
                hotline=hotline,
            )
        )
    # Every third case that reaches support records a consent (decided by position, so the
    # generator's sequence, and with it the whole data set, stays as it was).
    supported = [p for p in plans if not p.hotline and CaseStatus.IN_SUPPORT in p.path]
    for position, plan in enumerate(supported[::3]):
        plan.consent = "withdrawn" if position % 3 == 2 else "kept"
    return plans


# Typical days spent in each status before moving on, as (low, high).
_DWELL: dict[str, tuple[int, int]] = {
    CaseStatus.RECEIVED: (0, 3),
    CaseStatus.ASSESSING: (2, 10),
    CaseStatus.PLANNING: (3, 12),
    CaseStatus.IN_SUPPORT: (30, 120),
    CaseStatus.MONITORING: (60, 150),
}
# How long a case may sit in its current (final) status, in days, so that the mix looks live.
_CURRENT_AGE: dict[str, tuple[int, int]] = {
    CaseStatus.RECEIVED: (0, 6),
    CaseStatus.ASSESSING: (1, 14),
    CaseStatus.PLANNING: (1, 20),
    CaseStatus.IN_SUPPORT: (5, 100),
    CaseStatus.MONITORING: (5, 120),
}


@dataclass(order=True)
class _Step:
    at: dt.datetime
    order: int
    run: Callable[[], None] = field(compare=False)


class _Loader:
    def __init__(self, rng: random.Random, now: dt.datetime) -> None:
        self.rng = rng
        self.now = now
        self.staff: dict[str, Staff] = {}
        self.cases: dict[int, UUID] = {}
        self.steps: list[_Step] = []

    def at(self, moment: dt.datetime, run: Callable[[], None]) -> None:
        self.steps.append(_Step(moment, len(self.steps), run))

    def hours(self, low: float, high: float) -> dt.timedelta:
        return dt.timedelta(hours=self.rng.uniform(low, high))

    def office_time(self, day: dt.datetime) -> dt.datetime:
        """A moment on ``day`` during Seoul office hours (cases move in the daytime)."""
        local = day.astimezone(clock.SEOUL).replace(
            hour=self.rng.randint(9, 17), minute=self.rng.randint(0, 59), second=0, microsecond=0
        )
        return local.astimezone(dt.UTC)

    def schedule(self, index: int, plan: CasePlan) -> None:
        # Each case draws from its own generator: its timeline depends on the time of day the
        # demo is loaded (steps too close together are skipped), and must not shift the others.
        self.rng = rng = random.Random(f"{SEED}-case-{index}")  # noqa: S311  (synthetic data)
        statuses = [CaseStatus.RECEIVED, *plan.path]
        if plan.reopen:
            statuses += [CaseStatus.ASSESSING, CaseStatus.PLANNING]
        # Days from one status change to the next, then how long the case sits where it ends.
        gaps = [rng.randint(*_DWELL.get(s, (1, 5))) for s in statuses[:-1]]
        if plan.reopen:
            gaps[statuses.index(CaseStatus.CLOSED)] = rng.randint(40, 90)
        final = statuses[-1]
        tail = (
            rng.randint(*_CURRENT_AGE[final])
            if final in _CURRENT_AGE
            else rng.randint(5, max(6, HISTORY_DAYS - sum(gaps) - 10))
        )
        age_days = min(sum(gaps) + tail, HISTORY_DAYS)
        opened = self.now - dt.timedelta(days=age_days) - self.hours(1, 20)
        if opened > self.now - dt.timedelta(hours=1):
            opened = self.now - dt.timedelta(hours=2)
        times = [opened]
        for gap in gaps:
            nxt = self.office_time(times[-1] + dt.timedelta(days=gap))
            nxt = max(nxt, times[-1] + dt.timedelta(minutes=30))
            times.append(min(nxt, self.now - dt.timedelta(minutes=10)))
        self._schedule_case(index, plan, statuses, times)

    def _schedule_case(
        self, index: int, plan: CasePlan, statuses: list[str], times: list[dt.datetime]
    ) -> None:
        rng = self.rng
        taker = self.staff[plan.taker]
        boss = self.staff[f"{plan.taker}-lead"] if plan.hotline else self.staff["supervisor"]
        lead = (
            boss
            if plan.hotline
            else self.staff[rng.choice(["manager1", "manager2", "manager3", "manager1"])]
        )

        def case_id() -> UUID:
            return self.cases[index]

        def open_case() -> None:
            plan.intake.started_at = clock.now() - dt.timedelta(minutes=rng.randint(8, 40))
            result = intake_submit(actor=taker, data=plan.intake, confirmed_new_person=True)
            self.cases[index] = result.case.pk

        self.at(times[0], open_case)
        if len(statuses) == 1:
            return  # just received: nobody assigned yet
        first_move = times[1]
        assign_at = max(
            min(times[0] + self.hours(0.5, 20), first_move - dt.timedelta(minutes=5)),
            times[0] + dt.timedelta(minutes=1),
        )
        if not plan.hotline and lead != taker:
            self.at(
                assign_at,
                lambda: self._assign(case_id(), boss, lead, TeamRole.LEAD),
            )
        closes_now = statuses[1] == CaseStatus.CLOSED
        if not plan.hotline and not closes_now and rng.random() < 0.6:
            expert = self.staff[rng.choice(["profiler", "expert2"])]
            self.at(
                assign_at + dt.timedelta(minutes=3),
                lambda: self._assign(case_id(), boss, expert, TeamRole.EXPERT),
            )
        mover = boss if plan.hotline else lead
        closed_once = False
        for position, (status, moment) in enumerate(zip(statuses[1:], times[1:], strict=True)):
            note = ""
            close_reason = ""
            if status == CaseStatus.CLOSED:
                close_reason = plan.close_reason
                note = CLOSE_NOTES[close_reason]
                if plan.hotline and close_reason == CloseReason.TRANSFERRED:
                    note = "서울 원스톱 지원센터로 연계(피해자 동의). 1366 사례 종결."
                closed_once = True
            elif status == CaseStatus.ASSESSING and closed_once:
                note = "가해자가 다시 집 앞에 나타나 피해자가 재요청. 위험성 재평가부터 시작."
            self.at(
                moment,
                self._transition_step(case_id, mover, status, close_reason, note),
            )
            after = times[position + 2] if position + 2 < len(times) else self.now
            self._timeline_filler(case_id, status, moment, after, mover, plan)
            self._protection_filler(index, case_id, status, moment, after, mover)

    def _transition_step(
        self,
        case_id: Callable[[], UUID],
        actor: Staff,
        status: str,
        close_reason: str,
        note: str,
    ) -> Callable[[], None]:
        def run() -> None:
            case_transition(
                case_id=case_id(),
                actor=actor,
                to_status=status,
                close_reason=close_reason,
                note=note,
            )

        return run

    def _assign(self, case_id: UUID, actor: Staff, staff: Staff, role: str) -> None:
        case_team_assign(case_id=case_id, actor=actor, staff_id=staff.pk, role=role)

    def _timeline_filler(
        self,
        case_id: Callable[[], UUID],
        status: str,
        start: dt.datetime,
        end: dt.datetime,
        actor: Staff,
        plan: CasePlan,
    ) -> None:
        """Notes and contacts while the case sits in ``status`` (between ``start`` and ``end``)."""
        rng = self.rng
        span = (end - start).total_seconds()
        if span < 3600:
            return

        def moment(fraction: float) -> dt.datetime:
            return start + dt.timedelta(seconds=span * fraction)

        pool = {
            CaseStatus.ASSESSING: ASSESSMENT_NOTES,
            CaseStatus.PLANNING: PLAN_NOTES,
            CaseStatus.IN_SUPPORT: SUPPORT_NOTES,
            CaseStatus.MONITORING: MONITORING_NOTES,
        }.get(CaseStatus(status))
        if pool is None:
            return
        count = 3 if status == CaseStatus.IN_SUPPORT else 1
        for text in rng.sample(pool, k=min(count, len(pool))):
            when = moment(rng.uniform(0.05, 0.9))
            self.at(when, self._note_step(case_id, actor, text))
        if status in (CaseStatus.IN_SUPPORT, CaseStatus.ASSESSING) and rng.random() < 0.7:
            text = rng.choice(CONTACT_NOTES)
            channel = rng.choice([Channel.HOTLINE, Channel.CHAT, Channel.WALK_IN])
            when = moment(rng.uniform(0.1, 0.8))
            self.at(when, self._contact_step(case_id, actor, channel, text))
        if plan.withdrawn_complaint and status == CaseStatus.IN_SUPPORT:
            self.at(moment(0.5), self._withdrawn_step(case_id, actor))
        if plan.repeat_call and status == CaseStatus.IN_SUPPORT:
            self.at(moment(0.6), self._repeat_call_step(case_id, plan))
        if plan.consent and status == CaseStatus.IN_SUPPORT:
            self.at(moment(0.02), self._consent_step(case_id, actor, plan.consent))

    def _protection_filler(
        self,
        index: int,
        case_id: Callable[[], UUID],
        status: str,
        start: dt.datetime,
        end: dt.datetime,
        actor: Staff,
    ) -> None:
        """Incidents, risk assessments and protective measures while the case is assessed and
        supported. Their own generator per case and status, so the rest of the data set does
        not move."""
        rng = random.Random(f"{SEED}-protect-{index}-{status}")  # noqa: S311  (synthetic)
        span = (end - start).total_seconds()
        if span < 6 * 3600 or status not in (CaseStatus.ASSESSING, CaseStatus.IN_SUPPORT):
            return

        def moment(fraction: float) -> dt.datetime:
            return start + dt.timedelta(seconds=span * fraction)

        if status == CaseStatus.ASSESSING:
            self.at(moment(0.1), self._incident_step(case_id, actor, rng))
            self.at(moment(0.5), self._assessment_step(case_id, actor, rng, heavy=0.3))
            return
        recent = self.now - dt.timedelta(days=25)
        if end >= self.now and start < recent and index % 4 == 0:
            # a case in support now, with an urgent measure that ends within the week
            self.at(recent, self._measure_step(case_id, actor, rng, urgent=True))
        elif rng.random() < 0.45:
            first = moment(0.05)
            self.at(first, self._measure_step(case_id, actor, rng))
            if rng.random() < 0.35:
                self.at(
                    min(first + dt.timedelta(days=rng.randint(3, 20)), moment(0.4)),
                    self._breach_step(case_id, actor),
                )
        if rng.random() < 0.5:
            later = moment(rng.uniform(0.45, 0.7))
            self.at(later, self._incident_step(case_id, actor, rng))
            self.at(
                later + dt.timedelta(hours=20),
                self._assessment_step(case_id, actor, rng, heavy=0.3),
            )

    def _incident_step(
        self, case_id: Callable[[], UUID], actor: Staff, rng: random.Random
    ) -> Callable[[], None]:
        behaviours = rng.sample(list(PRIMARY_BEHAVIOUR_WEIGHTS), k=rng.choice([1, 1, 2]))
        count = rng.choice([1, 1, 3, 12, 50])
        note = rng.choice(INCIDENT_NOTES)
        hours_before = rng.uniform(2, 40)

        def run() -> None:
            incident_record(
                case_id=case_id(),
                actor=actor,
                occurred_at=clock.now() - dt.timedelta(hours=hours_before),
                behaviours=behaviours,
                source=rng.choice(["victim", "victim", "police"]),
                count=count,
                note=note,
            )

        return run

    def _assessment_step(
        self, case_id: Callable[[], UUID], actor: Staff, rng: random.Random, heavy: float
    ) -> Callable[[], None]:
        """An assessment with the bundled screening instrument: a heavy case answers most
        items yes (high or very high), a light one a few."""
        is_heavy = rng.random() < heavy
        share = rng.uniform(0.5, 0.85) if is_heavy else rng.uniform(0.05, 0.3)
        draws = [rng.random() for _ in range(20)]
        raise_it = rng.random() < 0.1

        def run() -> None:
            instrument = Instrument.objects.get(code=DEMO_INSTRUMENT, version="1")
            codes = [item["code"] for item in instrument.definition["items"]]
            red_flags = {i["code"] for i in instrument.definition["items"] if i.get("red_flag")}
            answers = {
                code: {
                    "answer": "yes"
                    if draw < (share if is_heavy or code not in red_flags else 0)
                    else "no",
                    "source": "victim",
                }
                for code, draw in zip(codes, draws, strict=False)
            }
            computed = score_answers(instrument.definition, answers).computed_level
            raise_to = ""
            if raise_it and computed in ("low", "medium"):
                raise_to = "high"
            assessment_record(
                case_id=case_id(),
                actor=actor,
                instrument_id=instrument.pk,
                answers=answers,
                summary="피해자 면담과 경찰 자료를 바탕으로 평가.",
                raise_to=raise_to,
                raise_reason="가해자가 최근 직장을 잃고 피해자 가족에게 연락하기 시작함: "
                "점수에 잡히지 않는 급격한 변화로 판단"
                if raise_to
                else "",
            )

        return run

    def _measure_step(
        self, case_id: Callable[[], UUID], actor: Staff, rng: random.Random, urgent: bool = False
    ) -> Callable[[], None]:
        kind = rng.choice(
            [
                ProtectiveMeasureKind.PROVISIONAL_100M,
                ProtectiveMeasureKind.PROVISIONAL_TELECOM,
                ProtectiveMeasureKind.URGENT_EMERGENCY,
            ]
        )
        if urgent:
            kind = ProtectiveMeasureKind.URGENT_EMERGENCY
        court = rng.choice(["서울서부지방법원", "서울중앙지방법원", "서울동부지방법원"])
        station = rng.choice(["서울마포경찰서", "서울강남경찰서", "서울송파경찰서"])
        months = 1 if kind == ProtectiveMeasureKind.URGENT_EMERGENCY else rng.choice([2, 3])
        number = rng.randint(100, 9999)

        def run() -> None:
            today = clock.today_in_seoul()
            protective_measure_record(
                case_id=case_id(),
                actor=actor,
                data=MeasureInput(
                    kind=kind,
                    issued_by=station if kind == ProtectiveMeasureKind.URGENT_EMERGENCY else court,
                    decision_ref=f"{today.year}초기{number}",
                    starts_on=today,
                    ends_on=latest_end(today, months),
                ),
            )

        return run

    def _breach_step(self, case_id: Callable[[], UUID], actor: Staff) -> Callable[[], None]:
        def run() -> None:
            measure = (
                ProtectiveMeasure.objects.filter(case_id=case_id(), ended_on__isnull=True)
                .exclude(kind=ProtectiveMeasureKind.EMERGENCY)
                .order_by("-starts_on")
                .first()
            )
            if measure is None or (measure.ends_on and measure.ends_on < clock.today_in_seoul()):
                return
            incident_record(
                case_id=case_id(),
                actor=actor,
                occurred_at=clock.now() - dt.timedelta(hours=3),
                behaviours=[],
                source="victim",
                note="접근금지 중인데 집 앞 골목에서 기다리고 있었다고 피해자가 알려 옴. 112 신고.",
                measure_id=measure.pk,
            )

        return run

    def _consent_step(
        self, case_id: Callable[[], UUID], actor: Staff, outcome: str
    ) -> Callable[[], None]:
        """The victim agrees to share with counseling and legal providers; the lead records a
        disclosure to the counseling center before calling it; some later withdraw."""

        def run() -> None:
            grant = consent_record(
                case_id=case_id(),
                actor=actor,
                data=ConsentInput(
                    purpose="share_with_providers",
                    recipient_kinds=("counseling", "legal"),
                    data_categories=["identity", "contact", "incident"],
                    method="signed_form",
                    given_at=clock.now() - dt.timedelta(minutes=20),
                    note="지원 계획 상담 중 서면 동의",
                ),
            )
            disclosure_record(
                case_id=case_id(),
                actor=actor,
                recipient_agency_id=Agency.objects.get(code="counseling-maeum").pk,
                purpose="share_with_providers",
                categories=["identity", "contact"],
                via="phone",
                what="심리상담 첫 회기 예약을 위해 이름과 연락처 전달",
            )
            if outcome == "withdrawn":
                consent_withdraw(
                    case_id=case_id(), grant_id=grant.pk, actor=actor, note="피해자가 전화로 철회"
                )

        return run

    def _repeat_call_step(self, case_id: Callable[[], UUID], plan: CasePlan) -> Callable[[], None]:
        def run() -> None:
            first = plan.intake
            call = IntakeInput(
                channel=Channel.HOTLINE,
                name=first.name,
                phone=first.phone,
                birth_year=first.birth_year,
                gender=first.gender,
                relationship=first.relationship,
                summary="야간에 1366으로 전화: 가해자가 회사 앞에 다시 나타남. "
                "담당 사례관리자에게 전달하기로 함.",
                started_at=clock.now() - dt.timedelta(minutes=12),
            )
            intake_submit(actor=self.staff["counselor2"], data=call, attach_to_case_id=case_id())

        return run

    def _note_step(
        self, case_id: Callable[[], UUID], actor: Staff, text: str
    ) -> Callable[[], None]:
        def run() -> None:
            case_note_add(case_id=case_id(), actor=actor, note=text)

        return run

    def _contact_step(
        self, case_id: Callable[[], UUID], actor: Staff, channel: str, text: str
    ) -> Callable[[], None]:
        def run() -> None:
            case_contact_log(case_id=case_id(), actor=actor, channel=channel, summary=text)

        return run

    def _withdrawn_step(self, case_id: Callable[[], UUID], actor: Staff) -> Callable[[], None]:
        def run() -> None:
            case_complaint_withdrawn_record(
                case_id=case_id(),
                actor=actor,
                note="가해자 가족의 합의 요구로 피해자가 고소를 취하함. "
                "스토킹은 반의사불벌죄가 아니므로 수사와 지원은 계속됨.",
            )

        return run


INCIDENT_NOTES = [
    "밤 11시부터 새벽 2시까지 전화가 계속 옴. 받지 않자 문자로 욕설.",
    "회사 로비에서 퇴근 시간에 기다리고 있었음. 동료가 함께 나감.",
    "피해자 친구에게 연락해 새 주소를 물어봄.",
    "SNS에 피해자 사진과 직장 이름을 올렸다가 삭제함.",
    "집 현관 앞에 꽃과 편지를 두고 감.",
    "차량으로 피해자 버스를 따라옴.",
]


class _ConferenceSeries:
    """Last month's case conference (held, minutes closed, actions of which some are late)
    and the next one, in two days, to which the open actions rolled. The cases are the
    center's high-risk ones at the time, found when the step runs."""

    def __init__(self, loader: _Loader) -> None:
        self.loader = loader
        self.state: dict[str, Any] = {}

    def schedule(self) -> None:
        now = self.loader.now
        planned = now - dt.timedelta(days=30)
        meeting_day = planned.astimezone(clock.SEOUL).date() + dt.timedelta(days=2)
        self.state["first_at"] = self._seoul_at(meeting_day, 14)
        self.loader.at(planned, self._first_meeting_planned)
        # the minutes are written up and closed the afternoon of the meeting
        self.loader.at(self._seoul_at(meeting_day, 17), self._first_meeting_held)
        self.loader.at(now - dt.timedelta(days=10), self._second_meeting_planned)

    def _seoul_at(self, day: dt.date, hour: int) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour), tzinfo=clock.SEOUL)

    def _first_meeting_planned(self) -> None:
        boss = self.loader.staff["supervisor"]
        meeting = conference_schedule(
            actor=boss, scheduled_at=self.state["first_at"], chair_id=boss.pk
        )
        for code in ("police-mapo", "counseling-maeum"):
            conference_attendee_add(
                conference_id=meeting.pk,
                actor=boss,
                agency_id=Agency.objects.get(code=code).pk,
                staff_id=None,
                name="이○○ 경위" if code == "police-mapo" else "정○○ 상담실장",
                role="여성청소년과 담당 경찰관" if code == "police-mapo" else "상담 전문가",
            )
        conference_attendee_add(
            conference_id=meeting.pk,
            actor=boss,
            agency_id=boss.agency_id,
            staff_id=self.loader.staff["profiler"].pk,
            name="",
            role="범죄심리 전문가",
        )
        cases = (
            Case.objects.filter(agency_id=boss.agency_id, risk_level__in=["high", "very_high"])
            .exclude(status=CaseStatus.CLOSED)
            .order_by("risk_assessed_at")[:3]
        )
        items = []
        for case in cases:
            referral = referral_create(
                case_id=case.pk,
                actor=boss,
                note="위험 평가 높음. 경찰·상담기관과 안전 계획을 함께 세울 필요가 있음.",
            )
            items.append(
                referral_accept(referral_id=referral.pk, conference_id=meeting.pk, actor=boss)
            )
        self.state["first"] = meeting.pk
        self.state["items"] = [item.pk for item in items]

    def _first_meeting_held(self) -> None:
        boss = self.loader.staff["supervisor"]
        police = Agency.objects.get(code="police-mapo")
        today = clock.today_in_seoul()
        for position, item_id in enumerate(self.state.get("items", [])):
            pre_meeting_info_add(
                agenda_item_id=item_id,
                actor=boss,
                agency_id=police.pk,
                facts="최근 한 달 112 신고 2건. 긴급응급조치 후 잠정조치 신청 중.",
                opinion="가해자가 조치를 가볍게 여기는 태도. 재범 가능성 높다고 봄.",
                withheld="가해자 전과 세부 내용: 수사 중이라 공유하지 않음.",
            )
            decision_add(
                agenda_item_id=item_id,
                actor=boss,
                text="민간 경호 연계를 검토하고, 피해자 주거지 주변 순찰 강화를 경찰에 요청함.",
            )
            # one action due soon, one already late, one done at the meeting's follow-up
            for what, agency_code, days in (
                (
                    "관할 지구대에 주거지 순찰 강화 요청 공문 발송",
                    "police-mapo",
                    30 + position,
                ),
                ("피해자 안전 계획 재점검 상담 (주 1회, 4주)", "seoul-onestop", 20),
                ("민간 경호 지원 가능 여부 확인 후 피해자에게 안내", "seoul-onestop", 10),
            ):
                action_add(
                    agenda_item_id=item_id,
                    actor=boss,
                    what=what,
                    agency_id=Agency.objects.get(code=agency_code).pk,
                    owner_id=self.loader.staff["manager1"].pk
                    if agency_code == "seoul-onestop"
                    else None,
                    due_on=today + dt.timedelta(days=days),
                )
        meeting_id = self.state.get("first")
        if meeting_id is None:
            return
        conference_mark_held(conference_id=meeting_id, actor=boss)
        done = Action.objects.filter(
            agenda_item__conference_id=meeting_id, due_on__lte=today + dt.timedelta(days=10)
        ).order_by("created_at")
        for action in done[:2]:
            action_complete(action_id=action.pk, actor=boss)
        conference_close_minutes(conference_id=meeting_id, actor=boss)

    def _second_meeting_planned(self) -> None:
        boss = self.loader.staff["supervisor"]
        conference_schedule(
            actor=boss,
            scheduled_at=self._seoul_at(clock.today_in_seoul() + dt.timedelta(days=12), 14),
            chair_id=boss.pk,
        )


# Police referrals of the last days, sent through the real referral service as a police system
# would: (hours ago, police risk grade, who took it ("" = waiting), consent purposes).
REFERRALS: list[tuple[float, str, str, list[str]]] = [
    (50.0, "high", "counselor1", ["support_services", "share_with_police"]),
    (5.0, "very_high", "", ["support_services"]),
    (0.7, "medium", "", ["support_services", "share_with_providers"]),
]
REFERRAL_SUMMARIES = [
    "이별 통보 후 하루 수십 통의 전화와 메시지, 회사 앞에서 기다림. 112 신고 후 긴급응급조치.",
    "전 남자친구가 새벽에 집 현관 도어록을 여러 차례 누름. 흉기를 언급하는 메시지를 보냄.",
    "SNS로 알게 된 사람이 피해자의 주소를 알아내 선물을 두고 감. 지인들에게도 연락함.",
]


class _ReferralSender:
    """Demo police referrals, sent through ``police_referral_receive`` like a police system's."""

    def __init__(self, loader: _Loader, people: _People) -> None:
        self.loader = loader
        self.people = people
        self.key: ApiKey | None = None
        self.opened = 0  # cases the referrals opened

    def schedule(self) -> None:
        rng = random.Random(f"{SEED}-referrals")  # noqa: S311  (synthetic data)
        for index, (hours_ago, grade, taker, purposes) in enumerate(REFERRALS):
            moment = self.loader.now - dt.timedelta(hours=hours_ago)
            payload = self._payload(rng, index, moment, grade, purposes)
            self.loader.at(moment, self._send(index, payload, taker))

    def _payload(
        self, rng: random.Random, index: int, moment: dt.datetime, grade: str, purposes: list[str]
    ) -> dict[str, object]:
        birth_year = rng.randint(1988, 2002)
        reported = moment - dt.timedelta(minutes=rng.randint(40, 90))
        return {
            "police_report_id": f"SMPA-{moment.astimezone(clock.SEOUL):%Y}-{9100 + index:06d}",
            "reported_at": reported.isoformat(),
            "station": "서울마포경찰서",
            "officer": {"name": "경위 황성민", "phone": "02-3149-0000"},
            "victim": {
                "name": self.people.name(Gender.FEMALE, birth_year),
                "phone": self.people.phone(),
                "birth_year": birth_year,
                "gender": "female",
                "address": f"서울특별시 마포구 {rng.choice(['망원', '연남', '합정'])}동 (데모)",
                "safe_contact": {"method": "sms", "from": "18:00", "to": "22:00"},
            },
            "perpetrator": {"relationship": "former_partner"},
            "behaviours": ["communication", "watching_waiting"],
            "summary": REFERRAL_SUMMARIES[index],
            "police_risk_grade": grade,
            "protection_recommended": grade in ("high", "very_high"),
            "protective_measures": [
                {"kind": "urgent_emergency", "from": f"{reported.astimezone(clock.SEOUL):%Y-%m-%d}"}
            ],
            "consent": {
                "given": True,
                "given_at": (reported + dt.timedelta(minutes=20)).isoformat(),
                "method": "signed_form",
                "purposes": purposes,
                "data_categories": ["identity", "contact", "incident", "risk", "address"],
                "officer_id": "MP-0412",
            },
        }

    def _send(self, index: int, payload: dict[str, object], taker: str) -> Callable[[], None]:
        def run() -> None:
            if self.key is None:
                self.key, _raw = apikey_issue(
                    actor=None, agency_code="police-mapo", scope="police_referral"
                )
            data = parse_police_referral(payload)
            answer = police_referral_receive(
                api_key=self.key,
                idempotency_key=f"demo-referral-{index}",
                body_digest=request_digest(payload),
                data=data,
            )
            if answer.referral.outcome != "attached":
                self.opened += 1
            if taker:
                staff = self.loader.staff[taker]
                staff_set_on_duty(actor=staff, on_duty=True)  # her shift: she takes referrals
                police_referral_take(actor=staff, referral_id=answer.referral.pk)

        return run


def demo_present() -> bool:
    return Agency.objects.filter(code=MARKER_AGENCY).exists()


def demo_logins() -> list[DemoLogin]:
    """The demo logins that exist in this database."""
    existing = set(
        Staff.objects.filter(username__in=[login.username for login in LOGINS]).values_list(
            "username", flat=True
        )
    )
    return [login for login in LOGINS if login.username in existing]


@transaction.atomic
def demo_load(*, now: dt.datetime | None = None) -> DemoResult:
    """Load the demo data set, unless it is already there (then change nothing). All or
    nothing: one transaction."""
    if demo_present():
        return DemoResult(created=False, logins=demo_logins())
    real_now = now or clock.now()
    rng = random.Random(SEED)  # noqa: S311  (synthetic data, not security)
    loader = _Loader(rng, real_now)
    start = real_now - dt.timedelta(days=HISTORY_DAYS + 20)
    result = DemoResult(created=True, logins=list(LOGINS))
    with _simulated_clock(start) as set_time:
        has_default = Agency.objects.filter(is_default_center=True).exists()
        for code, kind, name, region, default_center in AGENCIES:
            agency_add(
                actor=None,
                code=code,
                kind=kind,
                name=name,
                region=region,
                default_center=default_center and not has_default,
            )
        if has_default:
            result.notes.append(
                "another agency is already the default center; "
                f"{MARKER_AGENCY} was added without --default-center"
            )
        for login in LOGINS:
            loader.staff[login.username] = staff_add(
                actor=None,
                agency_code=login.agency,
                username=login.username,
                role=login.role,
                password=DEMO_PASSWORD,
                display_name=login.display_name,
            )
        for index, plan in enumerate(_plans(rng)):
            loader.schedule(index, plan)
        referral_people = _People(random.Random(f"{SEED}-referral-people"))  # noqa: S311
        referrals = _ReferralSender(loader, referral_people)
        referrals.schedule()
        _ConferenceSeries(loader).schedule()
        SupportSeries(loader).schedule()
        EvidenceSeries(loader).schedule()
        PortalSeries(loader).schedule()
        DeletionSeries(loader).schedule()
        for step in sorted(loader.steps):
            set_time(step.at)
            step.run()
    result.cases = len(loader.cases) + referrals.opened
    return result


def logins_table(logins: list[DemoLogin]) -> list[str]:
    """The login table as lines of text."""
    rows = [("username", "role", "agency", "name")]
    rows += [(x.username, x.role, x.agency, x.display_name) for x in logins]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return [
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3])) + "  " + row[3]
        for row in rows
    ]
