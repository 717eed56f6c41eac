"""The evidence panel through the real views: upload (multipart) keeps the original, a refused
file re-renders the page with the reason and writes nothing, the download gives back the exact
bytes (audited, not cached, not sniffed by the browser), the import page previews who is in a
chat and adds the incidents, and other agencies get 404 everywhere."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from onestop.accounts.models import Role, Staff
from onestop.audit.models import AuditEntry
from onestop.cases.models import Case, Incident
from onestop.evidence.models import EvidenceFile, EvidenceImport

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


def upload(client: Client, case: Case, name: str, data: bytes) -> Any:
    return client.post(
        reverse("evidence:upload", args=[case.pk]),
        {"file": SimpleUploadedFile(name, data), "description": "현관 앞"},
    )


def test_upload_download_and_the_panel(case: Case, manager: Staff) -> None:
    client = logged_in(manager)
    assert upload(client, case, "현관.jpg", JPEG).status_code == 302
    record = EvidenceFile.objects.get()
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "증거 자료" in page
    assert record.sha256 in page
    answer = client.get(reverse("evidence:download", args=[record.pk]))
    assert answer.status_code == 200
    assert answer.content == JPEG
    assert answer["Content-Type"] == "image/jpeg"
    assert answer["Cache-Control"] == "no-store"
    assert answer["X-Content-Type-Options"] == "nosniff"
    assert record.sha256[:12] in answer["Content-Disposition"]
    viewed = AuditEntry.objects.filter(action="evidence.view").get()
    assert viewed.data["purpose"] == "download"


def test_a_refused_file_shows_why_and_writes_nothing(case: Case, manager: Staff) -> None:
    answer = upload(logged_in(manager), case, "사진.jpg", b"PK\x03\x04" + bytes(100))
    assert answer.status_code == 422
    assert "이 형식의 파일은 받을 수 없습니다" in answer.content.decode()
    assert EvidenceFile.objects.count() == 0


def test_import_a_chat_from_the_page(case: Case, manager: Staff) -> None:
    client = logged_in(manager)
    upload(client, case, "chat.txt", CHAT)
    record = EvidenceFile.objects.get()
    url = reverse("evidence:import", args=[record.pk])
    page = client.get(url).content.decode()
    assert "이○○ (3)" in page
    assert "김지영 (1)" in page
    assert client.post(url, {"subject": "nobody"}).status_code == 422
    assert client.post(url, {"subject": "이○○"}).status_code == 302
    assert EvidenceImport.objects.count() == 1
    assert Incident.objects.filter(case=case).count() == 2
    panel = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "<svg" in panel
    assert url not in panel  # imported once: no second link


@pytest.mark.parametrize("role", Role.values)
def test_other_agencies_get_404(
    role: str, case: Case, manager: Staff, other_agency: Any, make_staff: Callable[..., Staff]
) -> None:
    upload(logged_in(manager), case, "chat.txt", CHAT)
    record = EvidenceFile.objects.get()
    stranger = logged_in(make_staff(other_agency, role))
    assert stranger.get(reverse("evidence:download", args=[record.pk])).status_code == 404
    assert stranger.get(reverse("evidence:import", args=[record.pk])).status_code == 404
    assert upload(stranger, case, "x.jpg", JPEG).status_code == 404
    assert EvidenceFile.objects.count() == 1
