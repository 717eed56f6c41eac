"""Evidence files: the original bytes come back untouched (SHA-256 checked on every read), are
sealed on disk, their type is judged from the content, limits hold, every refusal writes nothing
(no row, no event, no audit entry, no file), every opening is audited, outsiders get 404, and a
file changed on disk is never served."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from onestop.accounts.models import Role, Staff
from onestop.audit.models import AuditEntry
from onestop.cases.models import Case, CaseEvent
from onestop.core.errors import DomainError, ValidationFailed
from onestop.evidence.errors import EvidenceIntegrityError
from onestop.evidence.models import EvidenceFile
from onestop.evidence.services import evidence_file_add, evidence_file_open
from onestop.evidence.sniff import sniff

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
ZIP = b"PK\x03\x04" + b"\x00" * 100
EXE = b"MZ\x90\x00" + b"\x00" * 100
CHAT = "2024년 3월 8일 오후 11:02, 이○○ : 집 앞이야\n".encode()


@pytest.fixture
def case(open_case: Callable[..., Case], manager: Staff) -> Case:
    return open_case(manager)


def counts(directory: Path) -> tuple[int, int, int, int]:
    files = len(list(directory.glob("*"))) if directory.exists() else 0
    return (
        EvidenceFile.objects.count(),
        CaseEvent.objects.count(),
        AuditEntry.objects.count(),
        files,
    )


def test_the_original_comes_back_untouched_and_is_sealed_on_disk(
    case: Case, manager: Staff, evidence_path: Path
) -> None:
    record = evidence_file_add(
        actor=manager, case_id=case.pk, name="현관 앞.jpg", data=JPEG, description="집 앞 사진"
    )
    assert (record.kind, record.content_type, record.size) == ("photo", "image/jpeg", len(JPEG))
    assert record.sha256 == hashlib.sha256(JPEG).hexdigest()
    stored = (evidence_path / record.storage_name).read_bytes()
    assert JPEG[16:200] not in stored  # sealed, not in the clear
    assert "현관" not in record.storage_name
    opened, data = evidence_file_open(actor=manager, file_id=record.pk)
    assert data == JPEG
    assert opened.name == "현관 앞.jpg"
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert "evidence.add" in actions
    assert "evidence.view" in actions
    added = AuditEntry.objects.get(action="evidence.add")
    assert added.data["sha256"] == record.sha256


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("사진.jpg", ZIP, "type_not_allowed"),  # a zip with a photo's name
        ("setup.exe", EXE, "type_not_allowed"),
        ("empty.jpg", b"", "empty"),
    ],
)
def test_refusals_name_the_reason_and_write_nothing(
    case: Case, manager: Staff, evidence_path: Path, name: str, data: bytes, code: str
) -> None:
    before = counts(evidence_path)
    with pytest.raises(ValidationFailed) as caught:
        evidence_file_add(actor=manager, case_id=case.pk, name=name, data=data)
    assert caught.value.errors[0].code == code
    assert caught.value.errors[0].field == "file"
    assert counts(evidence_path) == before


def test_size_limits_per_file_and_per_case(
    case: Case, manager: Staff, settings: Any, evidence_path: Path
) -> None:
    settings.ONESTOP_EVIDENCE_MAX_FILE_BYTES = 2000
    settings.ONESTOP_EVIDENCE_MAX_CASE_BYTES = 2500
    with pytest.raises(ValidationFailed) as too_large:
        evidence_file_add(actor=manager, case_id=case.pk, name="big.png", data=PNG + b"\x00" * 2000)
    assert too_large.value.errors[0].code == "too_large"
    evidence_file_add(
        actor=manager, case_id=case.pk, name="a.jpg", data=(JPEG + bytes(1000))[:1500]
    )
    before = counts(evidence_path)
    with pytest.raises(ValidationFailed) as full:
        evidence_file_add(actor=manager, case_id=case.pk, name="b.png", data=PNG + b"\x01" * 1000)
    assert full.value.errors[0].code == "case_full"
    assert "KB" in full.value.errors[0].message
    assert counts(evidence_path) == before


def test_the_same_file_twice_is_refused(case: Case, manager: Staff) -> None:
    evidence_file_add(actor=manager, case_id=case.pk, name="a.jpg", data=JPEG)
    with pytest.raises(ValidationFailed) as caught:
        evidence_file_add(actor=manager, case_id=case.pk, name="copy.jpg", data=JPEG)
    assert caught.value.errors[0].code == "duplicate"


def test_a_file_changed_on_disk_is_never_served(
    case: Case, manager: Staff, evidence_path: Path
) -> None:
    record = evidence_file_add(actor=manager, case_id=case.pk, name="a.jpg", data=JPEG)
    path = evidence_path / record.storage_name
    blob = bytearray(path.read_bytes())
    blob[-1] ^= 1
    path.write_bytes(bytes(blob))
    with pytest.raises(EvidenceIntegrityError):
        evidence_file_open(actor=manager, file_id=record.pk)
    path.unlink()
    with pytest.raises(EvidenceIntegrityError):
        evidence_file_open(actor=manager, file_id=record.pk)


@pytest.mark.parametrize("role", Role.values)
def test_other_agencies_see_nothing(
    role: str,
    case: Case,
    manager: Staff,
    other_agency: Any,
    make_staff: Callable[..., Staff],
) -> None:
    record = evidence_file_add(actor=manager, case_id=case.pk, name="a.txt", data=CHAT)
    stranger = make_staff(other_agency, role)
    with pytest.raises(DomainError) as opening:
        evidence_file_open(actor=stranger, file_id=record.pk)
    assert opening.value.status_code == 404
    with pytest.raises(DomainError) as adding:
        evidence_file_add(actor=stranger, case_id=case.pk, name="b.jpg", data=JPEG)
    assert adding.value.status_code == 404


def test_types_come_from_the_bytes() -> None:
    assert sniff(JPEG) is not None
    assert sniff(b"%PDF-1.7\n") is not None
    assert sniff(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 10) is not None
    assert sniff(CHAT) is not None
    assert sniff("일시,번호\n".encode("cp949")) is not None
    for refused in (ZIP, EXE, b"\x00\x01\x02\x03"):
        assert sniff(refused) is None
