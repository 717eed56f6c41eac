"""Her evidence log in the portal: the pages need her sign-in and are never cached; recording an
incident with a photo is one transaction (a refused file writes no incident, no row, no timeline
or audit entry and no bytes); a refusal shows every problem with everything she typed kept;
the form works without JavaScript on a phone (plain date and time inputs, a file input that does
not force the camera); staff see what she recorded as hers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from onestop.accounts.models import Staff
from onestop.audit.models import AuditEntry
from onestop.cases.models import Case, CaseEvent, Incident
from onestop.cases.services import case_transition, incident_record
from onestop.core import clock
from onestop.evidence.models import EvidenceFile

from .portal import signed_in

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4
ZIP = b"PK\x03\x04" + b"\x00" * 100
PLACE = "회사 지하 주차장 B2"
NOTE = "차 옆에서 한 시간 넘게 기다리고 있었음"


@pytest.fixture
def case(open_case: Callable[..., Case], manager: Staff) -> Case:
    return open_case(manager)


@pytest.fixture
def her(case: Case) -> Client:
    return signed_in(case)


def yesterday() -> dt.date:
    return clock.today_in_seoul() - dt.timedelta(days=1)


def typed(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "occurred_on": yesterday().isoformat(),
        "occurred_time": "22:40",
        "behaviours": ["watching_waiting", "bank_transfer_memo"],
        "count": "3",
        "place": PLACE,
        "note": NOTE,
    }
    data.update(overrides)
    return data


def written(directory: Path) -> tuple[int, int, int, int, int]:
    on_disk = len(list(directory.glob("*"))) if directory.exists() else 0
    return (
        Incident.objects.count(),
        EvidenceFile.objects.count(),
        CaseEvent.objects.count(),
        AuditEntry.objects.count(),
        on_disk,
    )


# the session, her access with its case, her files (with their imports), the imports, the
# incidents, and the session saved (with its savepoint): the same for 1 row or 1,000
QUERIES = 8
PAGES = ["portal:evidence", "portal:incident_add", "portal:evidence_import"]
POSTS = ["portal:evidence_download", "portal:evidence_packet"]


@pytest.mark.parametrize("name", PAGES + POSTS)
def test_every_page_needs_her_sign_in_and_is_never_cached(name: str) -> None:
    client = Client()
    answer = client.post(reverse(name)) if name in POSTS else client.get(reverse(name))
    assert answer.status_code == 302
    assert answer["Location"] == reverse("portal:sign_in")
    assert answer["Cache-Control"] == "no-store"


@pytest.mark.parametrize("name", PAGES)
def test_her_pages_are_neutral_private_and_quick_to_leave(her: Client, name: str) -> None:
    answer = her.get(reverse(name))
    text = answer.content.decode()
    assert answer.status_code == 200
    assert answer["Cache-Control"] == "no-store"
    assert answer["Referrer-Policy"] == "same-origin"
    assert "<title>생활 안내</title>" in text
    assert "data-quick-exit" in text


def test_a_staff_login_does_not_open_her_pages(client: Client, manager: Staff) -> None:
    client.force_login(manager)
    assert client.get(reverse("portal:evidence")).status_code == 302


def test_the_form_works_on_a_phone_without_javascript(her: Client) -> None:
    text = her.get(reverse("portal:incident_add")).content.decode()
    assert 'enctype="multipart/form-data"' in text
    assert 'type="date"' in text
    assert 'type="time"' in text
    assert 'accept="image/*,video/*,audio/*,.pdf,.txt,.csv"' in text
    assert "capture" not in text
    assert 'type="checkbox" name="behaviours" value="bank_transfer_memo"' in text
    assert "계좌로 돈을 보내며 메모로 말을 걸어옴" in text
    assert "중고거래 앱" in text


def test_she_records_an_incident_with_a_photo_in_one_go(
    her: Client, case: Case, manager: Staff, evidence_path: Path
) -> None:
    answer = her.post(
        reverse("portal:incident_add"),
        {**typed(), "file": SimpleUploadedFile("IMG_2024.jpg", JPEG, content_type="image/jpeg")},
    )
    assert answer.status_code == 302
    assert answer["Location"] == reverse("portal:evidence")
    incident = Incident.objects.get(case=case)
    assert incident.occurred_at == dt.datetime.combine(
        yesterday(), dt.time(22, 40), tzinfo=clock.SEOUL
    )
    assert (incident.source, incident.recorded_by_id, incident.count) == ("self_reported", None, 3)
    assert incident.behaviours == ["watching_waiting", "bank_transfer_memo"]
    assert (incident.place, incident.note) == (PLACE, NOTE)
    record = EvidenceFile.objects.get(case=case)
    assert (record.incident_id, record.source, record.uploaded_by_id) == (
        incident.pk,
        "portal",
        None,
    )
    assert (record.kind, record.name) == ("photo", "IMG_2024.jpg")
    assert len(list(evidence_path.glob("*.bin"))) == 1
    events = {e.kind: e for e in CaseEvent.objects.filter(case=case, actor__isnull=True)}
    assert events["incident_recorded"].data["by"] == "portal"
    assert events["evidence_added"].data["by"] == "portal"
    assert events["evidence_added"].data["incident"] == str(incident.pk)
    assert set(
        AuditEntry.objects.filter(actor_label="portal").values_list("action", flat=True)
    ) >= {"case.incident_record", "evidence.add"}
    # her page lists it with what she typed
    page = her.get(reverse("portal:evidence")).content.decode()
    assert PLACE in page
    assert NOTE in page
    assert "IMG_2024.jpg" in page
    assert record.sha256[:12] in page
    assert "내가 기록" in page
    # staff see it as hers: on the timeline, in the incident log and in the evidence panel
    staff = Client()
    staff.force_login(manager)
    case_page = staff.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "피해자가 포털에서 직접 기록" in case_page
    assert "피해자가 포털에서 올림" in case_page
    assert "피해자 직접 기록 (포털)" in case_page
    assert "피해자가 올림" in case_page
    assert PLACE in case_page


def test_a_refused_file_records_nothing_and_keeps_what_she_typed(
    her: Client, case: Case, evidence_path: Path
) -> None:
    before = written(evidence_path)
    answer = her.post(
        reverse("portal:incident_add"),
        {**typed(), "file": SimpleUploadedFile("archive.zip", ZIP)},
    )
    assert answer.status_code == 422
    assert written(evidence_path) == before
    assert not evidence_path.exists() or not any(evidence_path.iterdir())
    text = answer.content.decode()
    assert "이 형식의 파일은 받을 수 없습니다" in text
    assert "고른 파일은 다시 골라 주세요" in text
    # everything she typed is there again
    assert f'value="{yesterday().isoformat()}"' in text
    assert 'value="22:40"' in text
    assert 'value="3"' in text
    assert f'value="{PLACE}"' in text
    assert NOTE in text
    assert 'value="bank_transfer_memo" id="id_behaviours_5" checked' in text
    assert 'value="watching_waiting" id="id_behaviours_1" checked' in text


def test_a_file_over_the_limit_is_refused_with_nothing_written(
    her: Client, case: Case, evidence_path: Path, settings: Any
) -> None:
    settings.ONESTOP_EVIDENCE_MAX_FILE_BYTES = 1024
    before = written(evidence_path)
    answer = her.post(
        reverse("portal:incident_add"),
        {**typed(), "file": SimpleUploadedFile("big.jpg", JPEG)},
    )
    assert answer.status_code == 422
    assert "파일 하나는 1 KB까지 올릴 수 있습니다" in answer.content.decode()
    assert written(evidence_path) == before


def test_every_problem_is_shown_at_once(her: Client, evidence_path: Path) -> None:
    before = written(evidence_path)
    tomorrow = clock.today_in_seoul() + dt.timedelta(days=2)
    answer = her.post(
        reverse("portal:incident_add"),
        {
            **typed(occurred_on=tomorrow.isoformat(), behaviours=[], place="가" * 201),
            "file": SimpleUploadedFile("x.zip", ZIP),
        },
    )
    text = answer.content.decode()
    assert answer.status_code == 422
    assert "아직 오지 않은 일시입니다" in text
    assert "어떤 행동이었는지 하나 이상 고르세요" in text
    assert "장소는 200자 이하로 적어 주세요" in text
    assert "이 형식의 파일은 받을 수 없습니다" in text
    assert written(evidence_path) == before


def test_zero_times_is_refused_not_taken_as_once(her: Client, evidence_path: Path) -> None:
    before = written(evidence_path)
    answer = her.post(reverse("portal:incident_add"), typed(count="0"))
    assert answer.status_code == 422
    assert "횟수는 1에서 1,000,000 사이로 적어 주세요" in answer.content.decode()
    assert written(evidence_path) == before


def test_her_log_page_reads_in_a_fixed_number_of_queries(
    her: Client, case: Case, django_assert_max_num_queries: Any
) -> None:
    for hour in range(5):
        her.post(
            reverse("portal:incident_add"),
            {
                **typed(occurred_time=f"1{hour}:00"),
                "file": SimpleUploadedFile(f"{hour}.jpg", JPEG + bytes([hour])),
            },
        )
    assert Incident.objects.filter(case=case).count() == 5
    with django_assert_max_num_queries(QUERIES):
        answer = her.get(reverse("portal:evidence"))
    assert answer.content.decode().count('class="ledger-row"') == 10  # 5 incidents, 5 files


def test_a_date_she_could_not_type_is_asked_again(her: Client, evidence_path: Path) -> None:
    before = written(evidence_path)
    answer = her.post(reverse("portal:incident_add"), typed(occurred_on="어제", occurred_time=""))
    text = answer.content.decode()
    assert answer.status_code == 422
    assert "날짜를 2024-03-08처럼 적어 주세요" in text
    assert "시각을 적어 주세요" in text
    assert written(evidence_path) == before


def test_without_a_file_only_the_incident_is_recorded(
    her: Client, case: Case, evidence_path: Path
) -> None:
    answer = her.post(reverse("portal:incident_add"), typed(count="", place="", note=""))
    assert answer.status_code == 302
    incident = Incident.objects.get(case=case)
    assert (incident.count, incident.place, incident.note) == (1, "", "")
    assert EvidenceFile.objects.count() == 0


def test_a_closed_case_takes_no_new_record(
    her: Client, case: Case, manager: Staff, evidence_path: Path
) -> None:
    case_transition(
        case_id=case.pk, actor=manager, to_status="closed", close_reason="victim_request"
    )
    before = written(evidence_path)
    answer = her.post(
        reverse("portal:incident_add"), {**typed(), "file": SimpleUploadedFile("a.jpg", JPEG)}
    )
    assert answer.status_code == 403
    assert "지원이 끝난 사례라" in answer.content.decode()
    assert written(evidence_path) == before
    assert her.get(reverse("portal:evidence")).status_code == 200  # reading stays open


def test_her_log_is_newest_first_and_staff_notes_stay_with_staff(
    her: Client, case: Case, manager: Staff
) -> None:
    incident_record(
        case_id=case.pk,
        actor=manager,
        occurred_at=clock.now() - dt.timedelta(days=3),
        behaviours=["threats"],
        source="police",
        note="경찰 통보: 가해자 주거지 확인",
    )
    her.post(reverse("portal:incident_add"), typed())
    text = her.get(reverse("portal:evidence")).content.decode()
    assert text.index(NOTE) < text.index("위협하는 말이나 행동")  # hers (yesterday) first
    assert "담당 기관이 기록" in text
    assert "가해자 주거지" not in text
