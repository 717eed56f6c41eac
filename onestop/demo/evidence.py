"""The demo's evidence: a high-risk case of the center holds a KakaoTalk chat export (six weeks
of messages from the man she left, made up here) and his calls in a call log, both imported into
its incident log by its case manager, and a photo of what he left at her door. Everything is
invented; the texts carry no real person's data."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Protocol
from uuid import UUID

from onestop.accounts.models import Staff
from onestop.cases.models import Case, CaseStatus, CaseTeamMember, TeamRole
from onestop.core import clock
from onestop.evidence.services import evidence_file_add, evidence_import

SENDER = "이○○"
NUMBER = "010-4821-7730"
LINES = ("왜 전화 안 받아", "집 앞이야", "나와", "한 번만 얘기하자", "사진", "누구랑 있어")
# A 1x1 JPEG: the "photo" the demo keeps (a real photo would be the victim's own).
PHOTO = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d0c0b0b0c19"
    "12130f141d1a1f1e1d1a1c1c20242e2720222c231c1c2837292c30313434341f27393d38323c2e333432ffc0000b08"
    "0001000101011100ffc4001f0000010501010101010100000000000000000102030405060708090a0bffc400b51000"
    "02010303020403050504040000017d01020300041105122131410613516107227114328191a1082342b1c11552d1f0"
    "2433627282090a161718191a25262728292a3435363738393a434445464748494a535455565758595a636465666768"
    "696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3"
    "c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9faffda0008010100003f00fb"
    "d3ffd9"
)


class Loader(Protocol):
    now: dt.datetime
    staff: dict[str, Staff]

    def at(self, moment: dt.datetime, run: Callable[[], None]) -> None: ...


def _korean_time(moment: dt.datetime) -> str:
    half = "오전" if moment.hour < 12 else "오후"
    day = f"{moment.year}년 {moment.month}월 {moment.day}일"
    return f"{day} {half} {moment.hour % 12 or 12}:{moment.minute:02d}"


def chat_export(rng: random.Random, start: dt.date, days: int) -> bytes:
    lines = [
        f"{SENDER} 님과 카카오톡 대화",
        f"저장한 날짜 : {_korean_time(clock.now().astimezone(clock.SEOUL))}",
        "",
    ]
    for offset in range(days):
        day = start + dt.timedelta(days=offset)
        burst = rng.choice([0, 0, 2, 5, 12, 30, 55])
        moments = sorted(
            dt.datetime.combine(day, dt.time(rng.randint(0, 23), rng.randint(0, 59)))
            for _ in range(burst)
        )
        for moment in moments:
            lines.append(f"{_korean_time(moment)}, {SENDER} : {rng.choice(LINES)}")
        if burst and rng.random() < 0.3:
            lines.append(f"{_korean_time(moments[-1])}, 나 : 연락하지 마")
    return "\n".join(lines).encode()


def call_log(rng: random.Random, start: dt.date, days: int) -> bytes:
    rows = ["일시,전화번호,이름,유형,통화시간"]
    for offset in range(days):
        day = start + dt.timedelta(days=offset)
        for _ in range(rng.choice([0, 0, 1, 4, 9, 20])):
            moment = dt.datetime.combine(day, dt.time(rng.randint(0, 23), rng.randint(0, 59)))
            rows.append(f"{moment:%Y-%m-%d %H:%M:%S},{NUMBER},,{rng.choice(['부재중', '거절'])},0")
        if rng.random() < 0.2:
            rows.append(f"{day:%Y-%m-%d} 18:30:00,010-2000-3000,엄마,발신,95")
    return "\n".join(rows).encode()


def evidence_case() -> tuple[UUID, Staff] | None:
    """The demo's high-risk open case that keeps evidence (and uses the portal), with its lead."""
    cases = (
        Case.objects.filter(agency__code="seoul-onestop", risk_level__in=["high", "very_high"])
        .exclude(status=CaseStatus.CLOSED)
        .order_by("opened_at")
    )
    for case in cases:
        lead = CaseTeamMember.objects.filter(case=case, role=TeamRole.LEAD).first()
        if lead is not None:
            return case.pk, lead.staff
    return None


class EvidenceSeries:
    def __init__(self, loader: Loader) -> None:
        self.loader = loader
        self.rng = random.Random("onestop-demo-evidence")  # noqa: S311  (synthetic data)

    def schedule(self) -> None:
        self.loader.at(self.loader.now - dt.timedelta(days=3, hours=5), self._run)

    def _run(self) -> None:
        found = evidence_case()
        if found is None:
            return
        case_id, lead = found
        days = 42
        start = clock.today_in_seoul() - dt.timedelta(days=days + 1)
        chat = evidence_file_add(
            actor=lead,
            case_id=case_id,
            name="KakaoTalk_Chat_이○○.txt",
            data=chat_export(self.rng, start, days),
            description="피해자 휴대전화의 카카오톡 대화 내보내기",
        )
        evidence_import(actor=lead, file_id=chat.pk, subject=SENDER)
        calls = evidence_file_add(
            actor=lead,
            case_id=case_id,
            name="통화기록.csv",
            data=call_log(self.rng, start, days),
            description="피해자 휴대전화 통화 기록",
        )
        evidence_import(actor=lead, file_id=calls.pk, subject=NUMBER)
        evidence_file_add(
            actor=lead,
            case_id=case_id,
            name="현관_앞.jpg",
            data=PHOTO,
            description="현관 앞에 놓고 간 꽃다발 (예시 이미지)",
        )
