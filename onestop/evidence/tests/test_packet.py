"""The evidence packet PDF: Korean text in the bundled font, the incident log, the chart, every
file's SHA-256, the chain of custody; the case by reference only; no promise of admissibility;
made only for a stated purpose, each file's custody recording it; 404 for other agencies."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from onestop.accounts.models import Role, Staff
from onestop.audit.models import AuditEntry
from onestop.cases.models import Case
from onestop.evidence.models import EvidenceFile
from onestop.evidence.services import evidence_import

from .test_imports import CHAT

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4


@pytest.fixture
def case(open_case: Callable[..., Case], manager: Staff) -> Case:
    return open_case(manager)


def logged_in(user: Staff) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_packet_holds_log_chart_files_and_custody(case: Case, manager: Staff) -> None:
    client = logged_in(manager)
    for name, data in (("chat.txt", CHAT), ("photo.jpg", JPEG)):
        client.post(
            reverse("evidence:upload", args=[case.pk]), {"file": SimpleUploadedFile(name, data)}
        )
    chat = EvidenceFile.objects.get(kind="text")
    evidence_import(actor=manager, file_id=chat.pk, subject="이○○")
    answer = client.post(reverse("evidence:packet", args=[case.pk]), {"purpose": "police"})
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/pdf"
    assert answer["Cache-Control"] == "no-store"
    assert case.reference in answer["Content-Disposition"]
    text = text_of(answer.content)
    assert "증거 자료 묶음" in text
    assert case.reference in text
    assert "그기관이판단합니다" in re.sub(r"\s", "", text)  # no promise of admissibility
    assert "전화·문자·SNS 등으로 연락" in text  # the incident log, in words
    for record in EvidenceFile.objects.all():
        assert record.sha256[:32] in text.replace("\n", "")
    assert "보관·열람 기록" in text
    assert "피해 사건으로 가져옴" in text
    assert case.victim.name not in text
    fonts = set()
    for page in PdfReader(io.BytesIO(answer.content)).pages:
        resources = page["/Resources"]
        assert isinstance(resources, DictionaryObject)
        faces = resources["/Font"].get_object()
        assert isinstance(faces, DictionaryObject)
        fonts |= {str(font.get_object()["/BaseFont"]) for font in faces.values()}
    assert fonts
    assert all("Pretendard" in name for name in fonts)
    packed = AuditEntry.objects.filter(action="evidence.packet")
    assert packed.count() == 3  # each file, and the case
    assert {e.data["purpose"] for e in packed} == {"police"}


def test_a_packet_needs_a_purpose_and_writes_nothing_without(case: Case, manager: Staff) -> None:
    client = logged_in(manager)
    before = AuditEntry.objects.filter(action="evidence.packet").count()
    answer = client.post(reverse("evidence:packet", args=[case.pk]), {"purpose": "other"})
    assert answer.status_code == 422
    assert "이유를 적어 주세요" in answer.content.decode()
    assert AuditEntry.objects.filter(action="evidence.packet").count() == before


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.CASE_MANAGER, Role.PROVIDER])
def test_other_agencies_get_404(
    role: str, case: Case, other_agency: Any, make_staff: Callable[..., Staff]
) -> None:
    stranger = logged_in(make_staff(other_agency, role))
    answer = stranger.post(reverse("evidence:packet", args=[case.pk]), {"purpose": "police"})
    assert answer.status_code == 404
