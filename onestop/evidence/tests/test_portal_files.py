"""Her files in the portal: she downloads her own originals (untouched, under a name that says
nothing, each download on the chain of custody); another case's file, or one staff added, is
not found and leaves no trace; her KakaoTalk export becomes one incident per day of his messages
after she says which sender is him (one timeline entry); a file that is not one refuses with
nothing kept; her copy of the packet PDF shows her downloads in its chain of custody."""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from onestop.accounts.models import Staff
from onestop.audit.models import AuditEntry
from onestop.cases.models import Case, CaseEvent, Incident
from onestop.cases.services import incident_record_by_victim
from onestop.core import clock
from onestop.core.errors import ValidationFailed
from onestop.evidence.calllog import normalise_number
from onestop.evidence.models import EvidenceFile, EvidenceImport
from onestop.evidence.services import evidence_file_add, evidence_file_add_by_victim

from .portal import signed_in
from .test_imports import CALLS, CHAT

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100


@pytest.fixture
def case(open_case: Callable[..., Case], manager: Staff) -> Case:
    return open_case(manager)


@pytest.fixture
def other_case(open_case: Callable[..., Case], manager: Staff) -> Case:
    return open_case(manager, name="박서연", phone="010-9876-5432", birth_year=1990)


@pytest.fixture
def her(case: Case) -> Client:
    return signed_in(case)


def custody(record: EvidenceFile) -> list[tuple[str, str, str]]:
    return [
        (e.action, e.actor_label, str(e.data.get("purpose", "")))
        for e in AuditEntry.objects.filter(target_id=str(record.pk)).order_by("seq")
    ]


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_she_downloads_her_own_original_and_it_is_on_the_custody_record(
    her: Client, case: Case
) -> None:
    record = evidence_file_add_by_victim(case=case, name="집 앞.jpg", data=JPEG)
    answer = her.post(reverse("portal:evidence_download"), {"file_id": str(record.pk)})
    assert answer.status_code == 200
    assert answer.content == JPEG
    assert answer["Content-Type"] == "image/jpeg"
    assert answer["Cache-Control"] == "no-store"
    assert answer["X-Content-Type-Options"] == "nosniff"
    disposition = answer["Content-Disposition"]
    assert re.fullmatch(r'attachment; filename="file-\d{8}-[0-9a-f]{8}\.jpg"', disposition)
    assert "집" not in disposition
    assert custody(record) == [
        ("evidence.add", "portal", ""),
        ("evidence.view", "portal", "download"),
    ]
    entry = AuditEntry.objects.filter(action="evidence.view").get()
    assert entry.actor_id is None


def test_only_her_own_files_open(her: Client, case: Case, other_case: Case, manager: Staff) -> None:
    someone_elses = evidence_file_add_by_victim(case=other_case, name="a.jpg", data=JPEG)
    staffs = evidence_file_add(actor=manager, case_id=case.pk, name="경찰 자료.png", data=PNG)
    before = AuditEntry.objects.count()
    for file_id in (str(someone_elses.pk), str(staffs.pk), str(uuid.uuid4()), "../../etc"):
        answer = her.post(reverse("portal:evidence_download"), {"file_id": file_id})
        assert answer.status_code == 404
        assert answer["Cache-Control"] == "no-store"
        assert "<title>생활 안내</title>" in answer.content.decode()
    assert AuditEntry.objects.count() == before  # nothing opened, nothing recorded
    # and her page lists only what she added
    page = her.get(reverse("portal:evidence")).content.decode()
    assert str(staffs.pk) not in page
    assert str(someone_elses.pk) not in page
    assert "경찰 자료" not in page


def test_a_download_needs_a_post(her: Client, case: Case) -> None:
    record = evidence_file_add_by_victim(case=case, name="a.jpg", data=JPEG)
    answer = her.get(reverse("portal:evidence_download"), {"file_id": str(record.pk)})
    assert answer.status_code == 405
    assert custody(record) == [("evidence.add", "portal", "")]


def test_her_chat_export_becomes_her_incidents_after_she_names_him(
    her: Client, case: Case, manager: Staff
) -> None:
    # she uploads the export: it is kept, and she sees who is in it with how many messages
    answer = her.post(
        reverse("portal:evidence_import"),
        {"step": "upload", "file": SimpleUploadedFile("KakaoTalk_20240309.txt", CHAT)},
    )
    assert answer.status_code == 200
    record = EvidenceFile.objects.get(case=case)
    assert (record.source, record.kind) == ("portal", "text")
    text = answer.content.decode()
    assert "이○○ — 3건" in text
    assert "김지영 — 1건" in text
    assert f'value="{record.pk}"' in text  # the file travels in the form, not the address
    assert str(record.pk) not in answer.request["PATH_INFO"]
    events_before = CaseEvent.objects.filter(case=case).count()
    # she picks him
    answer = her.post(
        reverse("portal:evidence_import"),
        {"step": "choose", "file_id": str(record.pk), "subject": "이○○"},
    )
    assert answer.status_code == 302
    incidents = Incident.objects.filter(case=case).order_by("occurred_at")
    assert [(i.count, i.behaviours, i.source, i.recorded_by_id) for i in incidents] == [
        (2, ["communication"], "self_reported", None),
        (1, ["communication"], "self_reported", None),
    ]
    new_events = CaseEvent.objects.filter(case=case).count() - events_before
    assert new_events == 1  # one timeline entry for the whole import
    event = CaseEvent.objects.get(case=case, kind="incident_recorded")
    assert (event.data["imported"], event.data["by"], event.actor_id) == (2, "portal", None)
    imported = EvidenceImport.objects.get(file=record)
    assert (imported.imported_by_id, imported.imported_by_label, imported.total) == (
        None,
        "portal",
        3,
    )
    assert ("evidence.import", "portal", "") in custody(record)
    # her page shows the per-day chart
    page = her.get(reverse("portal:evidence")).content.decode()
    assert 'class="daily-chart"' in page
    assert "2024-03-08: 2" in page
    # a second import of the same file is refused, nothing added
    answer = her.post(
        reverse("portal:evidence_import"),
        {"step": "choose", "file_id": str(record.pk), "subject": "이○○"},
    )
    assert answer.status_code == 422
    assert "이미 가져왔습니다" in answer.content.decode()
    assert Incident.objects.filter(case=case).count() == 2


def test_a_call_log_needs_a_number_from_the_file(her: Client, case: Case) -> None:
    his = normalise_number("010-1234-5678")
    answer = her.post(
        reverse("portal:evidence_import"),
        {"step": "upload", "file": SimpleUploadedFile("calls.csv", CALLS)},
    )
    assert f'value="{his}"' in answer.content.decode()
    record = EvidenceFile.objects.get(case=case)
    before = Incident.objects.count(), CaseEvent.objects.count()
    answer = her.post(
        reverse("portal:evidence_import"),
        {"step": "choose", "file_id": str(record.pk), "subject": "010-0000-0000"},
    )
    assert answer.status_code == 422
    assert (Incident.objects.count(), CaseEvent.objects.count()) == before
    answer = her.post(
        reverse("portal:evidence_import"),
        {"step": "choose", "file_id": str(record.pk), "subject": his},
    )
    assert answer.status_code == 302
    assert [i.count for i in Incident.objects.filter(case=case)] == [2]


def test_a_file_that_is_no_chat_or_call_log_is_not_kept(
    her: Client, case: Case, evidence_path: Path
) -> None:
    for name, data, says in (
        ("photo.jpg", JPEG, "카카오톡 대화 내보내기(.txt)나 통화 기록(.csv)만"),
        ("memo.txt", "그냥 메모입니다\n오늘 있었던 일\n".encode(), "읽을 수 없습니다"),
    ):
        answer = her.post(
            reverse("portal:evidence_import"),
            {"step": "upload", "file": SimpleUploadedFile(name, data)},
        )
        assert answer.status_code == 422
        assert says in answer.content.decode()
    assert EvidenceFile.objects.count() == 0
    assert not evidence_path.exists() or not any(evidence_path.iterdir())


def test_another_cases_file_cannot_be_imported(
    her: Client, other_case: Case, manager: Staff
) -> None:
    theirs = evidence_file_add_by_victim(case=other_case, name="chat.txt", data=CHAT)
    before = Incident.objects.count(), AuditEntry.objects.count()
    for step in ("preview", "choose"):
        answer = her.post(
            reverse("portal:evidence_import"),
            {"step": step, "file_id": str(theirs.pk), "subject": "이○○"},
        )
        assert answer.status_code == 404
    assert (Incident.objects.count(), AuditEntry.objects.count()) == before


def test_her_packet_shows_her_downloads_in_the_chain_of_custody(her: Client, case: Case) -> None:
    record = evidence_file_add_by_victim(case=case, name="집 앞.jpg", data=JPEG)
    her.post(reverse("portal:evidence_download"), {"file_id": str(record.pk)})
    answer = her.post(reverse("portal:evidence_packet"), {"purpose": "police"})
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/pdf"
    assert answer["Cache-Control"] == "no-store"
    today = clock.today_in_seoul()
    assert answer["Content-Disposition"] == f'attachment; filename="document-{today:%Y%m%d}.pdf"'
    text = text_of(answer.content)
    flat = re.sub(r"\s", "", text)
    assert "증거자료묶음" in flat
    assert "피해자본인(포털)" in flat
    assert "열람(download)" in flat
    assert record.sha256[:32] in text.replace("\n", "")
    assert case.victim.name not in text
    packed = AuditEntry.objects.filter(action="evidence.packet")
    assert packed.count() == 2  # her file, and the case
    assert {(e.actor_id, e.actor_label, e.data["purpose"]) for e in packed} == {
        (None, "portal", "police")
    }


def test_a_packet_needs_a_purpose_she_may_choose(her: Client, case: Case) -> None:
    before = AuditEntry.objects.filter(action="evidence.packet").count()
    for purpose in ("", "other"):
        answer = her.post(reverse("portal:evidence_packet"), {"purpose": purpose})
        assert answer.status_code == 422
        assert answer["Cache-Control"] == "no-store"
    assert AuditEntry.objects.filter(action="evidence.packet").count() == before


def test_she_cannot_attach_a_file_to_another_cases_incident(
    case: Case, other_case: Case, manager: Staff, evidence_path: Path
) -> None:
    theirs = incident_record_by_victim(
        case=other_case,
        occurred_at=clock.now(),
        behaviours=["communication"],
        count=1,
        place="",
        note="",
    )
    before = EvidenceFile.objects.count(), AuditEntry.objects.count()
    with pytest.raises(ValidationFailed) as caught:
        evidence_file_add_by_victim(case=case, name="a.jpg", data=JPEG, incident_id=theirs.pk)
    assert [e.field for e in caught.value.errors] == ["incident"]
    assert (EvidenceFile.objects.count(), AuditEntry.objects.count()) == before
    assert not evidence_path.exists() or not any(evidence_path.iterdir())
