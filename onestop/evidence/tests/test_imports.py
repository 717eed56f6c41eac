"""Importing a chat export or a call log kept as evidence: a preview of who is in it, one
incident per day of the stalker's contacts (with how many), one timeline entry for the whole
import, the per-day counts kept for the chart, the file untouched; wrong choices refused with
nothing written; a file imported once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from onestop.accounts.models import Staff
from onestop.audit.models import AuditEntry
from onestop.cases.models import Case, CaseEvent, EventKind, Incident
from onestop.core.errors import ValidationFailed
from onestop.evidence.charts import daily_chart_svg
from onestop.evidence.models import EvidenceImport
from onestop.evidence.services import (
    evidence_file_add,
    evidence_file_open,
    evidence_import,
    evidence_import_preview,
)

pytestmark = pytest.mark.django_db

CHAT = """이○○ 님과 카카오톡 대화
저장한 날짜 : 2024년 3월 9일 오전 11:29

2024년 3월 8일 오후 11:02, 이○○ : 왜 전화 안 받아
2024년 3월 8일 오후 11:03, 이○○ : 집 앞이야
2024년 3월 8일 오후 11:04, 김지영 : 연락하지 마
2024년 3월 10일 오전 9:00, 이○○ : 사진
""".encode()

CALLS = """일시,전화번호,유형,통화시간
2024-03-08 23:02:11,010-1234-5678,부재중,0
2024-03-08 23:05:40,010-1234-5678,거절,0
2024-03-09 08:00:00,010-9999-0000,발신,30
""".encode()


@pytest.fixture
def case(open_case: Callable[..., Case], manager: Staff) -> Case:
    return open_case(manager)


def test_a_chat_becomes_one_incident_per_day_of_his_messages(
    case: Case, manager: Staff, evidence_path: Path
) -> None:
    record = evidence_file_add(actor=manager, case_id=case.pk, name="chat.txt", data=CHAT)
    preview = evidence_import_preview(actor=manager, file_id=record.pk)
    assert (preview.kind, preview.layout) == ("kakaotalk", "phone_ko_old")
    assert preview.subjects == [("이○○", 3), ("김지영", 1)]
    events_before = CaseEvent.objects.filter(case=case).count()
    imported = evidence_import(actor=manager, file_id=record.pk, subject="이○○")
    assert imported.daily == [
        {"day": "2024-03-08", "count": 2, "other": 0},
        {"day": "2024-03-10", "count": 1, "other": 1},
    ]
    assert imported.total == 3
    incidents = Incident.objects.filter(case=case).order_by("occurred_at")
    assert [(i.count, i.behaviours, i.source) for i in incidents] == [
        (2, ["communication"], "victim"),
        (1, ["communication"], "victim"),
    ]
    assert "메시지 2건" in incidents[0].note
    new_events = CaseEvent.objects.filter(case=case).exclude(kind=EventKind.EVIDENCE_ADDED)
    assert new_events.count() - (events_before - 1) == 1  # one entry for the whole import
    entry = CaseEvent.objects.filter(case=case, kind=EventKind.INCIDENT_RECORDED).get()
    assert entry.data["imported"] == 2
    assert entry.data["count"] == 3
    # the file is as it was
    _, data = evidence_file_open(actor=manager, file_id=record.pk)
    assert data == CHAT
    assert AuditEntry.objects.filter(action="evidence.import").count() == 1


def test_a_call_log_counts_his_number_only(case: Case, manager: Staff) -> None:
    record = evidence_file_add(actor=manager, case_id=case.pk, name="calls.csv", data=CALLS)
    imported = evidence_import(actor=manager, file_id=record.pk, subject="010 1234 5678")
    assert imported.kind == "call_log"
    assert imported.daily == [{"day": "2024-03-08", "count": 2, "other": 2}]
    assert Incident.objects.get(case=case).count == 2


def test_wrong_choices_and_a_second_import_write_nothing(case: Case, manager: Staff) -> None:
    record = evidence_file_add(actor=manager, case_id=case.pk, name="chat.txt", data=CHAT)
    before = Incident.objects.count(), EvidenceImport.objects.count()
    with pytest.raises(ValidationFailed) as caught:
        evidence_import(actor=manager, file_id=record.pk, subject="박○○")
    assert caught.value.errors[0].field == "subject"
    assert "이○○" in caught.value.errors[0].message
    assert (Incident.objects.count(), EvidenceImport.objects.count()) == before
    evidence_import(actor=manager, file_id=record.pk, subject="이○○")
    with pytest.raises(ValidationFailed) as again:
        evidence_import(actor=manager, file_id=record.pk, subject="이○○")
    assert again.value.errors[0].code == "imported"


def test_a_text_that_is_neither_is_refused(case: Case, manager: Staff) -> None:
    record = evidence_file_add(
        actor=manager, case_id=case.pk, name="memo.txt", data="그냥 메모입니다.".encode()
    )
    with pytest.raises(ValidationFailed) as caught:
        evidence_import_preview(actor=manager, file_id=record.pk)
    assert caught.value.errors[0].code == "unreadable"


def test_the_chart_has_a_bar_per_day_with_contacts() -> None:
    svg = daily_chart_svg(
        [{"day": "2024-03-08", "count": 52}, {"day": "2024-03-10", "count": 7}],
        label="하루 연락 횟수",
    )
    assert svg.startswith("<svg")
    assert svg.count("<rect") == 2
    assert "2024-03-08: 52" in svg
    assert 'aria-label="하루 연락 횟수"' in svg
    assert "<script" not in svg
    assert daily_chart_svg([], label="x") == ""
