"""Evidence files of a case: the original bytes, kept untouched (sealed on disk with the key ring,
their SHA-256 checked on every read), with what they are (sniffed from the content), their size,
when and by whom they were added, and — sealed — the name they came with and a description.

Who opened a file, and when, is in the audit log (``evidence.view``): the chain of custody."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from onestop.core.fields import EncryptedTextField
from onestop.core.models import BaseModel


class EvidenceKind(models.TextChoices):
    PHOTO = "photo", _("사진")
    VIDEO = "video", _("동영상")
    AUDIO = "audio", _("녹음")
    DOCUMENT = "document", _("문서 (PDF)")
    TEXT = "text", _("텍스트 (대화 내보내기·통화 기록)")


class EvidenceSource(models.TextChoices):
    STAFF = "staff", _("직원이 올림")
    PORTAL = "portal", _("피해자가 올림")


class EvidenceFile(BaseModel):
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    incident = models.ForeignKey(
        "cases.Incident", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=EvidenceKind.choices)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    name = EncryptedTextField(blank=True)
    description = EncryptedTextField(blank=True)
    storage_name = models.CharField(max_length=200, unique=True)
    key_id = models.CharField(max_length=40)
    source = models.CharField(max_length=20, choices=EvidenceSource.choices)
    uploaded_at = models.DateTimeField()
    # Empty when the victim added it in the portal (``source`` ``portal``).
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    uploaded_by_label = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["uploaded_at"]
        indexes = [models.Index(fields=["case", "uploaded_at"])]
        constraints = [
            models.UniqueConstraint(fields=["case", "sha256"], name="one_copy_of_a_file_per_case"),
            models.CheckConstraint(condition=Q(size__gte=1), name="evidence_file_not_empty"),
        ]

    def __str__(self) -> str:
        return f"evidence file {self.pk}"


class ImportKind(models.TextChoices):
    KAKAOTALK = "kakaotalk", _("카카오톡 대화 내보내기")
    CALL_LOG = "call_log", _("통화 기록 (CSV)")


class EvidenceImport(BaseModel):
    """A chat export or call log read into the incident log: whose messages or calls (the
    stalker's name in the chat, or his number — sealed), what was found per day, and the
    incidents it added. A file is imported once."""

    file = models.OneToOneField(EvidenceFile, on_delete=models.PROTECT, related_name="imported")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=ImportKind.choices)
    layout = models.CharField(max_length=30)
    subject = EncryptedTextField()
    # [{"day": "2024-03-08", "count": 52, "other": 3}, ...]: messages (or calls) per day, and
    # of them placeholders (photos, deleted) or calls not taken
    daily = models.JSONField(default=list)
    total = models.PositiveIntegerField()
    unread_lines = models.PositiveIntegerField(default=0)
    incidents = models.JSONField(default=list)
    imported_at = models.DateTimeField()
    # Empty when the victim imported it herself, in the portal (``imported_by_label`` says so).
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    imported_by_label = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-imported_at"]

    def __str__(self) -> str:
        return f"evidence import {self.pk} ({self.kind})"
